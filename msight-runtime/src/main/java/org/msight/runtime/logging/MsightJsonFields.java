package org.msight.runtime.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractJsonProvider;

/** MSight's fields of a JSON log line, as the text line has them: device, node, level (WARNING...). */
public final class MsightJsonFields extends AbstractJsonProvider<ILoggingEvent> {

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        generator.writeStringField("device", MsightLayout.deviceName());
        generator.writeStringField("node", MsightLayout.nodeOf(event));
        generator.writeStringField("level", MsightLayout.levelName(event.getLevel()));
    }
}

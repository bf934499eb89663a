package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import org.msight.api.KeyedLogThrottle;
import org.slf4j.Marker;

/**
 * Lets a library's warnings and errors through once a minute each, told apart by logger and
 * message pattern: a Kafka client whose login the brokers refuse logs the same ERROR at every
 * retry, about once a second. Set in {@code logback.xml} for the loggers under {@code prefix};
 * the runtime's and the plugins' own lines are never held back.
 */
public final class LibraryLogThrottle extends TurboFilter {

    private static final Duration INTERVAL = Duration.ofMinutes(1);

    private final KeyedLogThrottle throttle = new KeyedLogThrottle(INTERVAL, 256);
    private String prefix;

    /** The loggers held back: those whose name starts with this, such as {@code org.apache.kafka.}. */
    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void start() {
        if (prefix == null || prefix.isEmpty()) {
            addError("LibraryLogThrottle needs a prefix");
            return;
        }
        super.start();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
            Throwable failure) {
        if (level == null || format == null || !level.isGreaterOrEqual(Level.WARN)
                || !level.isGreaterOrEqual(logger.getEffectiveLevel()) || !logger.getName().startsWith(prefix)) {
            return FilterReply.NEUTRAL;
        }
        return throttle.occurred(logger.getName() + '\n' + format) > 0 ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}

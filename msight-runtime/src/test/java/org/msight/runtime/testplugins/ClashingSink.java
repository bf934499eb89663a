package org.msight.runtime.testplugins;

import org.msight.api.Setting;
import org.msight.api.SettingType;

/**
 * Test node type {@code clashing-sink}, a plugin author's mistake: it declares a setting of its own
 * named {@code queue-max-bytes}, which the runtime takes for every sink.
 */
public final class ClashingSink extends PluginSink {

    public ClashingSink() {
        super("clashing-sink", Setting.optional("queue-max-bytes", SettingType.INT, "bytes it buffers"));
    }
}

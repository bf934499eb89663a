package org.msight.runtime.testplugins;

import org.msight.api.Setting;
import org.msight.api.SettingType;

/** Test node type {@code batch-sink}: a sink with a setting of its own, {@code batch}. */
public final class BatchSink extends PluginSink {

    public BatchSink() {
        super("batch-sink", Setting.optional("batch", SettingType.INT, "messages it handles at once"));
    }
}

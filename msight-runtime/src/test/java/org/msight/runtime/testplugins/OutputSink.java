package org.msight.runtime.testplugins;

import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/** Test node type {@code output-sink}: a block of settings, whose {@code format} its nodes refuse, whatever it is. */
public final class OutputSink extends PluginSink {

    public OutputSink() {
        super("output-sink", Setting.block("output", "where it writes",
                Setting.optional("folder", SettingType.FOLDER, "the folder it writes in"),
                Setting.optional("format", SettingType.STRING, "the format of its files")));
    }

    @Override
    public Node create(NodeContext context) {
        throw new IllegalArgumentException("output.format: '" + context.config().getString("output.format")
                + "' is not one it writes");
    }
}

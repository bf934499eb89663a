package com.example.msight;

import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/** The {@code line-file} node type; listed in META-INF/services/org.msight.api.NodeProvider. */
public final class LineFileSinkProvider implements NodeProvider {

    @Override
    public String type() {
        return "line-file";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "appends one line per message to a file: sensor, frame id, data type";
    }

    @Override
    public List<Setting> settings() {
        // Declared once: the runtime checks them (and prints them in msight-run plugins);
        // the defaults of optional settings are in src/main/resources/reference.conf.
        return List.of(
                Setting.required("file", SettingType.STRING, "the file to append to").nonEmpty(),
                Setting.optional("prefix", SettingType.STRING, "text at the start of every line"));
    }

    @Override
    public Node create(NodeContext context) {
        return new LineFileSink(context);
    }
}

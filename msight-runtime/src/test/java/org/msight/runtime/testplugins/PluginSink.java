package org.msight.runtime.testplugins;

import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SinkNode;

/** A sink type of a test plugin: a type name and the settings it declares; its nodes do nothing. */
abstract class PluginSink implements NodeProvider {

    private final String type;
    private final List<Setting> settings;

    PluginSink(String type, Setting... settings) {
        this.type = type;
        this.settings = List.of(settings);
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "test sink of a plugin jar";
    }

    @Override
    public List<Setting> settings() {
        return settings;
    }

    @Override
    public Node create(NodeContext context) {
        return (SinkNode) data -> {
        };
    }
}

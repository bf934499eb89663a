package org.msight.plugins.natsbus;

import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SinkNode;

/** A sink that drops each message: a node {@code msight-run --check} creates, so it subscribes. */
public final class DroppingSinkProvider implements NodeProvider {

    @Override
    public String type() {
        return "test-dropping-sink";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "drops each message";
    }

    @Override
    public List<Setting> settings() {
        return List.of();
    }

    @Override
    public Node create(NodeContext context) {
        return (SinkNode) message -> { };
    }
}

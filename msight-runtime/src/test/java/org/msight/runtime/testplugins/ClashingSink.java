package org.msight.runtime.testplugins;

import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/**
 * Test node type {@code clashing-sink}, a plugin author's mistake: it declares a setting of its own
 * named {@code queue-max-bytes}, which the runtime takes for every sink.
 */
public final class ClashingSink implements NodeProvider {

    @Override
    public String type() {
        return "clashing-sink";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "test sink that declares a setting every sink takes";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.optional("queue-max-bytes", SettingType.INT, "bytes it buffers"));
    }

    @Override
    public Node create(NodeContext context) {
        return (org.msight.api.SinkNode) data -> {
        };
    }
}

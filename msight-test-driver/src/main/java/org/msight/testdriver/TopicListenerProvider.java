package org.msight.testdriver;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SinkNode;
import org.msight.api.data.SensorData;

/**
 * The sink the {@link PipelineTestDriver} adds for each topic a test listens to: hands every
 * message it receives to the test's listener, named by the node's {@code listener} setting.
 */
public final class TopicListenerProvider implements NodeProvider {

    /** The node type, as pipeline files name it. */
    public static final String TYPE = "test-topic-listener";

    private static final Map<String, Consumer<? super SensorData>> LISTENERS = new ConcurrentHashMap<>();

    /** Registers {@code listener} and returns the name a node block gives it. */
    static String register(Consumer<? super SensorData> listener) {
        String name = UUID.randomUUID().toString();
        LISTENERS.put(name, listener);
        return name;
    }

    static void unregister(String name) {
        LISTENERS.remove(name);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "Test driver only: hands each message to a test";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.required("listener", SettingType.STRING, "the test's listener").nonEmpty());
    }

    @Override
    public Node create(NodeContext context) {
        String name = context.config().getString("listener");
        Consumer<? super SensorData> listener = LISTENERS.get(name);
        if (listener == null) {
            throw new IllegalArgumentException("no listener '" + name + "' is registered");
        }
        return (SinkNode) listener::accept;
    }
}

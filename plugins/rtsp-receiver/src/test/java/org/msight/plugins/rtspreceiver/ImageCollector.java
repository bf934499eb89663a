package org.msight.plugins.rtspreceiver;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SinkNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;

/** Test sink for pipelines run by the real runtime: keeps the images it receives, by node name. */
final class ImageCollector implements SinkNode {

    /** What each collector received, by node name. */
    static final Map<String, List<ImageData>> RECEIVED = new ConcurrentHashMap<>();

    private final List<ImageData> received;

    private ImageCollector(NodeContext context) {
        this.received = RECEIVED.computeIfAbsent(context.nodeName(), name -> new CopyOnWriteArrayList<>());
    }

    @Override
    public void put(SensorData data) {
        received.add((ImageData) data);
    }

    /** Its provider, type {@code test-image-collector}. */
    public static final class Provider implements NodeProvider {
        @Override
        public String type() {
            return "test-image-collector";
        }

        @Override
        public NodeKind kind() {
            return NodeKind.SINK;
        }

        @Override
        public String description() {
            return "keeps the images it receives (tests)";
        }

        @Override
        public List<Setting> settings() {
            return List.of();
        }

        @Override
        public Node create(NodeContext context) {
            return new ImageCollector(context);
        }
    }
}

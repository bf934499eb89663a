package org.msight.runtime.config;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.msight.api.LogSafe;

/**
 * A pipeline's topology as data, as Kafka Streams' {@code TopologyDescription}: its nodes in
 * file order and, for each topic, its bus, who publishes and who subscribes. {@code msight-run --check}
 * prints it as text, {@code --check --json} as JSON; tools and tests read it as is.
 *
 * @param file where the pipeline was read from
 * @param deviceName {@code msight.device-name}
 * @param bus {@code msight.bus}
 * @param nodes the nodes, in file order
 * @param topics the topics, sorted by name
 */
public record TopologyDescription(String file, String deviceName, String bus, List<Node> nodes, List<Topic> topics) {

    /**
     * One node.
     *
     * @param subscribeTopic its input topic, or {@code null} for a source
     * @param publishTopic its output topic, or {@code null} for a sink
     * @param group the group it shares its input topic with ({@code group-id}), or {@code null}
     * @param location {@code file:line} of its block
     */
    public record Node(String name, String type, String kind, String subscribeTopic, String publishTopic, int gap,
            String group, String location) {
    }

    /** One topic, the bus that carries it, and the nodes on each side of it, in file order. */
    public record Topic(String name, String bus, List<String> publishers, List<String> subscribers) {
    }

    /** The topology of a validated pipeline. */
    public static TopologyDescription of(PipelineSpec spec) {
        List<Node> nodes = new ArrayList<>();
        Map<String, Topic> topics = new TreeMap<>();
        for (NodeSpec node : spec.nodes()) {
            nodes.add(new Node(node.name(), node.type().name(), node.kind().name().toLowerCase(java.util.Locale.ROOT),
                    node.subscribeTopic().orElse(null), node.publishTopic().orElse(null), node.gap(),
                    node.group().orElse(null), node.location()));
            node.publishTopic().ifPresent(t -> topic(topics, t, spec).publishers().add(node.name()));
            node.subscribeTopic().ifPresent(t -> topic(topics, t, spec).subscribers().add(node.name()
                    + node.group().map(g -> " (group " + g + ")").orElse("")));
        }
        return new TopologyDescription(spec.file(), spec.deviceName(), spec.bus(), List.copyOf(nodes),
                List.copyOf(topics.values()));
    }

    private static Topic topic(Map<String, Topic> topics, String name, PipelineSpec spec) {
        return topics.computeIfAbsent(name, n -> new Topic(n, spec.topicBuses().get(n), new ArrayList<>(),
                new ArrayList<>()));
    }

    /** The form {@code msight-run --check} prints. */
    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append("Pipeline ").append(file).append(" (device ").append(deviceName).append(", bus ").append(bus)
                .append(")\n");
        out.append("Nodes:\n");
        for (Node node : nodes) {
            out.append(String.format("  %-24s %-16s %-9s", node.name(), node.type(), node.kind()));
            if (node.subscribeTopic() != null) {
                out.append(" <- ").append(LogSafe.text(node.subscribeTopic())); // may come from the environment
            }
            if (node.publishTopic() != null) {
                out.append(" -> ").append(LogSafe.text(node.publishTopic()));
            }
            out.append("  gap ").append(node.gap()).append('\n');
        }
        out.append("Topics:\n");
        for (Topic topic : topics) {
            out.append(String.format("  %-24s on %s; published by %s; subscribed by %s%n", LogSafe.text(topic.name()),
                    topic.bus(), names(topic.publishers()), names(topic.subscribers())));
        }
        return out.toString();
    }

    /** The form {@code msight-run --check --json} prints: one JSON object. */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", file);
        root.put("device-name", deviceName);
        root.put("bus", bus);
        List<Map<String, Object>> nodeList = new ArrayList<>();
        for (Node node : nodes) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", node.name());
            entry.put("type", node.type());
            entry.put("kind", node.kind());
            entry.put("subscribe-topic", node.subscribeTopic());
            entry.put("publish-topic", node.publishTopic());
            entry.put("gap", node.gap());
            entry.put("group-id", node.group());
            entry.put("location", node.location());
            nodeList.add(entry);
        }
        root.put("nodes", nodeList);
        List<Map<String, Object>> topicList = new ArrayList<>();
        for (Topic topic : topics) {
            topicList.add(Map.of("name", topic.name(), "bus", topic.bus(), "publishers", topic.publishers(),
                    "subscribers", topic.subscribers()));
        }
        root.put("topics", topicList);
        return ConfigValueFactory.fromMap(root).render(ConfigRenderOptions.concise().setJson(true)) + "\n";
    }

    private static String names(List<String> nodes) {
        return nodes.isEmpty() ? "(no node here)" : String.join(", ", nodes);
    }
}

package org.msight.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.msight.runtime.config.NodeSpec;
import org.msight.runtime.config.PipelineSpec;

/**
 * The printed form of a pipeline: nodes, and for each topic its bus, who publishes and who
 * subscribes (with the subscriber's group).
 */
final class Topology {

    private Topology() {
    }

    static String describe(PipelineSpec spec) {
        StringBuilder out = new StringBuilder();
        out.append("Pipeline ").append(spec.file()).append(" (device ").append(spec.deviceName())
                .append(", bus ").append(spec.bus()).append(")\n");
        out.append("Nodes:\n");
        Map<String, List<String>> publishers = new TreeMap<>();
        Map<String, List<String>> subscribers = new TreeMap<>();
        for (NodeSpec node : spec.nodes()) {
            out.append(String.format("  %-24s %-16s %-9s", node.name(), node.type().name(),
                    node.kind().name().toLowerCase()));
            node.subscribeTopic().ifPresent(t -> out.append(" <- ").append(t));
            node.publishTopic().ifPresent(t -> out.append(" -> ").append(t));
            out.append("  gap ").append(node.gap()).append('\n');
            node.publishTopic().ifPresent(t -> publishers.computeIfAbsent(t, k -> new ArrayList<>()).add(node.name()));
            node.subscribeTopic().ifPresent(t -> subscribers.computeIfAbsent(t, k -> new ArrayList<>())
                    .add(node.name() + node.group().map(g -> " (group " + g + ")").orElse("")));
        }
        out.append("Topics:\n");
        TreeSet<String> topics = new TreeSet<>(publishers.keySet());
        topics.addAll(subscribers.keySet());
        for (String topic : topics) {
            out.append(String.format("  %-24s on %s; published by %s; subscribed by %s%n", topic,
                    spec.topicBuses().get(topic), names(publishers.get(topic)), names(subscribers.get(topic))));
        }
        return out.toString();
    }

    private static String names(List<String> nodes) {
        return nodes == null ? "(no node here)" : String.join(", ", nodes);
    }
}

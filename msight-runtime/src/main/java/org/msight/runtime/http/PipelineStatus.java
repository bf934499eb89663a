package org.msight.runtime.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msight.api.data.Metadata;
import org.msight.runtime.Pipeline;
import org.msight.runtime.config.NodeSpec;
import org.msight.runtime.node.NodeStats;
import org.msight.runtime.registry.NodeRecord;
import org.msight.runtime.registry.TopicRecord;

/**
 * The status of nodes and topics as JSON: what {@code /nodes} serves, {@code msight-run status}
 * prints, and {@code msight status --json} prints for MSight's registry (which knows states and
 * heartbeats, not counts).
 *
 * @param device the edge device
 * @param nodes every node
 * @param topics every topic
 * @param buses every bus of a running pipeline, with whether its connections work (not in the registry's)
 * @param waiting why there are no nodes yet: the pipeline is not created (a launcher's {@code -w} wait)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PipelineStatus(String device, List<Node> nodes, List<Topic> topics, List<BusStatus> buses,
        String waiting) {

    /** The mapper of this shape: snake_case fields, nulls left out, unknown fields ignored. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * One node.
     *
     * @param state RUNNING, OUTAGE, FINISHED, FAILED, STOPPED (STARTING before it opened)
     * @param since when the outage started (ISO-8601), while in one
     * @param lastError the last failure, credentials masked
     * @param inRate messages in per second over the last stats interval
     * @param counts totals: in, out, dropped, errors, the node's own counters...
     * @param lastHeartbeat POSIX seconds of the last heartbeat (registry only)
     * @param device the node's edge device (registry only)
     * @param stale whether its heartbeat is older than its tolerance (registry only)
     * @param thisRuntime whether this runtime wrote the entry, not another program (registry only)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Node(String name, String type, String kind, String state, String since, String publishTopic,
            String subscribeTopic, Double inRate, Double outRate, Integer queue, Map<String, Long> counts,
            String lastError, Double lastHeartbeat, String device, Boolean stale, Boolean thisRuntime) {
    }

    /** One topic, with the data type its publisher declares when known. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Topic(String name, String dataType, String description) {
    }

    /**
     * One bus, whether its connections work now ({@link org.msight.api.bus.Bus#connected()}), and
     * while they do not, why, when the bus says ({@link org.msight.api.bus.Bus#outage()}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BusStatus(String name, boolean connected, String outage) {
    }

    /** MSight's node registry in this shape. */
    public static PipelineStatus ofRegistry(List<NodeRecord> nodes, List<TopicRecord> topics) {
        double now = Metadata.now();
        return new PipelineStatus(null, nodes.stream().map(n -> new Node(n.name(), n.type(), null,
                n.status() == null ? null : n.status().name(), null, n.publishTopic(), n.subscribeTopic(), null, null,
                null, null, null, Double.isFinite(n.lastHeartbeat()) ? n.lastHeartbeat() : null, n.device(),
                n.staleAt(now), n.writtenByThisRuntime())).toList(),
                topics.stream().map(t -> new Topic(t.name(), t.dataType(), t.description())).toList(), null, null);
    }

    /** No nodes yet, and why ({@code waiting}). */
    public static PipelineStatus waiting(String why) {
        return new PipelineStatus(null, List.of(), List.of(), List.of(), why);
    }

    /** The status of a running pipeline. */
    public static PipelineStatus of(Pipeline pipeline) {
        List<Node> nodes = new ArrayList<>();
        Map<String, Topic> topics = new java.util.TreeMap<>();
        List<NodeStats> stats = pipeline.nodeStats();
        for (NodeStats node : stats) {
            NodeSpec spec = pipeline.spec().nodes().stream().filter(n -> n.name().equals(node.node())).findFirst()
                    .orElseThrow();
            Instant since = node.outageSince();
            nodes.add(new Node(node.node(), spec.type().name(), node.kind().name().toLowerCase(),
                    node.state().name(), since == null ? null : since.toString(), spec.publishTopic().orElse(null),
                    spec.subscribeTopic().orElse(null), node.inRate(), node.outRate(),
                    node.kind().subscribes() ? node.queueDepth() : null, node.totals(), node.lastError(), null, null, null,
                    null));
            spec.publishTopic().ifPresent(t -> topics.merge(t, new Topic(t, spec.type().provider().publishedDataType(),
                    "published by " + spec.name()), (a, b) -> a));
            spec.subscribeTopic().ifPresent(t -> topics.putIfAbsent(t, new Topic(t, null, null)));
        }
        return new PipelineStatus(pipeline.spec().deviceName(), nodes, List.copyOf(topics.values()),
                pipeline.busesConnected().entrySet().stream().map(bus -> new BusStatus(bus.getKey(), bus.getValue(),
                        bus.getValue() ? null : pipeline.busOutage(bus.getKey()).orElse(null))).toList(), null);
    }
}

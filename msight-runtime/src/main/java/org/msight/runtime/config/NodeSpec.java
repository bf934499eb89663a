package org.msight.runtime.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.msight.api.NodeKind;
import org.msight.runtime.plugin.NodeType;

/**
 * One validated node of a pipeline.
 *
 * @param name its key under {@code nodes}
 * @param type the node type that runs it
 * @param config its block with the type's and the common defaults filled in
 * @param location {@code file:line} of its block, for messages
 */
public record NodeSpec(String name, NodeType type, Config config, String location) {

    public NodeKind kind() {
        return type.provider().kind();
    }

    public int gap() {
        return config.getInt("gap");
    }

    public Optional<String> publishTopic() {
        return kind().publishes() ? Optional.of(config.getString("publish-topic")) : Optional.empty();
    }

    public Optional<String> subscribeTopic() {
        return kind().subscribes() ? Optional.of(config.getString("subscribe-topic")) : Optional.empty();
    }

    /** The topics it publishes or subscribes to. */
    public List<String> topics() {
        return Stream.concat(publishTopic().stream(), subscribeTopic().stream()).toList();
    }

    /**
     * The group a subscribing node shares its topic with ({@code group-id}); empty for none, so it
     * gets every message (a bus may still default one: Kafka's is {@code <node name>_group}).
     */
    public Optional<String> group() {
        return kind().subscribes() ? Optional.of(config.getString("group-id")).filter(g -> !g.isEmpty())
                : Optional.empty();
    }

    /** The sensor name of a source: {@code sensor-name}, which defaults to the node's name. */
    public Optional<String> sensorName() {
        return kind() == NodeKind.SOURCE ? Optional.of(config.getString("sensor-name")) : Optional.empty();
    }

    /** The {@code type} written in MSight's node registry: {@code registry-type}, else the node type's name. */
    public String registryType() {
        String registryType = config.getString("registry-type");
        return registryType.isEmpty() ? type.name() : registryType;
    }

    public int queueCapacity() {
        return config.getInt("queue-capacity");
    }

    /** The payload bytes its inbox holds at most ({@code queue-max-bytes}). */
    public long queueMaxBytes() {
        return config.getBytes("queue-max-bytes");
    }

    public Duration restartBackoffInitial() {
        return config.getDuration("restart-backoff.initial");
    }

    public Duration restartBackoffMax() {
        return config.getDuration("restart-backoff.max");
    }
}

package org.msight.runtime.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated pipeline file.
 *
 * @param file where it was read from, for messages
 * @param msight the resolved {@code msight} block (runtime settings and their defaults)
 * @param nodes the nodes, in file order
 * @param buses the buses the topics use, by name
 * @param topicBuses the bus name of every topic a node publishes or subscribes to
 * @param warnings things that may be intended but look wrong (a topic nobody publishes)
 */
public record PipelineSpec(String file, Config msight, List<NodeSpec> nodes, Map<String, BusSpec> buses,
        Map<String, String> topicBuses, List<ConfigProblem> warnings) {

    public String deviceName() {
        return msight.getString("device-name");
    }

    /** The default bus: {@code msight.bus}. */
    public String bus() {
        return msight.getString("bus");
    }

    /**
     * Whether the nodes register in MSight's node registry: {@code msight.registry.enabled}, where
     * {@code auto} means when a topic crosses processes (on a bus other than {@code memory}).
     */
    public boolean registers() {
        String enabled = msight.getString("registry.enabled");
        return "auto".equals(enabled) ? buses.keySet().stream().anyMatch(bus -> !"memory".equals(bus))
                : Boolean.parseBoolean(enabled);
    }

    public Duration drainTimeout() {
        return msight.getDuration("drain-timeout");
    }

    public Duration statsInterval() {
        return msight.getDuration("stats-interval");
    }
}

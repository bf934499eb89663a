package org.msight.runtime.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * A validated pipeline file.
 *
 * @param file where it was read from, for messages
 * @param msight the resolved {@code msight} block (runtime settings and their defaults)
 * @param nodes the nodes, in file order
 * @param warnings things that may be intended but look wrong (a topic nobody publishes)
 */
public record PipelineSpec(String file, Config msight, List<NodeSpec> nodes, List<ConfigProblem> warnings) {

    public String deviceName() {
        return msight.getString("device-name");
    }

    public String bus() {
        return msight.getString("bus");
    }

    public Duration drainTimeout() {
        return msight.getDuration("drain-timeout");
    }

    public Duration statsInterval() {
        return msight.getDuration("stats-interval");
    }
}

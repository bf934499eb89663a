package org.msight.runtime.cli.launch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msight.runtime.config.ConfigProblem;
import picocli.CommandLine.Option;

/** The flags every MSight launcher takes (MSight's {@code msight_launch_*} common arguments). */
final class LauncherOptions {

    @Option(names = {"-n", "--name"}, required = true, description = "Name of the node (unique among live nodes).")
    String name;

    @Option(names = {"-g", "--gap"}, defaultValue = "0",
            description = "Handle one message out of every GAP+1 (default: ${DEFAULT-VALUE}).")
    int gap;

    @Option(names = "--logging-level",
            description = "DEBUG, INFO, WARNING, ERROR or CRITICAL (default: $MSIGHT_LOGGING_LEVEL, else INFO).")
    String loggingLevel;

    @Option(names = "--heartbeat-update-interval", paramLabel = "SECONDS",
            description = "Seconds between heartbeat updates in the node registry.")
    Double heartbeatUpdateInterval;

    @Option(names = "--heartbeat-tolerance", paramLabel = "SECONDS",
            description = "Seconds after which a silent node counts as dead.")
    Double heartbeatTolerance;

    @Option(names = "--heartbeat-checking-duration", paramLabel = "SECONDS",
            description = "Seconds heartbeat updates may keep failing before it is an error.")
    Double heartbeatCheckingDuration;

    @Option(names = "--action-on-error", paramLabel = "stop|continue",
            description = "What a heartbeat error does: stop the node, or continue (default).")
    String actionOnError;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /metrics, /health, /ready, /nodes and previews on 127.0.0.1:PORT (default: no endpoint).")
    Integer httpPort;

    @Option(names = "--group-id", description = "Subscribers: share the topic with the nodes of this group, each"
            + " message to one of them (NATS queue group, Kafka consumer group; Kafka's default: <name>_group).")
    String groupId;

    /** The buses MSight's {@code MSIGHT_PUBSUB_BACKEND} chooses among. */
    static final List<String> BACKENDS = List.of("redis", "nats", "kafka");

    /**
     * The msight block: the bus {@code backend}, the level and the heartbeat flags given. The
     * nodes register in MSight's registry in Redis whatever the bus, as MSight's do.
     */
    Map<String, Object> runtimeBlock(String backend) {
        Map<String, Object> heartbeat = new LinkedHashMap<>();
        putSeconds(heartbeat, "update-interval", heartbeatUpdateInterval);
        putSeconds(heartbeat, "tolerance", heartbeatTolerance);
        putSeconds(heartbeat, "checking-duration", heartbeatCheckingDuration);
        if (actionOnError != null) {
            heartbeat.put("action-on-error", actionOnError);
        }
        Map<String, Object> msight = new LinkedHashMap<>();
        msight.put("bus", backend);
        if (loggingLevel != null) {
            msight.put("logging-level", loggingLevel);
        }
        msight.put("registry", Map.of("enabled", true, "heartbeat", heartbeat));
        msight.put("http", httpPort == null ? Map.of("enabled", false) : Map.of("enabled", true, "port", httpPort));
        return msight;
    }

    /**
     * The flag behind each key of the pipeline these options build, for messages: the common
     * flags, and {@code nodeFlags} (by node setting key) of the launcher's own.
     */
    Map<String, String> flagsByPath(Map<String, String> nodeFlags) {
        String node = "nodes." + ConfigProblem.quoted(name);
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(node, "-n/--name");
        flags.put(node + ".gap", "-g/--gap");
        nodeFlags.forEach((key, flag) -> flags.put(node + "." + key, flag));
        flags.put("msight.logging-level", "--logging-level");
        String heartbeat = "msight.registry.heartbeat.";
        flags.put(heartbeat + "update-interval", "--heartbeat-update-interval");
        flags.put(heartbeat + "tolerance", "--heartbeat-tolerance");
        flags.put(heartbeat + "checking-duration", "--heartbeat-checking-duration");
        flags.put(heartbeat + "action-on-error", "--action-on-error");
        return flags;
    }

    /** A node block of {@code type} with the common node flags. */
    Map<String, Object> nodeBlock(String type) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("type", type);
        node.put("gap", gap);
        return node;
    }

    /** A subscribing node's block of {@code type}: the common flags and {@code --group-id}. */
    Map<String, Object> subscriberBlock(String type) {
        Map<String, Object> node = nodeBlock(type);
        if (groupId != null) {
            node.put("group-id", groupId);
        }
        return node;
    }

    /** {@code seconds} as a HOCON duration, when given. */
    static void putSeconds(Map<String, Object> block, String key, Double seconds) {
        if (seconds != null) {
            block.put(key, seconds + "s");
        }
    }
}

package org.msight.runtime.cli.launch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msight.runtime.config.ConfigProblem;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The flags every MSight launcher takes (MSight's {@code msight_launch_*} common arguments). */
final class LauncherOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = {"-n", "--name"}, required = true, description = "Name of the node (unique among live nodes).")
    String name;

    @Option(names = {"-g", "--gap"}, defaultValue = "0",
            description = "Handle one message out of every GAP+1 (default: ${DEFAULT-VALUE}).")
    int gap;

    @Option(names = "--logging-level",
            description = "DEBUG, INFO, WARNING, ERROR, CRITICAL or FATAL, as Python's logging (default:"
                    + " $MSIGHT_LOGGING_LEVEL, else INFO).")
    String loggingLevel;

    @Option(names = "--heartbeat-update-interval", paramLabel = "N",
            description = "MSight's count of messages between heartbeats (0: every message, negative: never);"
                    + " accepted, any number, while the heartbeat here is written every second whether or not"
                    + " messages flow (msight.registry.heartbeat.update-interval).")
    Double heartbeatUpdateInterval;

    @Option(names = "--heartbeat-tolerance", paramLabel = "SECONDS",
            description = "Stop (see --action-on-error) when Redis has refused the heartbeat for this long while"
                    + " serving reads (Redis unreachable, or refusing reads too, is an outage, never a stop); 0 or"
                    + " negative turns the check off (default as MSight: 60 for sources, -1 for sinks).")
    Double heartbeatTolerance;

    @Option(names = "--heartbeat-checking-duration", paramLabel = "SECONDS", defaultValue = "15",
            description = "Seconds between checks of this node's own registry entry; 0 checks at every heartbeat"
                    + " (default: ${DEFAULT-VALUE}).")
    double heartbeatCheckingDuration;

    @Option(names = "--action-on-error", paramLabel = "stop|continue", defaultValue = "stop",
            description = "When another process holds this node's entry, or Redis has refused its heartbeat"
                    + " beyond the tolerance: stop the node (exit 1), or continue (default: ${DEFAULT-VALUE}).")
    String actionOnError;

    // not --replace: a prefix of MSight's own --resize-ratio ("--re 0.5", as argparse takes it) must stay one option's
    @Option(names = "--take-over",
            description = "Take the node's name even from a live or another program's registry entry.")
    boolean replace;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /metrics, /health, /ready, /nodes and previews on 127.0.0.1:PORT (default: no endpoint).")
    Integer httpPort;

    @Option(names = "--group-id", description = "Subscribers: share the topic with the nodes of this group, each"
            + " message to one of them (NATS queue group, Kafka consumer group; Kafka's default: <name>_group).")
    String groupId;

    /** The buses MSight's {@code MSIGHT_PUBSUB_BACKEND} chooses among. */
    static final List<String> BACKENDS = List.of("redis", "nats", "kafka");

    /**
     * The msight block: the bus {@code backend}, the level, the heartbeat flags and --take-over. The
     * nodes register in MSight's registry in Redis whatever the bus, as MSight's do.
     *
     * @param defaultTolerance MSight's default heartbeat tolerance for this kind of node, in seconds
     */
    Map<String, Object> runtimeBlock(String backend, double defaultTolerance) {
        if (!(heartbeatCheckingDuration >= 0)) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-checking-duration must be 0 or more seconds,"
                    + " was " + heartbeatCheckingDuration);
        }
        Map<String, Object> heartbeat = new LinkedHashMap<>();
        double tolerance = heartbeatTolerance != null ? heartbeatTolerance : defaultTolerance;
        if (Double.isNaN(tolerance)) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-tolerance must be a number of seconds, was NaN");
        }
        putSeconds(heartbeat, "tolerance", tolerance > 0 ? tolerance : 0); // MSight: 0 or less, no check
        // MSight's monitor sleeps this long between checks: 0 checks without pause, here at every heartbeat
        putSeconds(heartbeat, "checking-duration", Math.max(heartbeatCheckingDuration, 0.001));
        heartbeat.put("action-on-error", actionOnError);
        Map<String, Object> msight = new LinkedHashMap<>();
        msight.put("bus", backend);
        if (loggingLevel != null) {
            msight.put("logging-level", loggingLevel);
        }
        msight.put("registry", Map.of("enabled", true, "heartbeat", heartbeat, "replace", replace));
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
        flags.put(heartbeat + "tolerance", "--heartbeat-tolerance");
        flags.put(heartbeat + "checking-duration", "--heartbeat-checking-duration");
        flags.put(heartbeat + "action-on-error", "--action-on-error");
        flags.put("msight.registry.replace", "--take-over");
        flags.put("msight.http.port", "--http-port");
        return flags;
    }

    /**
     * A node block of {@code type} with the common node flags.
     *
     * @param msightClass MSight's class for this node, the {@code type} its registry entry shows
     */
    Map<String, Object> nodeBlock(String type, String msightClass) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("type", type);
        node.put("registry-type", msightClass);
        node.put("gap", gap);
        return node;
    }

    /** A subscribing node's block of {@code type}: the common flags and {@code --group-id}. */
    Map<String, Object> subscriberBlock(String type, String msightClass) {
        Map<String, Object> node = nodeBlock(type, msightClass);
        if (groupId != null) {
            node.put("group-id", groupId);
        }
        return node;
    }

    /** {@code seconds} as a HOCON duration, when given. */
    private static void putSeconds(Map<String, Object> block, String key, Double seconds) {
        if (seconds != null) {
            block.put(key, seconds + "s");
        }
    }
}

package org.msight.runtime.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.msight.api.LogSafe;
import org.msight.api.data.Metadata;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisSettings;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.config.PipelineLoader;
import org.msight.runtime.logging.Logging;
import org.msight.runtime.http.PipelineStatus;
import org.msight.runtime.registry.HeartbeatSettings;
import org.msight.runtime.registry.NodeRecord;
import org.msight.runtime.registry.NodeRegistry;
import org.msight.runtime.registry.TopicRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code msight}: MSight's registry commands ({@code msight_status}, {@code msight_reset_redis}). */
@Command(name = "msight", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Looks at MSight's node registry in Redis. Redis is found as the nodes find it: MSight's"
                + " MSIGHT_REDIS_MESSAGE_BROKER_* variables, or the msight.redis block of --config.",
        subcommands = {Msight.Status.class, Msight.ResetRedis.class})
public final class Msight implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "PIPELINE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Read the Redis settings from this pipeline file's msight.redis block.")
    Path config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing command: status or reset-redis");
    }

    public static void main(String[] args) {
        System.exit(MsightRun.commandLine(new Msight()).execute(args));
    }

    private NodeRegistry openRegistry() throws PipelineConfigException {
        PipelineLoader loader = new PipelineLoader(Msight.class.getClassLoader());
        // checked as a pipeline's msight block is: a bad MSIGHT_REDIS_* variable is one line naming it
        Config msight = loader.runtimeBlock(config != null ? loader.read(config) : loader.defaults());
        Logging.configure(msight.getString("device-name"), msight.getString("logging-level"));
        RedisSettings redis;
        try {
            redis = RedisSettings.from(msight.getConfig("redis"));
        } catch (IllegalArgumentException e) { // settings that contradict each other, such as a cluster on db 2
            throw new PipelineConfigException(new ConfigProblem(config != null ? config.toString()
                    : "the runtime's defaults and environment", "msight.redis", e.getMessage()));
        }
        return NodeRegistry.open(redis, HeartbeatSettings.DEFAULTS);
    }

    /** Runs {@code action} against the registry, turning failures into messages and exit codes. */
    private int withRegistry(RegistryAction action) {
        Logging.consoleToStandardError(); // standard output is the command's result
        try (NodeRegistry registry = openRegistry()) {
            action.run(registry);
            return 0;
        } catch (PipelineConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return PipelineCommand.USAGE;
        } catch (RedisAccessException e) { // as msight-run at start: unreachable, or refusing the password
            System.err.println("error: " + e.getMessage() + (e.getMessage().startsWith("Redis unreachable")
                    ? " (this command finds Redis through the MSIGHT_REDIS_MESSAGE_BROKER_* variables, or the"
                            + " msight.redis block of --config)" : ""));
            return PipelineCommand.USAGE;
        }
    }

    @FunctionalInterface
    private interface RegistryAction {
        void run(NodeRegistry registry);
    }

    /** {@code msight status}. */
    @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Prints the registered nodes and topics, as msight_status does. A node whose heartbeat is"
                    + " older than its tolerance shows as stale: for this runtime's nodes the stale_after of their"
                    + " entry, for others MSight's default 60 s (an idle Python sink may be live and still show it).")
    static final class Status implements Callable<Integer> {

        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(ZoneId.systemDefault());

        @ParentCommand
        Msight parent;

        @Option(names = "--json", description = "Print JSON, in the shape of msight-run's /nodes.")
        boolean json;

        @Override
        public Integer call() {
            return parent.withRegistry(registry -> System.out.print(json
                    ? StatusCommand.toJson(PipelineStatus.ofRegistry(registry.nodes(), registry.topics()))
                    : render(registry.nodes(), registry.topics(), Metadata.now())));
        }

        /** 9999-12-31T23:59:59Z in POSIX seconds. */
        private static final double LAST_SECOND_OF_9999 = 253_402_300_799d;

        static String render(List<NodeRecord> nodes, List<TopicRecord> topics, double now) {
            StringBuilder out = new StringBuilder("Nodes:\n");
            List<NodeRecord> rows = sorted(nodes);
            List<String> heartbeats = rows.stream().map(node -> heartbeat(node.lastHeartbeat(), now)).toList();
            // as wide as the longest: "(86400 s ago)" of a node long gone is wider than most
            int heartbeatWidth = Math.max(30, heartbeats.stream().mapToInt(String::length).max().orElse(0));
            String nodeRow = "  %-24s %-20s %-20s %-16s %-" + heartbeatWidth + "s %s%n";
            out.append(String.format(nodeRow, "NAME", "PUBLISH TOPIC", "SUBSCRIBE TOPIC", "TYPE", "LAST HEARTBEAT",
                    "STATUS"));
            for (int i = 0; i < rows.size(); i++) {
                NodeRecord node = rows.get(i);
                out.append(String.format(nodeRow, dash(node.name()), dash(node.publishTopic()), dash(node.subscribeTopic()),
                        dash(node.type()), heartbeats.get(i), (node.status() == null ? "?" : node.status())
                                + (node.staleAt(now) ? " (stale)" : "")));
            }
            out.append("Topics:\n");
            String topicRow = "  %-24s %-40s %s%n";
            out.append(String.format(topicRow, "NAME", "DATA TYPE", "DESCRIPTION"));
            for (TopicRecord topic : topics.stream().sorted(Comparator.comparing(TopicRecord::name)).toList()) {
                out.append(String.format(topicRow, dash(topic.name()), dash(topic.dataType()),
                        dash(topic.description())));
            }
            return out.toString();
        }

        private static List<NodeRecord> sorted(List<NodeRecord> nodes) {
            return nodes.stream().sorted(Comparator.comparing(NodeRecord::name)).toList();
        }

        private static String heartbeat(double seconds, double now) {
            if (!(seconds >= 0 && seconds <= LAST_SECOND_OF_9999)) { // missing, or no time another writer could mean
                return "-";
            }
            Instant at = Instant.ofEpochMilli((long) (seconds * 1000));
            return TIME.format(at) + String.format(Locale.ROOT, " (%.0f s ago)", Math.max(0, now - seconds));
        }

        /** A field another program may have written, escaped (no terminal escapes); {@code -} when empty. */
        private static String dash(String text) {
            return text == null || text.isEmpty() ? "-" : LogSafe.text(text);
        }
    }

    /** {@code msight reset-redis}. */
    @Command(name = "reset-redis", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Deletes every MSIGHT* key (the registry of nodes and topics), as msight_reset_redis does.")
    static final class ResetRedis implements Callable<Integer> {

        @ParentCommand
        Msight parent;

        @Option(names = "--host", paramLabel = "HOST", description = "Accepted and ignored, as MSight's"
                + " msight_reset_redis ignores it: Redis is found as for status (MSIGHT_REDIS_MESSAGE_BROKER_*).")
        String host;

        @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Accepted and ignored, as --host.")
        Integer port;

        @Option(names = {"-d", "--db"}, paramLabel = "DB", description = "Accepted and ignored, as --host.")
        Integer db;

        @Override
        public Integer call() {
            if (host != null || port != null || db != null) {
                System.err.println("note: --host, --port and --db are ignored, as MSight's msight_reset_redis ignores"
                        + " them: the Redis of MSIGHT_REDIS_MESSAGE_BROKER_* (or --config) is reset");
            }
            return parent.withRegistry(registry -> System.out.println("deleted " + registry.reset() + " MSIGHT* keys"));
        }
    }
}

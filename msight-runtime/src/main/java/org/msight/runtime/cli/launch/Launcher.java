package org.msight.runtime.cli.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.msight.api.LogSafe;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.cli.MsightRun;
import picocli.CommandLine;

/**
 * Runs the one-node pipeline a launcher's flags describe, on the bus MSight's
 * {@code MSIGHT_PUBSUB_BACKEND} names (redis by default).
 */
final class Launcher {

    static final String BACKEND_VARIABLE = "MSIGHT_PUBSUB_BACKEND";

    private Launcher() {
    }

    /**
     * The command line of a launcher, parsed as MSight's argparse parses its own: a long option
     * may be cut to a prefix it alone starts with ({@code --partition} for
     * {@code --partition-key-mode}), and the last of a repeated option wins.
     */
    static CommandLine commandLine(Object launcher) {
        return MsightRun.commandLine(launcher).setAbbreviatedOptionsAllowed(true).setOverwrittenOptionsAllowed(true);
    }

    /**
     * The arguments with {@code --replace}, as earlier versions called {@code --take-over}, renamed:
     * a unit written for them runs on. Not an alias, which would make {@code --re} ambiguous again.
     */
    static String[] withRenamedFlags(String[] args) {
        return Arrays.stream(args).map(arg -> arg.equals("--replace") ? "--take-over" : arg)
                .toArray(String[]::new);
    }

    /**
     * Runs node {@code name} from {@code node}'s settings until SIGINT or SIGTERM. The settings
     * are checked as a pipeline file's are, before Redis is reached; a problem names its flag.
     *
     * @param defaultTolerance MSight's heartbeat tolerance for this kind of node (seconds; -1 for none)
     * @param flags the flag of each node setting the launcher sets, by setting key
     * @param wait how long to wait once the settings are checked, before the node registers and
     *     subscribes (zero for none), as MSight's launcher sleeps before it builds the node
     * @return the exit code
     */
    static int run(String command, LauncherOptions options, double defaultTolerance, Map<String, Object> node,
            Map<String, String> flags, Duration wait) {
        String backend = System.getenv().getOrDefault(BACKEND_VARIABLE, "redis").strip().toLowerCase(Locale.ROOT);
        if (!LauncherOptions.BACKENDS.contains(backend)) {
            System.err.println("error: " + BACKEND_VARIABLE + "='" + LogSafe.text(System.getenv(BACKEND_VARIABLE))
                    + "' is not a pub/sub backend; use " + String.join(", ", LauncherOptions.BACKENDS));
            return 2;
        }
        Config pipeline = ConfigValueFactory.fromMap(Map.of(
                "msight", options.runtimeBlock(backend, defaultTolerance),
                "nodes", Map.of(options.name, node))).toConfig();
        Map<String, String> flagsByPath = options.flagsByPath(flags);
        return MsightRun.runPipeline(new PipelineFactory(List.of()), factory -> {
            try {
                return factory.load(command, pipeline);
            } catch (PipelineConfigException e) {
                // the location stays: the command, or the environment variable a value came from
                throw new PipelineConfigException(e.problems().stream().map(p -> new ConfigProblem(p.location(),
                        flagsByPath.getOrDefault(p.key(), p.key()), p.message())).toList());
            }
        }, wait);
    }
}

package org.msight.runtime.cli.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.msight.runtime.Runtime;
import org.msight.runtime.cli.MsightRun;

/**
 * Runs the one-node pipeline a launcher's flags describe, on the bus MSight's
 * {@code MSIGHT_PUBSUB_BACKEND} names (redis by default).
 */
final class Launcher {

    static final String BACKEND_VARIABLE = "MSIGHT_PUBSUB_BACKEND";

    private Launcher() {
    }

    /**
     * Runs node {@code name} from {@code node}'s settings until SIGINT or SIGTERM.
     *
     * @return the exit code
     */
    static int run(String command, LauncherOptions options, Map<String, Object> node) {
        String backend = System.getenv().getOrDefault(BACKEND_VARIABLE, "redis").strip().toLowerCase(Locale.ROOT);
        if (!LauncherOptions.BACKENDS.contains(backend)) {
            System.err.println("error: " + BACKEND_VARIABLE + "='" + System.getenv(BACKEND_VARIABLE)
                    + "' is not a pub/sub backend; use " + String.join(", ", LauncherOptions.BACKENDS));
            return 2;
        }
        Config pipeline = ConfigValueFactory.fromMap(Map.of(
                "msight", options.runtimeBlock(backend),
                "nodes", Map.of(options.name, node))).toConfig();
        return MsightRun.runPipeline(new Runtime(List.of()), runtime -> runtime.load(command, pipeline));
    }
}

package org.msight.runtime.cli.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.msight.runtime.Runtime;
import org.msight.runtime.cli.MsightRun;

/** Runs the one-node pipeline a launcher's flags describe, on the Redis bus. */
final class Launcher {

    private Launcher() {
    }

    /**
     * Runs node {@code name} from {@code node}'s settings until SIGINT or SIGTERM.
     *
     * @param defaultTolerance MSight's heartbeat tolerance for this kind of node (seconds; -1 for none)
     * @return the exit code
     */
    static int run(String command, LauncherOptions options, double defaultTolerance, Map<String, Object> node) {
        Config pipeline = ConfigValueFactory.fromMap(Map.of(
                "msight", options.runtimeBlock(defaultTolerance),
                "nodes", Map.of(options.name, node))).toConfig();
        return MsightRun.runPipeline(new Runtime(List.of()), runtime -> runtime.load(command, pipeline));
    }
}

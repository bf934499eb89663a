package org.msight.runtime.cli.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.cli.MsightRun;

/** Runs the one-node pipeline a launcher's flags describe, on the Redis bus. */
final class Launcher {

    private Launcher() {
    }

    /**
     * Runs node {@code name} from {@code node}'s settings until SIGINT or SIGTERM.
     *
     * @return the exit code
     */
    static int run(String command, LauncherOptions options, Map<String, Object> node) {
        Config pipeline = ConfigValueFactory.fromMap(Map.of(
                "msight", options.runtimeBlock(),
                "nodes", Map.of(options.name, node))).toConfig();
        return MsightRun.runPipeline(new PipelineFactory(List.of()), factory -> factory.load(command, pipeline));
    }
}

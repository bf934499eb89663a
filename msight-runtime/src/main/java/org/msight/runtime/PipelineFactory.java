package org.msight.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.msight.codec.MsightCodec;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisSettings;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.config.PipelineLoader;
import org.msight.runtime.config.PipelineSpec;
import org.msight.runtime.http.HttpSettings;
import org.msight.runtime.logging.LogOutput;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.plugin.PluginLoader;
import org.msight.runtime.plugin.Plugins;
import org.msight.runtime.registry.HeartbeatSettings;
import org.msight.runtime.registry.NodeRegistry;

/**
 * Turns a pipeline file into a {@link Pipeline}: reads the file once, checks its runtime
 * settings, loads the plugins from the class path and the plugin path, validates the nodes
 * and buses. It configures nothing global: logging is the command line's business.
 */
public final class PipelineFactory {

    /** System property the launch scripts set to the distribution's folder. */
    public static final String HOME_PROPERTY = "msight.home";

    private final PipelineLoader loader = new PipelineLoader(PipelineFactory.class.getClassLoader());
    private final List<Path> extraPluginPath;

    /** @param extraPluginPath plugin folders given on the command line */
    public PipelineFactory(List<Path> extraPluginPath) {
        this.extraPluginPath = List.copyOf(extraPluginPath);
    }

    /** Reads and validates a pipeline file. */
    public Loaded load(Path file) throws PipelineConfigException, PluginException {
        return load(loader.read(file));
    }

    /** Validates a pipeline built in memory (the MSight-compatible launchers build theirs). */
    public Loaded load(String description, Config pipeline) throws PipelineConfigException, PluginException {
        return load(loader.of(description, pipeline));
    }

    private Loaded load(PipelineLoader.Source source) throws PipelineConfigException, PluginException {
        List<String> pluginPath = new ArrayList<>();
        List<ConfigProblem> pathProblems = new ArrayList<>();
        try {
            for (ConfigValue folder : source.root().getList("msight.plugin-path")) {
                String named = String.valueOf(folder.unwrapped());
                if (Files.isDirectory(Path.of(named))) {
                    pluginPath.add(named);
                } else { // said at its line with the file's other problems, and left out
                    pathProblems.add(ConfigProblem.at(folder.origin(), source.file(), "msight.plugin-path", named
                            + (Files.exists(Path.of(named)) ? ": not a folder" : ": no such folder")));
                }
            }
        } catch (ConfigException | InvalidPathException e) {
            pluginPath.clear(); // validate() reports it with every other problem of the file
        }
        Plugins plugins = loadPlugins(pluginPath);
        PipelineSpec spec;
        try {
            spec = loader.validate(source, plugins);
        } catch (PipelineConfigException e) {
            pathProblems.addAll(e.problems());
            throw new PipelineConfigException(pathProblems);
        }
        if (!pathProblems.isEmpty()) {
            throw new PipelineConfigException(pathProblems);
        }
        return new Loaded(spec, plugins);
    }

    /** The plugins on the class path and on the plugin path (without a pipeline file). */
    public Plugins loadPlugins(List<String> pluginPath) throws PluginException {
        List<Path> path = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null) { // first: a plugin elsewhere that declares a shipped type again is the one refused
            path.add(Path.of(home, "plugins"));
        }
        path.addAll(extraPluginPath);
        pluginPath.forEach(p -> path.add(Path.of(p)));
        return new PluginLoader(PipelineFactory.class.getClassLoader()).load(path);
    }

    /** A validated pipeline and the plugins it was checked against. */
    public record Loaded(PipelineSpec spec, Plugins plugins) {

        /**
         * Checks what {@link #create()} would reject, without connecting anywhere: builds the
         * nodes and buses (which do no I/O) and reads the HTTP endpoint's and the logging's
         * settings, and the registry's Redis and heartbeat settings when the nodes register. The
         * problems of all of them are thrown together.
         */
        public void check() throws PipelineConfigException {
            List<ConfigProblem> problems = new ArrayList<>();
            collect(problems, () -> Pipeline.check(spec, formats()));
            collect(problems, this::httpSettings);
            collect(problems, this::logOutput);
            if (spec.registers()) {
                collect(problems, this::redisSettings);
                collect(problems, this::heartbeatSettings);
            }
            if (!problems.isEmpty()) {
                throw new PipelineConfigException(problems);
            }
        }

        /** A check of one part of the pipeline. */
        private interface Check {
            void run() throws PipelineConfigException;
        }

        private static void collect(List<ConfigProblem> problems, Check check) {
            try {
                check.run();
            } catch (PipelineConfigException e) {
                problems.addAll(e.problems());
            }
        }

        /**
         * Creates the pipeline's nodes on the buses its file names, with MSight's node registry
         * when the nodes register ({@code msight.registry.enabled}).
         *
         * @throws RedisAccessException when the registry's Redis cannot be used
         */
        public Pipeline create() throws PipelineConfigException {
            NodeRegistry registry = null;
            if (spec.registers()) {
                RedisSettings redis = redisSettings();
                HeartbeatSettings heartbeat = heartbeatSettings();
                try {
                    registry = NodeRegistry.open(redis, heartbeat);
                } catch (RedisAccessException e) {
                    throw registryTurnedOnByAuto() && e.getMessage().startsWith("Redis unreachable")
                            ? new RedisAccessException(e.getMessage() + "; MSight's node registry is in Redis, and on"
                                    + " (msight.registry.enabled = auto) as topics cross processes on "
                                    + String.join(" and ", spec.buses().keySet().stream()
                                            .filter(bus -> !bus.equals("memory")).toList())
                                    + ": run Redis, or set msight.registry.enabled = false") : e;
                }
            }
            try {
                return Pipeline.create(spec, formats(), registry);
            } catch (PipelineConfigException | RuntimeException e) {
                if (registry != null) {
                    registry.close();
                }
                throw e;
            }
        }

        /** Whether only {@code auto} turned the registry on, for pipelines whose buses do not need Redis. */
        private boolean registryTurnedOnByAuto() {
            return spec.msight().getString("registry.enabled").equals("auto") && !spec.buses().containsKey("redis");
        }

        private MsightCodec formats() {
            return MsightCodec.withBuiltInTypesAnd(plugins.dataTypes());
        }

        /** The {@code msight.http} block. */
        public HttpSettings httpSettings() throws PipelineConfigException {
            return settings("msight.http", () -> HttpSettings.from(spec.msight().getConfig("http")));
        }

        /** The {@code msight.logging} block. */
        public LogOutput logOutput() throws PipelineConfigException {
            return settings("msight.logging", () -> LogOutput.from(spec.msight().getConfig("logging")));
        }

        private RedisSettings redisSettings() throws PipelineConfigException {
            return settings("msight.redis", () -> RedisSettings.from(spec.msight().getConfig("redis")));
        }

        private HeartbeatSettings heartbeatSettings() throws PipelineConfigException {
            return settings("msight.registry.heartbeat",
                    () -> HeartbeatSettings.from(spec.msight().getConfig("registry.heartbeat")));
        }

        private <T> T settings(String key, Supplier<T> parse) throws PipelineConfigException {
            try {
                return parse.get();
            } catch (ConfigException e) {
                throw new PipelineConfigException(ConfigProblem.at(e.origin(), spec.file(), key,
                        e.getMessage().replaceFirst("^.*?: \\d+: ", "")));
            } catch (IllegalArgumentException e) {
                // at the line of the key the message starts with ("file: cannot write ..."), when the file sets
                // it, else at the block's first line in the file (a default that does not fit a value set)
                Config block = spec.msight().getConfig(key.substring("msight.".length()));
                throw new PipelineConfigException(ConfigProblem.reported(block, key,
                        ConfigProblem.locationOf(block, spec.file()), e.getMessage()));
            }
        }
    }
}

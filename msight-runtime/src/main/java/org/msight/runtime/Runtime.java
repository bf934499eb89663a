package org.msight.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
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
import org.msight.runtime.logging.Logging;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.plugin.PluginLoader;
import org.msight.runtime.plugin.Plugins;
import org.msight.runtime.registry.HeartbeatSettings;
import org.msight.runtime.registry.NodeRegistry;

/**
 * Turns a pipeline file into a {@link Pipeline}: reads the runtime settings, loads the plugins
 * from the class path and the plugin path, validates the nodes and buses.
 */
public final class Runtime {

    /** System property the launch scripts set to the distribution's folder. */
    public static final String HOME_PROPERTY = "msight.home";

    private final PipelineLoader loader = new PipelineLoader(Runtime.class.getClassLoader());
    private final List<Path> extraPluginPath;

    /** @param extraPluginPath plugin folders given on the command line */
    public Runtime(List<Path> extraPluginPath) {
        this.extraPluginPath = List.copyOf(extraPluginPath);
    }

    /** Reads and validates a pipeline file; logging is set up from its msight block first. */
    public Loaded load(Path file) throws PipelineConfigException, PluginException {
        Plugins plugins = prepare(loader.readFile(file));
        return new Loaded(loader.load(file, plugins), plugins);
    }

    /** Validates a pipeline built in memory (the MSight-compatible launchers build theirs). */
    public Loaded load(String description, Config pipeline) throws PipelineConfigException, PluginException {
        Plugins plugins = prepare(loader.readConfig(description, pipeline));
        return new Loaded(loader.load(description, pipeline, plugins), plugins);
    }

    private Plugins prepare(Config msight) throws PluginException {
        Logging.configure(msight.getString("device-name"), msight.getString("logging-level"));
        return loadPlugins(msight);
    }

    /** The plugins on the class path and on the plugin path (without a pipeline file). */
    public Plugins loadPlugins(Config msight) throws PluginException {
        List<Path> path = new ArrayList<>(extraPluginPath);
        msight.getStringList("plugin-path").forEach(p -> path.add(Path.of(p)));
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null) {
            path.add(Path.of(home, "plugins"));
        }
        return new PluginLoader(Runtime.class.getClassLoader()).load(path);
    }

    /** A validated pipeline and the plugins it was checked against. */
    public record Loaded(PipelineSpec spec, Plugins plugins) {

        /**
         * Checks what {@link #create()} would reject, without connecting anywhere: builds the
         * nodes and buses (which do no I/O) and reads the registry's Redis and heartbeat settings
         * when the nodes register.
         */
        public void check() throws PipelineConfigException {
            Pipeline.create(spec, formats(), null);
            if (spec.registers()) {
                redisSettings();
                heartbeatSettings();
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
                registry = NodeRegistry.open(redis, heartbeat);
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

        private MsightCodec formats() {
            return MsightCodec.withBuiltInTypesAnd(plugins.dataTypes());
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
                throw new PipelineConfigException(new ConfigProblem(spec.file(), key, e.getMessage()));
            }
        }
    }
}

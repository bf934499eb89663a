package org.msight.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.NodeKind;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.runtime.logging.Logging;
import org.msight.runtime.plugin.BusType;
import org.msight.runtime.plugin.NodeType;
import org.msight.runtime.plugin.Plugins;

/**
 * Reads a pipeline file: HOCON with includes and {@code ${?ENV}} substitution, the runtime's
 * and the plugins' {@code reference.conf} defaults behind it, every node block checked against
 * its type's settings. All problems are collected and reported together, each as
 * {@code file:line: key: problem}.
 */
public final class PipelineLoader {

    private static final String MEMORY = "memory";
    private static final Setting TOPIC_BUS = Setting.optional("bus", SettingType.STRING,
            "the bus that carries the topic (default: msight.bus)");
    /** {@code msight.registry.enabled}: auto registers when a topic is on a bus other than memory. */
    private static final List<String> REGISTRY_VALUES = List.of("auto", "true", "false");
    private static final Pattern MERGED_LINES = Pattern.compile("^(.*): (\\d+)-(\\d+)$");

    private final Config runtimeReference;

    public PipelineLoader(ClassLoader runtimeLoader) {
        this.runtimeReference = ConfigFactory.defaultReference(runtimeLoader);
    }

    /** Reads and checks the msight block of a pipeline file: device, bus, plugin path and the rest. */
    public Config readFile(Path file) throws PipelineConfigException {
        return runtimeBlock(file.toString(), parse(file));
    }

    /** Reads and checks the msight block of a pipeline built in memory. */
    public Config readConfig(String description, Config pipeline) throws PipelineConfigException {
        try {
            return runtimeBlock(description, pipeline.withFallback(runtimeReference).resolve());
        } catch (ConfigException e) {
            throw new PipelineConfigException(problemOf(e, description));
        }
    }

    private static Config runtimeBlock(String file, Config root) throws PipelineConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Config msight = root.getConfig("msight");
        checkRuntimeSettings(msight, file, problems);
        if (!problems.isEmpty()) {
            throw new PipelineConfigException(problems);
        }
        return msight;
    }

    /**
     * Reads and validates a whole pipeline.
     *
     * @param plugins the node types that may be used
     */
    public PipelineSpec load(Path file, Plugins plugins) throws PipelineConfigException {
        Config root = parse(file);
        return validate(file.toString(), root, plugins);
    }

    /** Validates a pipeline given as a Config (launchers build theirs in memory). */
    public PipelineSpec load(String description, Config pipeline, Plugins plugins) throws PipelineConfigException {
        try {
            return validate(description, pipeline.withFallback(runtimeReference).resolve(), plugins);
        } catch (ConfigException e) {
            throw new PipelineConfigException(problemOf(e, description));
        }
    }

    private Config parse(Path file) throws PipelineConfigException {
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new PipelineConfigException(new ConfigProblem(name, "(file)", "no such pipeline file"));
        }
        try {
            Config user = ConfigFactory.parseFile(new File(name), ConfigParseOptions.defaults().setAllowMissing(false));
            checkDuplicateNodes(user, name);
            return user.withFallback(runtimeReference).resolve();
        } catch (ConfigException e) {
            throw new PipelineConfigException(problemOf(e, name));
        }
    }

    private PipelineSpec validate(String file, Config root, Plugins plugins) throws PipelineConfigException {
        Config msight = runtimeBlock(file, root);
        List<ConfigProblem> problems = new ArrayList<>();
        if (root.getValue("nodes").valueType() != ConfigValueType.OBJECT) {
            throw new PipelineConfigException(ConfigProblem.at(root.getValue("nodes").origin(), file, "nodes",
                    "must be an object of node blocks: nodes { camera { type = rtsp-receiver, ... } }"));
        }
        ConfigObject nodes = root.getObject("nodes");
        if (nodes.isEmpty()) {
            problems.add(ConfigProblem.at(nodes.origin(), file, "nodes", "no nodes: add at least one node block"));
        }
        List<NodeSpec> specs = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> node : nodes.entrySet()) {
            NodeSpec spec = validateNode(file, node.getKey(), node.getValue(), msight.getConfig("node-defaults"),
                    plugins, problems);
            if (spec != null) {
                specs.add(spec);
            }
        }
        Map<String, String> topicBuses = topicBuses(file, msight, specs, plugins, problems);
        Map<String, BusSpec> buses = new TreeMap<>();
        for (String bus : new TreeSet<>(topicBuses.values())) {
            validateBus(file, msight, plugins.busType(bus).orElseThrow(), problems).ifPresent(b -> buses.put(bus, b));
        }
        if (!problems.isEmpty()) {
            throw new PipelineConfigException(problems);
        }
        return new PipelineSpec(file, msight, List.copyOf(specs), buses, topicBuses, topicWarnings(specs, topicBuses));
    }

    /**
     * The bus of every topic the nodes use: its own {@code msight.topics.<topic>.bus}, else
     * {@code msight.bus}. Unknown bus names are problems.
     */
    private static Map<String, String> topicBuses(String file, Config msight, List<NodeSpec> nodes, Plugins plugins,
            List<ConfigProblem> problems) {
        String known = "; known buses: " + String.join(", ", plugins.busNames())
                + " (msight-run plugins lists them; a bus plugin goes in the plugins/ folder)";
        String defaultBus = check(msight, "bus", file, problems, Config::getString);
        if (defaultBus != null && plugins.busType(defaultBus).isEmpty()) {
            problems.add(ConfigProblem.at(msight.getValue("bus").origin(), file, "msight.bus", "unknown bus '"
                    + defaultBus + "'" + Suggestions.didYouMean(defaultBus, plugins.busNames()) + known));
            defaultBus = null;
        }
        Map<String, String> own = new TreeMap<>();
        ConfigObject topics = check(msight, "topics", file, problems, Config::getObject);
        for (Map.Entry<String, ConfigValue> topic : topics == null ? Set.<Map.Entry<String, ConfigValue>>of()
                : topics.entrySet()) {
            String path = "topics." + quoted(topic.getKey());
            if (topic.getValue().valueType() != ConfigValueType.OBJECT) {
                problems.add(ConfigProblem.at(topic.getValue().origin(), file, "msight." + path,
                        "must be a block: " + quoted(topic.getKey()) + " { bus = ... }"));
                continue;
            }
            Config block = ((ConfigObject) topic.getValue()).toConfig();
            checkUnknownKeys(file, "msight." + path, block, "a topic", List.of(TOPIC_BUS), problems);
            String bus = block.hasPath("bus") ? check(block, "bus", file, problems, Config::getString, "msight." + path)
                    : null;
            if (bus != null && plugins.busType(bus).isEmpty()) {
                problems.add(ConfigProblem.at(block.getValue("bus").origin(), file, "msight." + path + ".bus",
                        "unknown bus '" + bus + "'" + Suggestions.didYouMean(bus, plugins.busNames()) + known));
            } else if (bus != null) {
                own.put(topic.getKey(), bus);
            }
        }
        Map<String, String> buses = new TreeMap<>();
        for (NodeSpec node : nodes) {
            for (String topic : node.topics()) {
                String bus = own.getOrDefault(topic, defaultBus);
                if (bus != null) {
                    buses.put(topic, bus);
                }
            }
        }
        return buses;
    }

    /** Checks a bus's block {@code msight.<name>} over the bus's defaults against its settings. */
    private static Optional<BusSpec> validateBus(String file, Config msight, BusType type,
            List<ConfigProblem> problems) {
        String path = "msight." + quoted(type.name());
        Config block = msight.hasPath(quoted(type.name())) ? check(msight, quoted(type.name()), file, problems,
                Config::getConfig) : ConfigFactory.empty();
        if (block == null) {
            return Optional.empty();
        }
        Config effective = block.withFallback(type.defaults());
        int before = problems.size();
        checkUnknownKeys(file, path, block, "bus '" + type.name() + "'", type.provider().settings(), problems);
        ConfigOrigin origin = msight.hasPath(quoted(type.name())) ? msight.getValue(quoted(type.name())).origin()
                : msight.origin();
        for (Setting setting : type.provider().settings()) {
            checkSetting(effective, origin, file, path, setting, problems);
        }
        return problems.size() == before ? Optional.of(new BusSpec(type, effective)) : Optional.empty();
    }

    private static void checkRuntimeSettings(Config msight, String file, List<ConfigProblem> problems) {
        check(msight, "device-name", file, problems, Config::getString);
        check(msight, "plugin-path", file, problems, Config::getStringList);
        check(msight, "drain-timeout", file, problems, Config::getDuration);
        java.time.Duration stats = check(msight, "stats-interval", file, problems, Config::getDuration);
        if (stats != null && (stats.isZero() || stats.isNegative())) {
            problems.add(ConfigProblem.at(msight.getValue("stats-interval").origin(), file, "msight.stats-interval",
                    "must be longer than 0"));
        }
        String registry = check(msight, "registry.enabled", file, problems, Config::getString);
        if (registry != null && !REGISTRY_VALUES.contains(registry)) {
            problems.add(ConfigProblem.at(msight.getValue("registry.enabled").origin(), file, "msight.registry.enabled",
                    "'" + registry + "' is not one of " + String.join(", ", REGISTRY_VALUES)));
        }
        String level = check(msight, "logging-level", file, problems, Config::getString);
        if (level != null && !Logging.LEVELS.contains(level.toUpperCase())) {
            problems.add(ConfigProblem.at(msight.getValue("logging-level").origin(), file, "msight.logging-level",
                    "unknown level '" + level + "'; use one of " + String.join(", ", Logging.LEVELS)));
        }
    }

    private static NodeSpec validateNode(String file, String name, ConfigValue value, Config commonDefaults,
            Plugins plugins, List<ConfigProblem> problems) {
        String path = "nodes." + quoted(name);
        if (value.valueType() != ConfigValueType.OBJECT) {
            problems.add(ConfigProblem.at(value.origin(), file, path, "must be a node block { type = ..., ... }"));
            return null;
        }
        Config block = ((ConfigObject) value).toConfig();
        String known = "known types: " + String.join(", ", plugins.typeNames());
        if (!block.hasPath("type")) {
            problems.add(ConfigProblem.at(value.origin(), file, path + ".type", "missing; " + known));
            return null;
        }
        String typeName = check(block, "type", file, problems, Config::getString, path);
        if (typeName == null) {
            return null;
        }
        NodeType type = plugins.nodeType(typeName).orElse(null);
        if (type == null) {
            problems.add(ConfigProblem.at(block.getValue("type").origin(), file, path + ".type", "unknown node type '"
                    + typeName + "'" + Suggestions.didYouMean(typeName, plugins.typeNames()) + "; " + known));
            return null;
        }
        Config effective = block.withFallback(type.defaults()).withFallback(commonDefaults);
        if (type.provider().kind() == NodeKind.SOURCE) {
            effective = effective.withFallback(ConfigFactory.parseMap(Map.of("sensor-name", name), "the node's name"));
        }
        List<Setting> settings = new ArrayList<>(CommonSettings.of(type.provider().kind()));
        settings.addAll(type.provider().settings());
        int before = problems.size();
        checkUnknownKeys(file, path, block, "node type '" + type.name() + "'", settings, problems);
        for (Setting setting : settings) {
            checkSetting(effective, value.origin(), file, path, setting, problems);
        }
        checkAtLeast(effective, "gap", 0, file, path, problems);
        checkAtLeast(effective, "queue-capacity", 1, file, path, problems);
        check(effective, "restart-backoff.initial", file, problems, Config::getDuration, path);
        check(effective, "restart-backoff.max", file, problems, Config::getDuration, path);
        return problems.size() == before ? new NodeSpec(name, type, effective, ConfigProblem.location(value.origin(), file))
                : null;
    }

    private static void checkAtLeast(Config effective, String key, int minimum, String file, String path,
            List<ConfigProblem> problems) {
        if (effective.hasPath(key) && effective.getValue(key).valueType() == ConfigValueType.NUMBER
                && effective.getInt(key) < minimum) {
            problems.add(ConfigProblem.at(effective.getValue(key).origin(), file, path + "." + key,
                    "must be " + minimum + " or more"));
        }
    }

    /** @param owner what the block configures, such as {@code node type 'rtsp-receiver'} */
    private static void checkUnknownKeys(String file, String path, Config block, String owner,
            List<Setting> settings, List<ConfigProblem> problems) {
        List<String> allowed = settings.stream().map(Setting::key).toList();
        for (Map.Entry<String, ConfigValue> entry : block.root().entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                problems.add(ConfigProblem.at(entry.getValue().origin(), file, path + "." + quoted(entry.getKey()),
                        "unknown setting of " + owner
                                + Suggestions.didYouMean(entry.getKey(), allowed)
                                + "; it takes: " + String.join(", ", allowed)));
            }
        }
    }

    private static void checkSetting(Config effective, ConfigOrigin blockOrigin, String file, String path,
            Setting setting, List<ConfigProblem> problems) {
        String key = setting.key();
        if (!effective.hasPath(key)) {
            problems.add(ConfigProblem.at(blockOrigin, file, path + "." + key,
                    "missing required setting (" + setting.doc() + ")"));
            return;
        }
        Object value = check(effective, key, file, problems, getter(setting), path);
        if (value instanceof String text && !setting.allowedValues().isEmpty()
                && !setting.allowedValues().contains(text)) {
            problems.add(ConfigProblem.at(effective.getValue(key).origin(), file, path + "." + key,
                    "'" + text + "' is not one of " + String.join(", ", setting.allowedValues())));
        }
    }


    private static BiFunction<Config, String, Object> getter(Setting setting) {
        return switch (setting.type()) {
            case STRING -> Config::getString;
            case INT -> Config::getInt;
            case DOUBLE -> Config::getDouble;
            case BOOLEAN -> Config::getBoolean;
            case DURATION -> Config::getDuration;
            case STRING_LIST -> Config::getStringList;
            case OBJECT -> Config::getObject;
        };
    }

    private static <T> T check(Config config, String key, String file, List<ConfigProblem> problems,
            BiFunction<Config, String, T> getter) {
        return check(config, key, file, problems, getter, "msight");
    }

    private static <T> T check(Config config, String key, String file, List<ConfigProblem> problems,
            BiFunction<Config, String, T> getter, String prefix) {
        try {
            return getter.apply(config, key);
        } catch (ConfigException e) {
            String problem = e instanceof ConfigException.WrongType || e instanceof ConfigException.BadValue
                    ? withoutOrigin(e.getMessage()) : e.getMessage();
            ConfigOrigin origin = e.origin() != null ? e.origin()
                    : config.hasPathOrNull(key) ? config.getValue(key).origin() : null;
            problems.add(ConfigProblem.at(origin, file, prefix + "." + key, problem));
            return null;
        }
    }

    private static String withoutOrigin(String message) {
        // Typesafe prefixes messages with "file: line: "; the problem already carries the location.
        return message.replaceFirst("^[^:]*: \\d+: ", "").replaceFirst("^[^:]*: ", "");
    }

    /**
     * HOCON merges two blocks of the same name silently; within one file that is almost always a
     * copy-paste mistake, so it is reported. Overrides from another (included) file stay allowed.
     */
    private static void checkDuplicateNodes(Config user, String file) throws PipelineConfigException {
        if (!user.hasPath("nodes") || user.getValue("nodes").valueType() != ConfigValueType.OBJECT) {
            return;
        }
        List<ConfigProblem> problems = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> node : user.getObject("nodes").entrySet()) {
            String description = node.getValue().origin().description();
            Matcher merged = MERGED_LINES.matcher(description);
            if (merged.matches()) {
                problems.add(new ConfigProblem(merged.group(1) + ":" + merged.group(3), "nodes." + quoted(node.getKey()),
                        "node '" + node.getKey() + "' is defined twice (also at line " + merged.group(2)
                                + "); give each node its own name"));
            }
        }
        if (!problems.isEmpty()) {
            throw new PipelineConfigException(problems);
        }
    }

    private static List<ConfigProblem> topicWarnings(List<NodeSpec> nodes, Map<String, String> topicBuses) {
        Set<String> published = new LinkedHashSet<>();
        nodes.forEach(n -> n.publishTopic().ifPresent(published::add));
        List<ConfigProblem> warnings = new ArrayList<>();
        for (NodeSpec node : nodes) {
            node.subscribeTopic().filter(t -> !published.contains(t) && MEMORY.equals(topicBuses.get(t))).ifPresent(topic -> warnings.add(new ConfigProblem(
                    node.location(), "nodes." + quoted(node.name()) + ".subscribe-topic",
                    "no node publishes on '" + topic + "'" + Suggestions.didYouMean(topic, published)
                            + " (another process can publish it only on a bus such as redis, nats or kafka)")));
        }
        return warnings;
    }

    private static ConfigProblem problemOf(ConfigException e, String file) {
        String message = e.origin() != null ? withoutOrigin(e.getMessage()) : e.getMessage();
        return ConfigProblem.at(e.origin(), file, "(syntax)", message);
    }

    private static String quoted(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key + "\"";
    }
}

package org.msight.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.msight.api.LogSafe;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.Suggestions;
import org.msight.api.SettingType;
import org.msight.api.bus.BusProvider;
import org.msight.runtime.plugin.BusType;
import org.msight.runtime.plugin.NodeType;
import org.msight.runtime.plugin.Plugins;

/**
 * Reads a pipeline file: HOCON with includes and {@code ${?ENV}} substitution, the runtime's
 * and the plugins' {@code reference.conf} defaults behind it, the {@code msight} block checked
 * against {@link RuntimeSettings} and every node block against its type's settings. The file
 * is parsed once ({@link #read}); all problems are collected and reported together, in line
 * order, each as {@code file:line: key: problem}.
 */
public final class PipelineLoader {

    private static final String MEMORY = "memory";
    private static final Setting TOPIC_BUS = Setting.required("bus", SettingType.STRING,
            "the bus that carries the topic (default: msight.bus)");
    private static final List<String> TOP_LEVEL_KEYS = List.of("msight", "nodes");
    private static final List<String> TOPIC_KEYS = List.of("publish-topic", "subscribe-topic");
    private static final Set<ConfigValueType> SCALARS =
            EnumSet.of(ConfigValueType.STRING, ConfigValueType.NUMBER, ConfigValueType.BOOLEAN);

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{\\??([A-Za-z_][A-Za-z0-9_]*)}");

    private final Config runtimeReference;
    private final Config unresolvedReference;

    public PipelineLoader(ClassLoader runtimeLoader) {
        this.runtimeReference = ConfigFactory.defaultReference(runtimeLoader);
        this.unresolvedReference = ConfigFactory.parseResources(runtimeLoader, "reference.conf");
    }

    /**
     * A pipeline read but not yet checked.
     *
     * @param file where it came from, for messages
     * @param user the file as written (for unknown keys)
     * @param root the file resolved, with the runtime's defaults behind it
     */
    public record Source(String file, Config user, Config root, List<ConfigProblem> duplicateNodes,
            Function<String, Optional<String>> variableOf) {
    }

    /**
     * Parses a pipeline file (once), with its includes and substitutions. A file named without a
     * folder is read by its absolute path: Typesafe Config finds the files it includes beside it
     * only through its folder, and would silently look for them on the class path instead.
     */
    public Source read(Path named) throws PipelineConfigException {
        Path file = named.getParent() == null ? named.toAbsolutePath() : named;
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new PipelineConfigException(new ConfigProblem(name, "(file)", "is a folder, not a pipeline file"));
        }
        if (!Files.isRegularFile(file)) {
            throw new PipelineConfigException(new ConfigProblem(name, "(file)", "no such pipeline file"));
        }
        return source(name, () -> ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)),
                file);
    }

    /** A pipeline built in memory (the MSight launchers build theirs from their flags). */
    public Source of(String description, Config pipeline) throws PipelineConfigException {
        return source(description, () -> pipeline, null);
    }

    /** The runtime's defaults alone, with the environment: for commands run without a pipeline file. */
    public Source defaults() throws PipelineConfigException {
        return of("the runtime's defaults and environment", ConfigFactory.empty());
    }

    private interface Parse {
        Config parse();
    }

    private Source source(String name, Parse parse, Path file) throws PipelineConfigException {
        try {
            Config user = parse.parse();
            FileText text = file == null ? null : FileText.of(file);
            if (text != null && !text.unreadableIncludes().isEmpty()) { // before what they should have given is missed
                throw new PipelineConfigException(text.unreadableIncludes());
            }
            Config root = user.withFallback(runtimeReference).resolve();
            return new Source(name, user, root, text == null ? List.of() : text.duplicateNodes(),
                    key -> variableOf(key, user).or(() -> variableOf(key, unresolvedReference)));
        } catch (ConfigException e) {
            throw new PipelineConfigException(problemOf(e, name, file));
        } catch (StackOverflowError e) {
            throw new PipelineConfigException(new ConfigProblem(name, "(syntax)",
                    "nested too deeply to read; a pipeline needs a few levels of blocks, not thousands"));
        }
    }

    /**
     * The set environment variable that {@code ${?VARIABLE}} at {@code key} of {@code config}
     * (unresolved) names, if any: the one a substituted value came from.
     */
    private static Optional<String> variableOf(String key, Config config) {
        ConfigValue value = config.root();
        for (String segment : key.split("\\.")) {
            if (!(value instanceof ConfigObject object) || (value = object.get(segment)) == null) {
                return Optional.empty();
            }
        }
        Matcher variable = VARIABLE.matcher(value.render(com.typesafe.config.ConfigRenderOptions.concise()));
        String found = null;
        while (variable.find()) {
            if (System.getenv(variable.group(1)) != null) {
                found = variable.group(1); // the last one set wins, as in HOCON
            }
        }
        return Optional.ofNullable(found);
    }

    /** Checks the {@code msight} block of a pipeline and returns it, resolved with its defaults. */
    public Config runtimeBlock(Source source) throws PipelineConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Config msight = checkRuntimeBlock(source, problems, null);
        if (!problems.isEmpty()) {
            throw new PipelineConfigException(problems);
        }
        return msight;
    }

    /** Checks a whole pipeline: its top level, the msight block and every node, all problems at once. */
    public PipelineSpec validate(Source source, Plugins plugins) throws PipelineConfigException {
        String file = source.file();
        Config root = source.root();
        List<ConfigProblem> problems = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : source.user().root().entrySet()) {
            // other top-level keys may hold values for substitutions; one that looks like a typo is an error
            String suggestion = Suggestions.didYouMean(entry.getKey(), TOP_LEVEL_KEYS);
            if (!TOP_LEVEL_KEYS.contains(entry.getKey()) && !suggestion.isEmpty()) {
                problems.add(ConfigProblem.at(entry.getValue().origin(), file, ConfigProblem.quoted(entry.getKey()),
                        "unknown top-level key" + suggestion + "; a pipeline file has msight { ... } and nodes { ... }"));
            }
        }
        int before = problems.size();
        Config msight = checkRuntimeBlock(source, problems, plugins);
        boolean runtimeValid = msight != null && problems.size() == before;
        Function<String, Optional<String>> variableOf = variables(source, plugins);
        List<NodeSpec> specs = new ArrayList<>();
        Set<String> topics = new LinkedHashSet<>(); // of every node block, with problems or not: their buses are checked too
        ConfigValue nodesValue = root.root().get("nodes");
        if (nodesValue == null || nodesValue.valueType() != ConfigValueType.OBJECT) {
            problems.add(ConfigProblem.at(userOrigin(nodesValue), file, "nodes",
                    "must be an object of node blocks: nodes { camera { type = rtsp-receiver, ... } }"));
        } else {
            ConfigObject nodes = (ConfigObject) nodesValue;
            if (nodes.isEmpty()) {
                problems.add(ConfigProblem.at(userOrigin(nodes), file, "nodes",
                        "no nodes: add at least one node block, nodes { camera { type = rtsp-receiver, ... } }"));
            }
            Set<String> duplicates = new HashSet<>();
            for (ConfigProblem duplicate : source.duplicateNodes()) {
                if (duplicates.add(duplicate.key())) {
                    problems.add(duplicate);
                }
            }
            // a broken msight block would make every node repeat its node-defaults' problems
            Config commonDefaults = runtimeValid ? msight.getConfig("node-defaults")
                    : runtimeReference.getConfig("msight.node-defaults");
            for (Map.Entry<String, ConfigValue> node : inFileOrder(nodes)) {
                if (duplicates.contains("nodes." + ConfigProblem.quoted(node.getKey()))) {
                    continue; // two blocks merged into one: its other problems would only confuse
                }
                NodeSpec spec = validateNode(file, node.getKey(), node.getValue(), commonDefaults, plugins, problems,
                        variableOf, topics);
                if (spec != null) {
                    specs.add(spec);
                }
            }
        }
        Map<String, String> topicBuses = new TreeMap<>();
        Map<String, BusSpec> buses = new TreeMap<>();
        if (msight != null) { // checked even when other keys of the block are wrong: every problem at once
            SettingsCheck check = new SettingsCheck(file, problems, variableOf);
            topicBuses = topicBuses(file, msight, topics, plugins, problems, check);
            for (BusType type : plugins.busTypes().values()) {
                boolean declared = runtimeKeys().contains(type.name()); // msight.redis: checked with the block
                if (!declared && !check.checkBlock("msight." + ConfigProblem.quoted(type.name()),
                        msight.root().get(type.name()), msight.origin())) {
                    continue; // msight.nats = "nats://...": not the bus's block, which would run on its defaults
                }
                if (topicBuses.containsValue(type.name()) && (runtimeValid || !declared)) {
                    validateBus(source, msight, type, check).ifPresent(b -> buses.put(type.name(), b));
                } else if (!declared
                        && userBlock(source, type.name()) instanceof ConfigObject unused) {
                    // the defaults of a bus no topic uses (its environment variables) are not its business
                    check.checkKeys("msight." + ConfigProblem.quoted(type.name()), "bus '" + type.name() + "'",
                            unused, type.provider().settings());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PipelineConfigException(problems);
        }
        return new PipelineSpec(file, msight, List.copyOf(specs), buses, topicBuses, topicWarnings(specs, topicBuses));
    }

    /** Why {@code bus} is unknown: the buses there are, and the plugin that would have provided it, if one did not load. */
    private static String unknownBus(String bus, Plugins plugins) {
        return "unknown bus '" + bus + "'" + Suggestions.didYouMean(bus, plugins.busNames()) + "; known buses: "
                + String.join(", ", plugins.busNames()) + whereToInstall("a bus plugin")
                + plugins.brokenPluginOf(bus, BusProvider.class);
    }

    /** After a list of the known names: where {@code plugin}, the one that would provide another, is looked for. */
    private static String whereToInstall(String plugin) {
        return " (msight-run plugins lists them; " + plugin + " goes in the plugins/ folder, or in a folder given with"
                + " --plugin-path or msight.plugin-path)";
    }

    /**
     * The bus of every topic of {@code topics}: its own {@code msight.topics.<topic>.bus}, else
     * {@code msight.bus}. Unknown bus names are problems.
     */
    private static Map<String, String> topicBuses(String file, Config msight, Set<String> topics, Plugins plugins,
            List<ConfigProblem> problems, SettingsCheck check) {
        String defaultBus = scalar(msight, "bus").orElse("");
        if (defaultBus.isBlank()) {
            defaultBus = null; // the msight block's check reports it
        } else if (plugins.busType(defaultBus).isEmpty()) {
            problems.add(ConfigProblem.at(msight.getValue("bus").origin(), file, "msight.bus",
                    unknownBus(defaultBus, plugins)));
            defaultBus = null;
        }
        Map<String, String> own = new TreeMap<>();
        ConfigValue topicsValue = msight.root().get("topics");
        Set<Map.Entry<String, ConfigValue>> topicBlocks = topicsValue instanceof ConfigObject object ? object.entrySet()
                : Set.of(); // not a block: the msight block's check reports it
        for (Map.Entry<String, ConfigValue> topic : topicBlocks) {
            String path = "msight.topics." + ConfigProblem.quoted(topic.getKey());
            if (topic.getValue().valueType() != ConfigValueType.OBJECT) {
                problems.add(ConfigProblem.at(topic.getValue().origin(), file, path,
                        "must be a block: " + ConfigProblem.quoted(topic.getKey()) + " { bus = ... }"));
                continue;
            }
            ConfigObject block = (ConfigObject) topic.getValue();
            if (!check.check(path, "a topic", block, block.toConfig(), block.origin(), List.of(TOPIC_BUS))) {
                continue;
            }
            String bus = block.toConfig().getString("bus");
            if (plugins.busType(bus).isEmpty()) {
                problems.add(ConfigProblem.at(block.get("bus").origin(), file, path + ".bus", unknownBus(bus, plugins)));
            } else {
                own.put(topic.getKey(), bus);
            }
        }
        Map<String, String> buses = new TreeMap<>();
        for (String topic : topics) {
            String bus = own.getOrDefault(topic, defaultBus);
            if (bus != null) {
                buses.put(topic, bus);
            }
        }
        return buses;
    }

    /** Checks a bus's block {@code msight.<name>} over the bus's defaults against its settings. */
    private static Optional<BusSpec> validateBus(Source source, Config msight, BusType type, SettingsCheck check) {
        String key = ConfigProblem.quoted(type.name());
        ConfigValue user = userBlock(source, type.name());
        ConfigValue value = msight.root().get(type.name());
        Config block = value instanceof ConfigObject object ? object.toConfig() : ConfigFactory.empty();
        Config effective = block.withFallback(type.defaults());
        ConfigOrigin origin = value != null ? value.origin() : msight.origin();
        boolean valid = check.check("msight." + key, "bus '" + type.name() + "'",
                user instanceof ConfigObject object ? object : null, effective, origin, type.provider().settings());
        return valid ? Optional.of(new BusSpec(type, effective)) : Optional.empty();
    }

    /** The value of {@code msight.<key>} as the user wrote it, or {@code null}. */
    private static ConfigValue userBlock(Source source, String key) {
        return source.user().root().get("msight") instanceof ConfigObject own ? own.get(key) : null;
    }

    /**
     * Where a value came from through {@code ${?VARIABLE}}: the pipeline's, the runtime's
     * {@code reference.conf}, or, for {@code msight.<bus>...}, that bus plugin's.
     */
    private static Function<String, Optional<String>> variables(Source source, Plugins plugins) {
        return key -> source.variableOf().apply(key).or(() -> plugins.busTypes().values().stream()
                .filter(bus -> key.startsWith("msight." + ConfigProblem.quoted(bus.name()) + "."))
                .flatMap(bus -> variableOf(key, ConfigFactory.parseResources(bus.classLoader(), "reference.conf"))
                        .stream())
                .findFirst());
    }

    private static Set<String> runtimeKeys() {
        return RuntimeSettings.all().stream().map(Setting::key).collect(Collectors.toSet());
    }

    /**
     * Checks the msight block, adding its problems; returns it, checked or not, or {@code null}
     * when it is not a block.
     * The blocks of buses ({@code msight.nats}) are left to {@link #validateBus}: those the plugins
     * provide, or, before the plugins are known ({@code plugins} null), every block not declared.
     */
    private static Config checkRuntimeBlock(Source source, List<ConfigProblem> problems, Plugins plugins) {
        ConfigValue value = source.root().root().get("msight");
        if (value == null || value.valueType() != ConfigValueType.OBJECT) {
            problems.add(ConfigProblem.at(userOrigin(value), source.file(), "msight",
                    "must be a block: msight { device-name = ..., bus = ... }"));
            return null;
        }
        ConfigValue user = source.user().root().get("msight");
        if (user instanceof ConfigObject object) {
            user = withoutBusBlocks(object, plugins);
        }
        Config msight = ((ConfigObject) value).toConfig();
        List<String> busBlocks = plugins == null ? List.of() : plugins.busTypes().values().stream()
                .filter(bus -> !bus.provider().settings().isEmpty()).map(BusType::name).toList();
        new SettingsCheck(source.file(), problems, source.variableOf()).check("msight", "the msight block",
                user instanceof ConfigObject object ? object : null, msight, userOrigin(value), RuntimeSettings.all(),
                busBlocks);
        return msight;
    }

    /** The user's msight block without the blocks the runtime does not declare but buses do. */
    private static ConfigObject withoutBusBlocks(ConfigObject msight, Plugins plugins) {
        Set<String> declared = runtimeKeys();
        String used = scalar(msight.toConfig(), "bus").orElse("");
        ConfigObject result = msight;
        for (Map.Entry<String, ConfigValue> entry : msight.entrySet()) {
            String key = entry.getKey();
            boolean bus = plugins == null ? entry.getValue().valueType() == ConfigValueType.OBJECT
                    : plugins.busType(key).isPresent();
            if (bus && (!declared.contains(key) || key.equals(used))) {
                result = result.withoutKey(key);
            }
        }
        return result;
    }

    /**
     * The nodes in the order the file gives them: HOCON objects keep no order, so by line (a
     * block merged from an included file counts at its first line), then by name.
     */
    private static List<Map.Entry<String, ConfigValue>> inFileOrder(ConfigObject nodes) {
        return nodes.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                        .thenComparing(Map.Entry::getKey))
                .toList();
    }

    /** An origin in the user's file, or none: a default from a jar's reference.conf is no place to point at. */
    private static ConfigOrigin userOrigin(ConfigValue value) {
        return value == null || ConfigProblem.isDefault(value.origin()) ? null : value.origin();
    }

    /** Checks a node block; adds the topics it names to {@code topics}, whether it is valid or not. */
    private static NodeSpec validateNode(String file, String name, ConfigValue value, Config commonDefaults,
            Plugins plugins, List<ConfigProblem> problems, Function<String, Optional<String>> variableOf,
            Set<String> topics) {
        String path = "nodes." + ConfigProblem.quoted(name);
        if (name.isBlank()) {
            problems.add(ConfigProblem.at(value.origin(), file, path, "a node needs a name: nodes { camera { ... } }"));
            return null;
        }
        if (!LogSafe.text(name).equals(name)) { // it begins the node's log lines, unescaped
            problems.add(ConfigProblem.at(value.origin(), file, path, "a node's name " + RuntimeSettings.SHOWN_AS_WRITTEN));
            return null;
        }
        if (value.valueType() != ConfigValueType.OBJECT) {
            problems.add(ConfigProblem.at(value.origin(), file, path, "must be a node block { type = ..., ... }"));
            return null;
        }
        ConfigObject userBlock = (ConfigObject) value;
        Config block = userBlock.toConfig();
        String known = "known types: " + String.join(", ", plugins.typeNames());
        String typeName = scalar(block, "type").orElse(null);
        if (typeName == null) {
            ConfigValue type = userBlock.get("type"); // with its origin also when null, which getValue refuses
            problems.add(ConfigProblem.at(type != null ? type.origin() : value.origin(), file, path + ".type",
                    (block.hasPath("type") ? "must be a node type's name, not " + SettingsCheck.shown(type) : "missing")
                            + "; " + known));
            addTopics(block, TOPIC_KEYS, topics);
            return null;
        }
        NodeType type = plugins.nodeType(typeName).orElse(null);
        if (type == null) {
            addTopics(block, TOPIC_KEYS, topics); // its kind unknown, the topic keys it has are taken as written
            problems.add(ConfigProblem.at(block.getValue("type").origin(), file, path + ".type", "unknown node type '"
                    + typeName + "'" + Suggestions.didYouMean(typeName, plugins.typeNames()) + "; " + known
                    + whereToInstall("a third-party plugin's jar") + plugins.brokenPluginOf(typeName, NodeProvider.class)));
            return null;
        }
        Config effective = block.withFallback(type.defaults()).withFallback(commonDefaults);
        if (type.provider().kind() == NodeKind.SOURCE) {
            effective = effective.withFallback(ConfigFactory.parseMap(Map.of("sensor-name", name), "the node's name"));
        }
        List<Setting> settings = settingsOf(type);
        addTopics(effective, settings.stream().map(Setting::key).filter(TOPIC_KEYS::contains).toList(), topics);
        boolean valid = new SettingsCheck(file, problems, variableOf).check(path, "node type '" + type.name() + "'", userBlock,
                effective, value.origin(), settings);
        return valid ? new NodeSpec(name, type, effective, ConfigProblem.location(value.origin(), file)) : null;
    }

    /**
     * Adds to {@code topics} the value of each of {@code keys} that {@code block} sets to a string,
     * a number or a boolean: as the node reads it (a block or a list is its settings' problem).
     */
    private static void addTopics(Config block, List<String> keys, Set<String> topics) {
        for (String key : keys) {
            scalar(block, key).ifPresent(topics::add);
        }
    }

    /**
     * The value at {@code key} as a string, when it is one, a number or a boolean: as
     * {@link Config#getString} reads it, the way every setting of type string is read
     * ({@code publish-topic = 101} is the topic "101", as Python takes it); else empty.
     */
    private static Optional<String> scalar(Config block, String key) {
        return block.hasPath(key) && SCALARS.contains(block.getValue(key).valueType())
                ? Optional.of(block.getString(key)) : Optional.empty();
    }

    /** The settings a node of {@code type} takes: the common ones, then the type's own. */
    private static List<Setting> settingsOf(NodeType type) {
        List<Setting> settings = new ArrayList<>(CommonSettings.of(type.provider()));
        settings.addAll(type.provider().settings());
        return settings;
    }

    private static List<ConfigProblem> topicWarnings(List<NodeSpec> nodes, Map<String, String> topicBuses) {
        Set<String> published = new LinkedHashSet<>();
        nodes.forEach(n -> n.publishTopic().ifPresent(published::add));
        List<ConfigProblem> warnings = new ArrayList<>();
        for (NodeSpec node : nodes) {
            node.subscribeTopic().filter(t -> !published.contains(t) && MEMORY.equals(topicBuses.get(t))).ifPresent(topic -> warnings.add(new ConfigProblem(
                    node.location(), "nodes." + ConfigProblem.quoted(node.name()) + ".subscribe-topic",
                    "no node publishes on '" + topic + "'" + Suggestions.didYouMean(topic, published)
                            + " (another process can publish it only on a bus such as redis, nats or kafka)")));
        }
        return warnings;
    }

    /** The variable a substitution Typesafe could not resolve names: {@code ${NAME}} or {@code ${?NAME}}. */
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??([^}]+)}");
    /** What Typesafe Config says of an include whose file is missing. */
    private static final Pattern NOT_FOUND =
            Pattern.compile("include was not found|resource not found on classpath|\\(No such file or directory\\)$");
    /** What Typesafe Config says of a file that ends with a block left open. */
    private static final String UNCLOSED_BLOCK = "expecting a close parentheses ')' here, not: end of file";

    private static ConfigProblem problemOf(ConfigException e, String name, Path file) {
        Matcher variable = SUBSTITUTION.matcher(e.getMessage());
        if (e instanceof ConfigException.UnresolvedSubstitution && variable.find()) {
            return ConfigProblem.at(e.origin(), name, "${" + variable.group(1) + "}", "not set: no environment variable "
                    + variable.group(1) + " and no such key in the file (write ${?" + variable.group(1)
                    + "} where it may be missing)");
        }
        String message = e.origin() != null ? SettingsCheck.withoutOrigin(e.getMessage()) : e.getMessage();
        if (message.equals(UNCLOSED_BLOCK)) { // Typesafe's words for it point at a parenthesis
            message = "the file ends inside a block: a closing '}' is missing";
        }
        if (e instanceof ConfigException.IO) { // such as a file it may not read: "... (Permission denied)"
            String why = "cannot be read: " + message.replaceFirst("^.*java\\.io\\.(FileNotFound|IO)Exception: ", "");
            if (file != null && e.origin() != null && !file.toString().equals(e.origin().filename())) {
                // an include that failed: its origin has no line, and is its name or the file it read
                String description = e.origin().description();
                String unlocated = NOT_FOUND.matcher(message).find()
                        ? "no such file " + LogSafe.whole(description) : why;
                return FileText.of(file).failedInclude(description, why)
                        .orElseGet(() -> new ConfigProblem(name, "(include)", unlocated));
            }
            return ConfigProblem.at(e.origin(), name, "(file)", why);
        }
        return ConfigProblem.at(e.origin(), name, "(syntax)", LogSafe.whole(message));
    }
}

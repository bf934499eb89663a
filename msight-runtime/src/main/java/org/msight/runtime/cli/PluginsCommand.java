package org.msight.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.msight.api.NodeKind;
import org.msight.api.Secrets;
import org.msight.api.Setting;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.CommonSettings;
import org.msight.api.Suggestions;
import org.msight.runtime.logging.Logging;
import org.msight.runtime.plugin.BusType;
import org.msight.runtime.plugin.NodeType;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.plugin.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code msight-run plugins}: every node type found, where from, and its settings. */
@Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Lists every node type and bus found (or the one named), its plugin and version, and its"
                + " settings with their defaults (in HOCON), rules and docs.")
final class PluginsCommand implements Callable<Integer> {

    /** Strings HOCON reads the same without quotes (durations such as 10s, words, paths). */
    private static final Pattern UNQUOTED = Pattern.compile("(?!true$|false$|null$|yes$|no$|on$|off$)[A-Za-z0-9_./-]+");

    @ParentCommand
    MsightRun parent;

    @Parameters(arity = "0..1", paramLabel = "TYPE", description = "Only this node type or bus.")
    String typeName;

    @Option(names = "--plugin-path", paramLabel = "DIR", description = "A folder of plugins to search as well.")
    List<Path> pluginPath = new ArrayList<>();

    @Option(names = "--json", description = "Print the node types and buses (kind bus) as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Logging.consoleToStandardError(); // standard output is the listing
        List<Path> path = new ArrayList<>(pluginPath);
        path.addAll(parent.pluginPath);
        Plugins plugins;
        try {
            plugins = new PipelineFactory(path).loadPlugins(List.of());
        } catch (PluginException e) {
            System.err.println("error: " + e.getMessage());
            return PipelineCommand.USAGE;
        }
        plugins.broken().forEach(b -> System.err.println("warning: " + b));
        List<NodeType> types = new ArrayList<>(plugins.nodeTypes().values());
        List<BusType> buses = new ArrayList<>(plugins.busTypes().values());
        if (typeName != null) {
            types.removeIf(t -> !t.name().equals(typeName));
            buses.removeIf(b -> !b.name().equals(typeName));
            if (types.isEmpty() && buses.isEmpty()) {
                List<String> known = new ArrayList<>(plugins.typeNames());
                known.addAll(plugins.busNames());
                System.err.println("error: unknown node type or bus '" + typeName + "'"
                        + Suggestions.didYouMean(typeName, known) + "; known types: "
                        + String.join(", ", plugins.typeNames()) + "; buses: " + String.join(", ", plugins.busNames()));
                return PipelineCommand.USAGE;
            }
        }
        Config commonDefaults = ConfigFactory.defaultReference(PluginsCommand.class.getClassLoader())
                .getConfig("msight.node-defaults");
        if (json) {
            List<Object> described = types.stream().map(t -> describe(t, commonDefaults)).collect(Collectors.toList());
            buses.forEach(b -> described.add(describe(b)));
            System.out.println(ConfigValueFactory.fromIterable(described).render(ConfigRenderOptions.concise().setJson(true)));
            return 0;
        }
        StringBuilder out = new StringBuilder();
        for (NodeType type : types) {
            out.append(type.name()).append(" (").append(kind(type.provider().kind())).append("): ")
                    .append(type.description()).append('\n');
            out.append("  plugin: ").append(type.plugin()).append(", version ").append(type.version()).append('\n');
            appendSettings(out, type.provider().settings(), type.defaults(), "");
            List<Setting> ownDefaults = CommonSettings.of(type.provider()).stream()
                    .filter(s -> type.defaults().hasPath(s.key())).toList();
            if (typeName == null && !ownDefaults.isEmpty()) { // one type: the list below shows them
                out.append("  and its own defaults of settings every node takes:\n");
                appendSettings(out, ownDefaults, type.defaults().withFallback(commonDefaults), "");
            }
            out.append('\n');
        }
        for (BusType bus : buses) {
            out.append(bus.name()).append(" (bus): ").append(bus.description()).append('\n');
            out.append("  plugin: ").append(bus.plugin()).append(", version ").append(bus.version())
                    .append(bus.provider().settings().isEmpty() ? "; no settings\n"
                            : "; settings in msight." + bus.name() + " { }\n");
            appendSettings(out, bus.provider().settings(), bus.defaults(), "");
            out.append('\n');
        }
        if (types.isEmpty()) {
            System.out.print(out);
            return 0;
        }
        // the defaults a node gets: its type's own (the RTSP receiver restarts sooner), else msight.node-defaults
        Config defaults = typeName != null ? types.get(0).defaults().withFallback(commonDefaults) : commonDefaults;
        if (typeName != null) { // one type: the settings of its kind
            NodeKind kind = types.get(0).provider().kind();
            out.append("It also takes, as every ").append(kind(kind)).append(" block:\n");
            appendSettings(out, CommonSettings.of(kind), defaults, "");
        } else {
            out.append("Every node block also takes (defaults in msight.node-defaults):\n");
            appendSettings(out, commonSettings(), defaults, "");
        }
        List<String> asynchronous = types.stream().filter(t -> t.provider().asynchronous()).map(NodeType::name).toList();
        if (!asynchronous.isEmpty()) {
            out.append("\nAsynchronous sinks (").append(String.join(", ", asynchronous))
                    .append(") also take the runtime's delivery settings:\n");
            appendSettings(out, CommonSettings.delivery(), defaults, "");
        }
        System.out.print(out);
        return 0;
    }

    /** The common settings of every kind, each once, with the kinds that take it when not all do. */
    private static List<Setting> commonSettings() {
        Map<String, Setting> settings = new LinkedHashMap<>();
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        for (NodeKind kind : NodeKind.values()) {
            for (Setting setting : CommonSettings.of(kind)) {
                settings.putIfAbsent(setting.key(), setting);
                kinds.computeIfAbsent(setting.key(), k -> new ArrayList<>()).add(kind(kind) + "s");
            }
        }
        List<Setting> common = new ArrayList<>();
        settings.forEach((key, setting) -> {
            List<String> takers = kinds.get(key);
            common.add(takers.size() == NodeKind.values().length ? setting
                    : new Setting(key, setting.type(), setting.required(), setting.doc() + " (" + String.join(" and ", takers)
                            + ")", setting.allowedValues(), setting.isSecret(), setting.checks(), setting.settings()));
        });
        return common;
    }

    private static void appendSettings(StringBuilder out, List<Setting> settings, Config defaults, String prefix) {
        for (Setting setting : settings) {
            String key = prefix + setting.key();
            if (!setting.settings().isEmpty()) {
                out.append("  ").append(key).append(" { ... }\n      ").append(setting.doc()).append(rules(setting))
                        .append('\n');
                appendSettings(out, setting.settings(), defaults, key + ".");
                continue;
            }
            out.append("  ").append(key);
            String value = defaultOf(setting, defaults, key);
            if (value != null) {
                out.append(" = ").append(value);
            }
            out.append("    ").append(typeOf(setting)).append(setting.required() ? ", required" : "").append('\n');
            out.append("      ").append(setting.doc()).append(rules(setting)).append('\n');
        }
    }

    private static Map<String, Object> describe(NodeType type, Config commonDefaults) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", type.name());
        entry.put("kind", kind(type.provider().kind()));
        entry.put("description", type.description());
        entry.put("plugin", type.plugin());
        entry.put("version", type.version());
        List<Object> settings = new ArrayList<>();
        describeSettings(settings, type.provider().settings(), type.defaults(), "");
        entry.put("settings", settings);
        List<Object> common = new ArrayList<>();
        describeSettings(common, CommonSettings.of(type.provider()), type.defaults().withFallback(commonDefaults), "");
        entry.put("common-settings", common);
        return entry;
    }

    /** A bus, in the shape of a node type: kind {@code bus}, its settings those of its block {@code msight.<name>}. */
    private static Map<String, Object> describe(BusType bus) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", bus.name());
        entry.put("kind", "bus");
        entry.put("description", bus.description());
        entry.put("plugin", bus.plugin());
        entry.put("version", bus.version());
        entry.put("block", "msight." + bus.name());
        List<Object> settings = new ArrayList<>();
        describeSettings(settings, bus.provider().settings(), bus.defaults(), "");
        entry.put("settings", settings);
        return entry;
    }

    private static void describeSettings(List<Object> out, List<Setting> settings, Config defaults, String prefix) {
        for (Setting setting : settings) {
            String key = prefix + setting.key();
            if (!setting.settings().isEmpty()) {
                describeSettings(out, setting.settings(), defaults, key + ".");
                continue;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("key", key);
            entry.put("type", typeName(setting));
            if (!setting.allowedValues().isEmpty()) {
                entry.put("allowed", setting.allowedValues());
            }
            entry.put("required", setting.required());
            entry.put("default", rawDefaultOf(setting, defaults, key));
            entry.put("secret", setting.isSecret());
            entry.put("rules", setting.checks().stream().map(Setting.Check::rule).toList());
            entry.put("doc", setting.doc());
            out.add(entry);
        }
    }

    private static String kind(NodeKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** As the text shows it: the type, or the values a one-of setting takes ({@code info|debug}). */
    private static String typeOf(Setting setting) {
        return setting.allowedValues().isEmpty() ? typeName(setting) : String.join("|", setting.allowedValues());
    }

    private static String typeName(Setting setting) {
        return setting.type().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String rules(Setting setting) {
        List<String> rules = new ArrayList<>(setting.checks().stream().map(Setting.Check::rule).toList());
        if (setting.isSecret()) {
            rules.add("never shown");
        }
        return rules.isEmpty() ? "" : " (" + String.join("; ", rules) + ")";
    }

    /** The default as written in HOCON, masked when secret; {@code null} when there is none. */
    private static String defaultOf(Setting setting, Config defaults, String key) {
        Object value = rawDefaultOf(setting, defaults, key);
        if (value == null || value == Secrets.MASK) {
            return (String) value;
        }
        return value instanceof String text && UNQUOTED.matcher(text).matches() ? text
                : ConfigValueFactory.fromAnyRef(value).render(ConfigRenderOptions.concise().setJson(false));
    }

    /**
     * The default's value, masked when secret, and with the credentials of URLs in text masked
     * (the environment may set a default: MSIGHT_NATS_SERVERS); {@code null} when there is none.
     */
    private static Object rawDefaultOf(Setting setting, Config defaults, String key) {
        if (setting.required() || !defaults.hasPath(key)) {
            return null;
        }
        Object value = defaults.getValue(key).unwrapped();
        boolean empty = value instanceof Map<?, ?> map ? map.isEmpty()
                : value instanceof List<?> list ? list.isEmpty() : value.toString().isEmpty();
        if (setting.isSecret() && !empty) {
            return Secrets.MASK;
        }
        return value instanceof String text ? Secrets.redactUrl(text) : value;
    }
}

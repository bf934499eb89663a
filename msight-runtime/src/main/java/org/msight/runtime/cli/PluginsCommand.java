package org.msight.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.msight.api.Setting;
import org.msight.runtime.config.CommonSettings;
import org.msight.runtime.plugin.BusType;
import org.msight.runtime.plugin.NodeType;
import org.msight.runtime.plugin.PluginException;
import org.msight.runtime.plugin.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code msight-run plugins}: every node type and bus found, where from, and its settings. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "Lists every node type and bus found, its plugin and version, and its settings with defaults"
                + " and docs.")
final class PluginsCommand implements Callable<Integer> {

    /** Settings whose defaults (from the environment, often) are never printed. */
    private static final Pattern SECRET = Pattern.compile("password|token|secret|seed|credentials");

    @ParentCommand
    MsightRun parent;

    @Option(names = "--plugin-path", paramLabel = "DIR", description = "A folder of plugins to search as well.")
    List<Path> pluginPath = new ArrayList<>();

    @Override
    public Integer call() {
        List<Path> path = new ArrayList<>(pluginPath);
        path.addAll(parent.pluginPath);
        Config reference = ConfigFactory.defaultReference(PluginsCommand.class.getClassLoader());
        Plugins plugins;
        try {
            plugins = new org.msight.runtime.Runtime(path).loadPlugins(reference.getConfig("msight"));
        } catch (PluginException e) {
            System.err.println("error: " + e.getMessage());
            return PipelineCommand.USAGE;
        }
        Config commonDefaults = reference.getConfig("msight.node-defaults");
        for (NodeType type : plugins.nodeTypes().values()) {
            System.out.printf("%s (%s)%n  %s%n  plugin: %s, version %s%n  settings:%n", type.name(),
                    type.provider().kind().name().toLowerCase(), type.provider().description(), type.plugin(),
                    type.version());
            List<Setting> settings = new ArrayList<>(CommonSettings.of(type.provider().kind()));
            settings.addAll(type.provider().settings());
            Config defaults = type.defaults().withFallback(commonDefaults);
            printSettings(settings, defaults);
        }
        for (BusType bus : plugins.busTypes().values()) {
            System.out.printf("%s (bus)%n  %s%n  plugin: %s, version %s%n  settings, in msight.%s { }:%n", bus.name(),
                    bus.provider().description(), bus.plugin(), bus.version(), bus.name());
            printSettings(bus.provider().settings(), bus.defaults());
        }
        return 0;
    }

    private static void printSettings(List<Setting> settings, Config defaults) {
        for (Setting setting : settings) {
            System.out.printf("    %-22s %-11s %-24s %s%n", setting.key(), typeOf(setting),
                    defaultOf(setting, defaults), setting.doc());
        }
        System.out.println();
    }

    private static String typeOf(Setting setting) {
        return setting.allowedValues().isEmpty() ? setting.type().name().toLowerCase()
                : String.join("|", setting.allowedValues());
    }

    private static String defaultOf(Setting setting, Config defaults) {
        if (setting.required()) {
            return "(required)";
        }
        if (!defaults.hasPath(setting.key())) {
            return "(see doc)";
        }
        if (SECRET.matcher(setting.key()).find() && !defaults.getString(setting.key()).isEmpty()) {
            return "(set, hidden)";
        }
        return defaults.getValue(setting.key()).render(ConfigRenderOptions.concise());
    }
}

package org.msight.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.bus.BusProvider;
import org.msight.api.data.DataType;
import org.msight.codec.MsightCodec;
import org.msight.runtime.config.CommonSettings;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.SettingsCheck;
import org.msight.runtime.node.NodeRunner;

/**
 * Finds node types, buses and data types: on the runtime's class path, and in plugins on the
 * plugin path, where each jar, or folder of jars, is one plugin with a {@link PluginClassLoader}
 * of its own.
 */
public final class PluginLoader {

    private static final String REFERENCE = "reference.conf";

    /** Where the node types and buses of the runtime's class path come from, as {@link NodeType#plugin()} says. */
    private static final String CLASS_PATH = "class path";

    private final ClassLoader parent;

    public PluginLoader(ClassLoader parent) {
        this.parent = parent;
    }

    /**
     * Loads every plugin. A plugin on the plugin path that cannot be loaded does not stop the
     * others: it is listed in {@link Plugins#broken()}.
     *
     * @param pluginPath folders to search
     * @throws PluginException when a folder does not exist or a node type on the class path is broken
     */
    public Plugins load(List<Path> pluginPath) throws PluginException {
        Map<String, NodeType> types = new LinkedHashMap<>();
        Map<String, BusType> buses = new LinkedHashMap<>();
        List<DataType> dataTypes = new ArrayList<>();
        Map<String, String> tags = new LinkedHashMap<>(); // the plugin of each data type's tag
        MsightCodec.builtInTypes().forEach(type -> tags.put(type.tag(), CLASS_PATH)); // a plugin's may not take their tags
        List<Plugins.BrokenPlugin> broken = new ArrayList<>();
        try {
            addAll(parent, CLASS_PATH, types, buses, tags, dataTypes, defaultsOn(parent, List.of()));
        } catch (PluginException e) {
            throw new PluginException(CLASS_PATH + ": " + e.getMessage(), e);
        }
        for (Path folder : pluginPath) {
            for (Path plugin : pluginsIn(folder)) {
                Map<String, NodeType> own = new LinkedHashMap<>(types);
                Map<String, BusType> ownBuses = new LinkedHashMap<>(buses);
                Map<String, String> ownTags = new LinkedHashMap<>(tags);
                List<DataType> ownDataTypes = new ArrayList<>();
                try {
                    PluginClassLoader loader = new PluginClassLoader(plugin.getFileName().toString(), jarsOf(plugin),
                            parent);
                    addAll(loader, plugin.toString(), own, ownBuses, ownTags, ownDataTypes,
                            defaultsOn(loader, ownReferences(loader)));
                    if (own.size() == types.size() && ownBuses.size() == buses.size() && ownDataTypes.isEmpty()) {
                        throw new PluginException("it provides no node type, bus or data type; its jar must list its"
                                + " providers in META-INF/services/" + NodeProvider.class.getName() + " (or "
                                + BusProvider.class.getName() + ")");
                    }
                    types.putAll(own);
                    buses.putAll(ownBuses);
                    tags.putAll(ownTags);
                    dataTypes.addAll(ownDataTypes);
                } catch (OutOfMemoryError e) { // the process's trouble, not the plugin's
                    throw e;
                } catch (PluginException | RuntimeException | Error e) { // a bug, a class it misses, a recursion
                    List<String> declared = new ArrayList<>(own.keySet().stream().filter(t -> !types.containsKey(t))
                            .toList());
                    ownBuses.keySet().stream().filter(b -> !buses.containsKey(b)).forEach(declared::add);
                    String problem = e instanceof PluginException ? e.getMessage() : LogSafe.text(e) + advice(e);
                    broken.add(new Plugins.BrokenPlugin(plugin.toString(), problem,
                            e instanceof BrokenTypeException typed ? List.of(typed.typeName) : declared,
                            providersListedIn(plugin)));
                }
            }
        }
        return new Plugins(types, buses, dataTypes, List.copyOf(broken));
    }

    /**
     * What to do about a plugin's class that cannot be loaded, for the end of a line: built for a
     * newer Java, or missing a class; empty for other failures.
     */
    public static String advice(Throwable failure) {
        if (failure instanceof UnsupportedClassVersionError) {
            return "; built for a newer Java: rebuild it with --release 17";
        }
        return failure instanceof NoClassDefFoundError
                ? "; a class it needs is missing: put the jar that has it in the plugin's folder" : "";
    }

    /** A plugin whose node type or bus is known but unusable. */
    private static final class BrokenTypeException extends PluginException {

        private final String typeName;

        BrokenTypeException(String typeName, String problem) {
            super(problem);
            this.typeName = typeName;
        }
    }

    /**
     * Adds the node types, buses and data types {@code loader} provides to those known, refusing
     * one named as one known already.
     *
     * @param tags the plugin ({@code origin}) of each data type's tag known, the built-in ones' included
     */
    private void addAll(ClassLoader loader, String origin, Map<String, NodeType> types, Map<String, BusType> buses,
            Map<String, String> tags, List<DataType> dataTypes, Config reference) throws PluginException {
        for (NodeProvider provider : providers(NodeProvider.class, loader)) {
            NodeType previous = types.get(provider.type());
            if (previous != null) {
                throw providedAlready("node type '" + provider.type() + "'", previous.plugin());
            }
            String path = NodeProvider.DEFAULTS_PATH + "." + ConfigProblem.quoted(provider.type());
            List<Setting> common = CommonSettings.of(provider);
            String declared = commonSettingDeclared(provider, common);
            if (declared != null) { // its nodes could never have a value both the runtime's rule and its own accept
                throw new BrokenTypeException(provider.type(), "node type '" + provider.type()
                        + "' declares a setting '" + declared + "', which the runtime takes for every "
                        + (provider.asynchronous() ? "asynchronous " : "") + provider.kind().name().toLowerCase(Locale.ROOT)
                        + "; give the plugin's own another name (a default of the runtime's for this type goes in its"
                        + " reference.conf, under " + path + ")");
            }
            Config defaults = defaultsOf(common, provider.settings(), reference, path, "node type", provider.type());
            types.put(provider.type(), new NodeType(provider, origin, versionOf(provider), provider.description(),
                    defaults, loader));
        }
        for (BusProvider provider : providers(BusProvider.class, loader)) {
            BusType previous = buses.get(provider.name());
            if (previous != null) {
                throw providedAlready("bus '" + provider.name() + "'", previous.plugin());
            }
            String path = "msight." + ConfigProblem.quoted(provider.name());
            Config defaults = defaultsOf(List.of(), provider.settings(), reference, path, "bus", provider.name());
            buses.put(provider.name(), new BusType(provider, origin, versionOf(provider), provider.description(),
                    defaults, loader));
        }
        for (ServiceLoader.Provider<DataType> candidate : ServiceLoader.load(DataType.class, loader).stream().toList()) {
            if (candidate.type().getClassLoader() == loader || !(loader instanceof PluginClassLoader)) {
                DataType type = candidate.get();
                String previous = tags.putIfAbsent(type.tag(), origin);
                if (previous != null) { // a codec reads one type per tag: the pipeline could not even start
                    throw providedAlready("data type '" + type.tag() + "'", previous);
                }
                dataTypes.add(type);
            }
        }
    }

    /**
     * Why a plugin's {@code what} ({@code node type 'x'}, {@code bus 'y'}) is refused, {@code plugin}
     * providing it already: one on the class path (the runtime's own) cannot be removed.
     */
    private static PluginException providedAlready(String what, String plugin) {
        return new PluginException(what + (plugin.equals(CLASS_PATH)
                ? " is on the runtime's class path already; give the plugin's another name"
                : " is provided by " + plugin + " too; remove one of the two"));
    }

    /** The providers of {@code service} that {@code loader} itself holds (a plugin's parent's are skipped). */
    private static <T> List<T> providers(Class<T> service, ClassLoader loader) throws PluginException {
        String kind = service == NodeProvider.class ? "node type provider" : "bus provider";
        List<T> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<T> candidate : ServiceLoader.load(service, loader).stream().toList()) {
                if (candidate.type().getClassLoader() != loader && loader instanceof PluginClassLoader) {
                    continue; // found through the parent; registered from the class path already
                }
                try {
                    found.add(candidate.get());
                } catch (ServiceConfigurationError e) { // its constructor, or its class's initialisation, failed
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw new PluginException("a " + kind + " failed as it was created: " + NodeRunner.describe(cause)
                            + " (class " + candidate.type().getName() + ")", e);
                }
            }
        } catch (ServiceConfigurationError e) { // as the services file is read: a class missing or unusable
            throw new PluginException(unusable(service, kind, e), e);
        }
        return found;
    }

    /**
     * Why a provider that {@code service}'s services file lists cannot be used, from the
     * ServiceLoader's error: its class's name is in words for its author, who can fix it.
     */
    private static String unusable(Class<?> service, String kind, ServiceConfigurationError e) {
        if (e.getCause() instanceof NoSuchMethodException missing) { // its message: com.x.Foo.<init>()
            return kind + " " + missing.getMessage().replace(".<init>()", "")
                    + " has no public constructor without arguments";
        }
        return "META-INF/services/" + service.getName() + " is wrong: "
                + e.getMessage().replace(service.getName() + ": ", "");
    }

    /**
     * The first setting {@code provider} declares that the runtime takes for its nodes itself
     * ({@code common}), or {@code null}.
     */
    private static String commonSettingDeclared(NodeProvider provider, List<Setting> common) {
        List<String> keys = common.stream().map(Setting::key).toList();
        return provider.settings().stream().map(Setting::key).filter(keys::contains).findFirst().orElse(null);
    }

    /**
     * The defaults of a node type's or bus's settings in its plugin's {@code reference.conf} at
     * {@code path}: one for each of its {@code own} optional settings, each of the right type and
     * passing the checks of its setting, as those of {@code common} settings it gives.
     */
    private static Config defaultsOf(List<Setting> common, List<Setting> own, Config reference, String path,
            String kind, String name) throws PluginException {
        Config defaults = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
        String missing = missingDefault(own, defaults, "");
        if (missing != null) {
            throw new BrokenTypeException(name, "optional setting '" + missing + "' of " + kind
                    + " '" + name + "' has no default in its reference.conf under " + path);
        }
        List<Setting> taken = new ArrayList<>(common);
        taken.addAll(own);
        List<ConfigProblem> problems = SettingsCheck.ofDefaults(defaults, path, taken);
        if (!problems.isEmpty()) {
            throw new BrokenTypeException(name, "a default of " + kind + " '" + name
                    + "' in its reference.conf is wrong: " + String.join("; ", problems.stream()
                            .map(ConfigProblem::toString).toList()));
        }
        return defaults;
    }

    /** The first optional setting (nested ones included) without a default, or {@code null}. */
    private static String missingDefault(List<Setting> settings, Config defaults, String prefix) {
        for (Setting setting : settings) {
            String key = prefix + setting.key();
            if (!setting.required() && !setting.settings().isEmpty() && defaults.hasPath(key)) {
                String nested = missingDefault(setting.settings(), defaults, key + ".");
                if (nested != null) {
                    return nested;
                }
            } else if (!setting.required() && !defaults.hasPath(key)) {
                return key;
            }
        }
        return null;
    }

    private static Config defaultsOn(ClassLoader loader, List<URL> references) {
        if (references.isEmpty()) {
            return ConfigFactory.defaultReference(loader);
        }
        Config merged = ConfigFactory.empty();
        for (URL url : references) {
            merged = merged.withFallback(ConfigFactory.parseURL(url));
        }
        return merged.resolve();
    }

    private static List<URL> ownReferences(PluginClassLoader loader) {
        try {
            return loader.ownResources(REFERENCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String versionOf(Object provider) {
        String version = provider.getClass().getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }

    private static List<Path> pluginsIn(Path folder) throws PluginException {
        if (!Files.isDirectory(folder)) {
            throw new PluginException("plugin folder " + folder + (Files.exists(folder) ? " is not a folder"
                    : " does not exist") + "; check --plugin-path and msight.plugin-path");
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.filter(p -> Files.isDirectory(p) || p.toString().endsWith(".jar"))
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            throw new PluginException("cannot list plugin folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The provider interfaces whose service files a plugin's jars hold; those it can read. */
    private static List<Class<?>> providersListedIn(Path plugin) {
        List<Class<?>> listed = new ArrayList<>();
        try {
            for (URL url : jarsOf(plugin)) {
                try (JarFile jar = new JarFile(Path.of(url.toURI()).toFile())) {
                    for (Class<?> provider : List.of(NodeProvider.class, BusProvider.class)) {
                        if (jar.getEntry("META-INF/services/" + provider.getName()) != null && !listed.contains(provider)) {
                            listed.add(provider);
                        }
                    }
                }
            }
        } catch (PluginException | IOException | java.net.URISyntaxException e) {
            // a jar it cannot read lists nothing: the plugin is named only where it declared the name
        }
        return listed;
    }

    private static URL[] jarsOf(Path plugin) throws PluginException {
        try {
            if (!Files.isDirectory(plugin)) {
                return new URL[] {checkedJar(plugin, "it is")};
            }
            try (Stream<Path> entries = Files.list(plugin)) {
                List<URL> jars = new ArrayList<>();
                for (Path jar : entries.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    jars.add(checkedJar(jar, "its " + jar.getFileName() + " is"));
                }
                return jars.toArray(URL[]::new);
            }
        } catch (IOException e) {
            throw new PluginException("cannot list its jars: " + IoFailures.reason(e), e);
        }
    }

    /** @param subject what the message says is not a readable jar: {@code it is}, or {@code its b.jar is} in a folder */
    private static URL checkedJar(Path jar, String subject) throws PluginException, MalformedURLException {
        try (JarFile ignored = new JarFile(jar.toFile())) {
            return jar.toUri().toURL();
        } catch (IOException e) {
            throw new PluginException(subject + " not a readable jar: " + IoFailures.reason(e), e);
        }
    }
}

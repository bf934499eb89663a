package org.msight.runtime.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The class loader of one plugin. As in Trino, its parent is the platform class loader: a
 * plugin sees the JDK, its own jars, and from the runtime only the API it compiles against
 * (MSight's {@code org.msight.api} and what the API exposes, Typesafe Config and the SLF4J
 * API), so plugin and runtime share those types. The runtime's own classes and libraries
 * (Jedis, Logback, Micrometer, {@code org.msight.runtime}) are out of reach: a plugin that
 * needs a library bundles it, and two plugins may carry different versions of the same one.
 */
public final class PluginClassLoader extends URLClassLoader {

    /** The packages a plugin gets from the runtime, with those under them. */
    private static final List<String> API_PACKAGES = List.of("org.msight.api.", "com.typesafe.config.");
    /**
     * The packages of the SLF4J API a plugin gets from the runtime: not those of SLF4J's add-ons
     * (jul-to-slf4j's {@code org.slf4j.bridge}...), which a plugin that uses one bundles.
     */
    private static final Set<String> SLF4J_API_PACKAGES = Set.of("org.slf4j", "org.slf4j.event", "org.slf4j.helpers",
            "org.slf4j.spi");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final ClassLoader api;

    /**
     * @param pluginName the plugin's jar or folder name, which names the loader
     * @param api the runtime's loader, which the API's packages come from
     */
    public PluginClassLoader(String pluginName, URL[] jars, ClassLoader api) {
        super("plugin-" + pluginName, jars, ClassLoader.getPlatformClassLoader());
        this.api = api;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isApi(name)) {
            return api.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    /** Resources found in the plugin's own jars only. */
    public List<URL> ownResources(String name) throws IOException {
        return Collections.list(findResources(name));
    }

    private static boolean isApi(String className) {
        for (String prefix : API_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        int dot = className.lastIndexOf('.');
        return className.startsWith("org.slf4j.") && SLF4J_API_PACKAGES.contains(className.substring(0, dot));
    }
}

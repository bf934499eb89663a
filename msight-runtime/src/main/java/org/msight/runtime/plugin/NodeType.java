package org.msight.runtime.plugin;

import com.typesafe.config.Config;
import org.msight.api.NodeProvider;

/**
 * A node type the runtime can run.
 *
 * @param provider the plugin's provider
 * @param plugin where it came from: a jar or folder on the plugin path, or "class path"
 * @param version the plugin's version (its jar manifest), or "unknown"
 * @param description the provider's, read once as the plugin loads: one that throws does not load
 * @param defaults the defaults of its settings from the plugin's {@code reference.conf}
 * @param classLoader the loader the provider came from; nodes run with it as context loader
 */
public record NodeType(NodeProvider provider, String plugin, String version, String description,
        Config defaults, ClassLoader classLoader) {

    public String name() {
        return provider.type();
    }
}

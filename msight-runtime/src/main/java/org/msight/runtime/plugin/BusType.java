package org.msight.runtime.plugin;

import com.typesafe.config.Config;
import org.msight.api.bus.BusProvider;

/**
 * A bus the runtime can carry topics on.
 *
 * @param provider the plugin's provider
 * @param plugin where it came from: a jar or folder on the plugin path, or "class path"
 * @param version the plugin's version (its jar manifest), or "unknown"
 * @param description the provider's, read once as the plugin loads: one that throws does not load
 * @param defaults the defaults of its block {@code msight.<name>} from the plugin's {@code reference.conf}
 * @param classLoader the loader the provider came from; the bus is created and started with it as
 *     context loader
 */
public record BusType(BusProvider provider, String plugin, String version, String description, Config defaults,
        ClassLoader classLoader) {

    public String name() {
        return provider.name();
    }
}

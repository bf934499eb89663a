package org.msight.runtime.config;

import com.typesafe.config.Config;
import org.msight.runtime.plugin.BusType;

/**
 * One validated bus of a pipeline.
 *
 * @param type the bus that carries the topics
 * @param config its block {@code msight.<name>} with the plugin's defaults filled in
 */
public record BusSpec(BusType type, Config config) {

    public String name() {
        return type.name();
    }
}

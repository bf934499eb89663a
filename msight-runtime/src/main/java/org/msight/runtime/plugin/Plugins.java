package org.msight.runtime.plugin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.msight.api.data.DataType;

/**
 * Everything the plugins provide: node types and buses by name, the data types a bus can decode,
 * and the plugins that could not be loaded (a warning, and an error only for a pipeline using them).
 *
 * @param nodeTypes node types by type name, in discovery order
 * @param busTypes buses by name, in discovery order ({@code memory} first: it is built in)
 * @param dataTypes data types beyond the built-in ones
 * @param broken plugins that could not be loaded
 */
public record Plugins(Map<String, NodeType> nodeTypes, Map<String, BusType> busTypes, List<DataType> dataTypes,
        List<BrokenPlugin> broken) {

    /**
     * A plugin that could not be loaded.
     *
     * @param plugin its jar or folder
     * @param problem what is wrong with it, in one line
     * @param typeNames the node types and buses it would provide, as far as known
     */
    public record BrokenPlugin(String plugin, String problem, List<String> typeNames) {

        @Override
        public String toString() {
            return "plugin " + plugin + " not loaded: " + problem;
        }
    }

    public Optional<NodeType> nodeType(String name) {
        return Optional.ofNullable(nodeTypes.get(name));
    }

    public Optional<BusType> busType(String name) {
        return Optional.ofNullable(busTypes.get(name));
    }

    /** The type names, sorted, for messages that list them. */
    public TreeSet<String> typeNames() {
        return new TreeSet<>(nodeTypes.keySet());
    }

    /** The bus names, sorted, for messages that list them. */
    public TreeSet<String> busNames() {
        return new TreeSet<>(busTypes.keySet());
    }

    /**
     * Why a node type or bus is missing when a broken plugin may have provided it: the plugin that
     * declares it, else every broken plugin whose types are unknown.
     */
    public Optional<String> brokenPluginOf(String typeName) {
        List<BrokenPlugin> candidates = broken.stream().filter(b -> b.typeNames().contains(typeName)).toList();
        if (candidates.isEmpty()) {
            candidates = broken.stream().filter(b -> b.typeNames().isEmpty()).toList();
        }
        return candidates.isEmpty() ? Optional.empty()
                : Optional.of(String.join("; ", candidates.stream().map(BrokenPlugin::toString).toList()));
    }
}

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
     * @param problem what is wrong with it, in one line that does not name it
     * @param names the node types and buses it would provide, as far as known
     * @param providers the provider interfaces its service files list ({@code NodeProvider}, {@code BusProvider})
     */
    public record BrokenPlugin(String plugin, String problem, List<String> names, List<Class<?>> providers) {

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
     * Why the node type or bus {@code name} is missing when a broken plugin may have provided it,
     * for the end of a message: the plugin that declares it, else every broken plugin whose names
     * are unknown and whose service files list {@code provider}; empty when none.
     */
    public String brokenPluginOf(String name, Class<?> provider) {
        List<BrokenPlugin> declaring = broken.stream().filter(b -> b.names().contains(name)).toList();
        if (!declaring.isEmpty()) {
            return "; it comes from " + joined(declaring);
        }
        List<BrokenPlugin> possible = broken.stream()
                .filter(b -> b.names().isEmpty() && b.providers().contains(provider)).toList();
        return possible.isEmpty() ? "" : "; it may come from " + joined(possible);
    }

    private static String joined(List<BrokenPlugin> plugins) {
        return String.join("; or from ", plugins.stream()
                .map(b -> "plugin " + b.plugin() + ", which did not load: " + b.problem()).toList());
    }
}

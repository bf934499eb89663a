package org.msight.runtime.plugin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Everything the plugins provide: node types by name and the data types a bus can decode.
 *
 * @param nodeTypes node types by type name, in discovery order
 * @param dataTypes data types beyond the built-in ones
 */
public record Plugins(Map<String, NodeType> nodeTypes, List<org.msight.api.data.DataType> dataTypes) {

    public Optional<NodeType> nodeType(String name) {
        return Optional.ofNullable(nodeTypes.get(name));
    }

    /** The type names, sorted, for messages that list them. */
    public TreeSet<String> typeNames() {
        return new TreeSet<>(nodeTypes.keySet());
    }
}

package org.msight.runtime.plugin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Everything the plugins provide: node types and buses by name, and the data types a bus can decode.
 *
 * @param nodeTypes node types by type name, in discovery order
 * @param busTypes buses by name, in discovery order ({@code memory} first: it is built in)
 * @param dataTypes data types beyond the built-in ones
 */
public record Plugins(Map<String, NodeType> nodeTypes, Map<String, BusType> busTypes,
        List<org.msight.api.data.DataType> dataTypes) {

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
}

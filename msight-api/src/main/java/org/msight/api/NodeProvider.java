package org.msight.api;

import java.util.List;

/**
 * Creates nodes of one type; the entry point of a plugin, found with
 * {@link java.util.ServiceLoader}. A plugin jar lists its providers in
 * {@code META-INF/services/org.msight.api.NodeProvider} and ships a {@code reference.conf}
 * with the defaults of its optional settings under {@code msight.node-types.<type>}, each with
 * a comment. Implementations need a public no-argument constructor.
 */
public interface NodeProvider {

    /** Where plugins put the defaults of their settings in {@code reference.conf}. */
    String DEFAULTS_PATH = "msight.node-types";

    /** The type name used in HOCON ({@code type = rtsp-receiver}): lower case, kebab-case. */
    String type();

    /** Whether the nodes are sources, sinks or processors. */
    NodeKind kind();

    /** One line that says what the node does. */
    String description();

    /**
     * Every setting of this type's own, beyond the common ones the runtime handles
     * ({@code type}, {@code gap}, topics, {@code sensor-name}, {@code group-id},
     * {@code registry-type}, queue and restart settings, and the delivery settings of an
     * {@link #asynchronous()} type): a type that declares one its nodes take is not loaded.
     */
    List<Setting> settings();

    /**
     * Whether this type's nodes are {@link AsyncSinkNode}s, whose delivery the runtime runs: their
     * blocks then also take the runtime's delivery settings ({@code max-in-flight},
     * {@code retries}, {@code retry-backoff}, {@code attempt-timeout}, {@code spool}).
     */
    default boolean asynchronous() {
        return false;
    }

    /**
     * The {@code data_type} tag of the messages nodes of this type publish, recorded for their
     * topic in MSight's topic registry. The default, MSight's base {@code SensorData} tag, suits
     * sinks and nodes that publish several types.
     */
    default String publishedDataType() {
        return org.msight.api.data.SensorData.TAG;
    }

    /**
     * Builds a node: a {@link SourceNode}, {@link SinkNode} (or {@link AsyncSinkNode}) or
     * {@link ProcessorNode} as {@link #kind()} and {@link #asynchronous()} say. Reads
     * {@link NodeContext#config()}; does no I/O.
     *
     * @throws IllegalArgumentException when a setting has a value the node cannot use; the
     *     message names the key
     */
    Node create(NodeContext context);
}

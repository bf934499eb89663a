package org.msight.api;

/** What a node does with topics; decides which common settings it takes. */
public enum NodeKind {
    /** Publishes to {@code publish-topic}; takes {@code sensor-name}. */
    SOURCE,
    /** Subscribes to {@code subscribe-topic}. */
    SINK,
    /** Subscribes to {@code subscribe-topic} and publishes to {@code publish-topic}. */
    PROCESSOR;

    /** Whether nodes of this kind publish messages. */
    public boolean publishes() {
        return this != SINK;
    }

    /** Whether nodes of this kind receive messages. */
    public boolean subscribes() {
        return this != SOURCE;
    }
}

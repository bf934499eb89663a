package org.msight.api;

/** A monotonic count a node keeps about itself; shown in the node's periodic throughput line. */
public interface Counter {

    /** Adds {@code amount} (at least 0). */
    void increment(long amount);

    /** Adds one. */
    default void increment() {
        increment(1);
    }

    /** The total so far. */
    long count();
}

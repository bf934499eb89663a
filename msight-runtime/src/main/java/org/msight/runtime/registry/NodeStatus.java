package org.msight.runtime.registry;

/** A node's {@code status} in {@code MSIGHT:NODES}, as MSight writes it. */
public enum NodeStatus {
    /** Registered, not yet running. */
    REGISTERED,
    /** Running. */
    RUNNING,
    /** Stopped (a stopped node normally removes its entry). */
    STOPPED,
    /** Failed, or its heartbeat failed. */
    ERROR
}

package org.msight.api;

/**
 * A node that produces data (a camera, a sensor, a file) and publishes it with
 * {@link NodeContext#publish}. See {@link Node} for the lifecycle.
 */
public interface SourceNode extends Node {

    /**
     * Produces what is available now and returns: typically reads one frame and publishes it.
     * Called in a loop on the node's thread until the pipeline stops. It may block, but should
     * return within about a second (a read timeout), or honour {@link #wakeup()}; the runtime logs
     * a poll (or an open) that has not returned for six {@code stats-interval}s as stuck.
     *
     * @throws EndOfInputException when there is nothing more to read (a file that ended): the
     *     node is finished
     */
    void poll() throws Exception;

    /** Called from another thread at shutdown to end a blocking {@link #poll()} early. */
    default void wakeup() {
    }
}

package org.msight.api;

/**
 * A unit of work in a pipeline: a {@link SourceNode}, a {@link SinkNode} or a {@link ProcessorNode}.
 *
 * <p>The runtime drives every node through the same lifecycle, each node on its own thread:
 * <ol>
 *   <li>The runtime checks the node's HOCON block against {@link NodeProvider#settings()} and
 *       the plugin's {@code reference.conf}; nothing runs if any node's block is wrong.</li>
 *   <li>{@link NodeProvider#create(NodeContext)} builds the node from its context. It reads
 *       settings and fails fast on bad values, but does no I/O.</li>
 *   <li>{@link #open()} connects to what the node needs (a camera, a server). A resource that
 *       is not there yet is reported with a {@link RetriableException}: the runtime logs the
 *       outage once, waits with backoff (or as long as a {@link RetryAfterException} asks, up
 *       to an hour), and calls {@code open()} again. A node's own wait (a
 *       start delay) uses {@link NodeContext#pauseUnlessStopping}, so a stop is not held up.</li>
 *   <li>The node works: a source's {@link SourceNode#poll()} is called in a loop, a sink's
 *       {@link SinkNode#put} once per message, a processor's {@link ProcessorNode#process} once
 *       per message. A {@link RetriableException} thrown there means "the resource went away":
 *       sources and processors are closed and opened again with backoff, a sink is handed the
 *       same message again after a backoff. Any other exception is logged with the node's name
 *       and the node is closed and opened again with backoff; the message is counted as an
 *       error. An {@link UnrecoverableException} (from {@code open()} too) is logged once and
 *       stops the node for good (a sink or processor takes no more messages then); a source's
 *       {@link EndOfInputException} finishes it.</li>
 *   <li>On shutdown sources are stopped first ({@link SourceNode#wakeup()} interrupts a blocking
 *       poll), sinks get the messages still queued, then {@link SinkNode#flush} within the drain
 *       limit, and every node is {@link #close() closed}.</li>
 * </ol>
 * After {@code close()} the runtime may call {@code open()} again to restart the node.
 */
public interface Node extends AutoCloseable {

    /** Connects to the node's resources; see the lifecycle above. The default does nothing. */
    default void open() throws Exception {
    }

    /** Releases everything {@link #open()} acquired; must be safe to call more than once. */
    @Override
    default void close() throws Exception {
    }
}

package org.msight.api;

import java.time.Duration;
import org.msight.api.data.SensorData;

/**
 * A node that consumes the messages of the topic it subscribes to (an uploader, a file writer).
 * See {@link Node} for the lifecycle.
 *
 * <p>The runtime applies {@code gap} before {@link #put}: a sink sees only the messages it is
 * meant to handle. A message the sink cannot use (a data type it does not know) should be
 * counted and skipped, not thrown.
 */
public interface SinkNode extends Node {

    /**
     * Handles one message. Throw {@link RetriableException} when the destination is unavailable:
     * the runtime waits with backoff (or as long as a {@link RetryAfterException} asks, up to an
     * hour) and hands over the same message again.
     */
    void put(SensorData data) throws Exception;

    /**
     * Finishes work started by {@link #put} that is still under way (asynchronous uploads),
     * waiting at most {@code timeout}. Called once at shutdown, before {@link #close()}.
     */
    default void flush(Duration timeout) throws Exception {
    }
}

package org.msight.api;

/**
 * Thrown by {@link SourceNode#poll()} when the source has nothing more to read: a video file
 * that ended and is not looped. The runtime logs the message once, closes the node and counts
 * the source as finished; once every source of a pipeline has finished and the sinks have
 * drained, the pipeline stops (exit code 0), unless {@code msight.stop-when-sources-finish}
 * is false.
 */
public class EndOfInputException extends Exception {

    /** @param message what ended, without secrets */
    public EndOfInputException(String message) {
        super(message);
    }
}

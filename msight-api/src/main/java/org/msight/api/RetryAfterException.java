package org.msight.api;

import java.time.Duration;

/**
 * A {@link RetriableException} that says when to try again: an HTTP {@code Retry-After}, a
 * broker's throttle time, a camera that refused the password and would lock the account after a
 * few more tries. The runtime waits {@link #retryAfter()} instead of its backoff when that is
 * longer, up to a limit: 5 minutes for a delivery of an asynchronous sink (which keeps its place
 * meanwhile), an hour before a node is opened again or handed the message again.
 */
public class RetryAfterException extends RetriableException {

    private final Duration retryAfter;

    /**
     * @param message why, without secrets
     * @param retryAfter the wait the destination asked for
     */
    public RetryAfterException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /** The wait the destination asked for. */
    public Duration retryAfter() {
        return retryAfter;
    }
}

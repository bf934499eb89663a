package org.msight.api;

import java.time.Duration;

/**
 * A {@link RetriableException} that says when to try again: an HTTP {@code Retry-After}, a
 * broker's throttle time. The runtime waits at least {@link #retryAfter()} before the next attempt.
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

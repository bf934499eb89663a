package org.msight.runtime.node;

import java.time.Duration;
import org.msight.api.RetryAfterException;

/** The wait before the next attempt: the backoff's, or the wait a {@link RetryAfterException} asks for when longer. */
final class RetryWait {

    private RetryWait() {
    }

    /**
     * @param backoff the wait the backoff gives
     * @param failure why the attempt failed
     * @param cap the longest wait a failure may ask for
     */
    static Duration after(Duration backoff, Throwable failure, Duration cap) {
        if (!(failure instanceof RetryAfterException retryAfter) || retryAfter.retryAfter() == null) {
            return backoff;
        }
        Duration asked = retryAfter.retryAfter().compareTo(cap) > 0 ? cap : retryAfter.retryAfter();
        return asked.compareTo(backoff) > 0 ? asked : backoff;
    }
}

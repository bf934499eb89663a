package org.msight.api;

/**
 * Thrown by a node when a resource it needs is unavailable for now (a camera that does not
 * answer, a server that is down). The runtime logs the outage once, without a stack trace,
 * retries with backoff, and logs how long the outage lasted when the node works again.
 */
public class RetriableException extends Exception {

    /** @param message what is unavailable, without secrets (no passwords, no tokens) */
    public RetriableException(String message) {
        super(message);
    }

    /**
     * @param message what is unavailable, without secrets
     * @param cause the underlying failure
     */
    public RetriableException(String message, Throwable cause) {
        super(message, cause);
    }
}

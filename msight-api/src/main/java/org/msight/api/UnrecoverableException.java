package org.msight.api;

/**
 * Thrown by a node when retrying cannot help: a system library its natives need is missing,
 * say. The runtime logs the message once, without a stack trace, and stops the node for good
 * instead of restarting it; the message should say how to fix the problem.
 */
public class UnrecoverableException extends Exception {

    /** @param message what is wrong and how to fix it, without secrets */
    public UnrecoverableException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and how to fix it, without secrets
     * @param cause the underlying failure
     */
    public UnrecoverableException(String message, Throwable cause) {
        super(message, cause);
    }
}

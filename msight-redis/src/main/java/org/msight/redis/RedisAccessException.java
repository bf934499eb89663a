package org.msight.redis;

/**
 * Redis cannot be used as configured (it refuses the credentials, or is unreachable when it must
 * be reached now). The message is one line for the user, naming host and port, never the
 * password: print it, no stack trace needed. An {@link IllegalStateException}, as a bus's
 * {@code start()} reports settings a server refuses.
 */
public final class RedisAccessException extends IllegalStateException {

    /** @param message what {@link RedisFailures#describe} said */
    public RedisAccessException(String message) {
        super(message);
    }
}

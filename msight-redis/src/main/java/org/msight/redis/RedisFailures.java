package org.msight.redis;

/** One-line descriptions of Redis failures, for logs and users; never with the password. */
public final class RedisFailures {

    private RedisFailures() {
    }

    /** Whether Redis refused the credentials (or their absence): retrying will not help. */
    public static boolean isCredentialProblem(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return message.startsWith("NOAUTH") || message.startsWith("WRONGPASS") || message.startsWith("NOPERM")
                || message.contains("without any password configured");
    }

    /**
     * What went wrong, for example {@code Redis unreachable at localhost:6379 (Connection refused)} or
     * {@code Redis at localhost:6379 requires a password: set msight.redis.password or
     * MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD}.
     */
    public static String describe(RedisSettings settings, Throwable failure) {
        if (failure instanceof RedisAccessException described) {
            return described.getMessage();
        }
        String message = String.valueOf(failure.getMessage());
        String at = "Redis at " + settings.address();
        if (message.startsWith("NOAUTH")) {
            return at + " requires a password: set msight.redis.password or MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD";
        }
        if (message.startsWith("WRONGPASS")) {
            return at + " rejected the user name or password: check msight.redis.username and msight.redis.password"
                    + " (MSIGHT_REDIS_MESSAGE_BROKER_USERNAME, MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD)";
        }
        if (message.startsWith("NOPERM")) {
            return at + " does not let this user do what MSight needs (PUBLISH, SUBSCRIBE, HSET, EVAL): " + message;
        }
        if (message.contains("without any password configured")) {
            return at + " has no password, but msight.redis.password is set: clear it";
        }
        return "Redis unreachable at " + settings.address() + " (" + rootCause(failure) + ")";
    }

    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}

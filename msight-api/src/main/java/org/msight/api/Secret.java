package org.msight.api;

import java.util.Objects;

/**
 * The value of a secret setting (a password, a token, a header such as {@code Authorization}),
 * as Kafka's {@code Password} is: {@link #toString()} shows {@code ***}, so a settings record, a
 * map or a log line that holds one never prints it; {@link #value()} is for the one place that
 * uses it. Pair it with {@link Setting#secret()}, which masks the value wherever the runtime shows
 * settings.
 */
public final class Secret {

    private static final Secret EMPTY = new Secret("");

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** A secret holding {@code value}; {@code null} is taken as empty. */
    public static Secret of(String value) {
        return value == null || value.isEmpty() ? EMPTY : new Secret(value);
    }

    /** The value itself, for the place that uses it: never log it. */
    public String value() {
        return value;
    }

    /** Whether no value is set. */
    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** {@code ***}, or nothing when empty. */
    @Override
    public String toString() {
        return value.isEmpty() ? "" : Secrets.MASK;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && value.equals(secret.value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(value);
    }
}

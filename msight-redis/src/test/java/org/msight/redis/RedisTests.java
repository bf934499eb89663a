package org.msight.redis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.function.Executable;
import org.msight.testkit.Waits;
import redis.clients.jedis.HostAndPort;

/** Helpers for tests against a real redis-server. */
public final class RedisTests {

    private RedisTests() {
    }

    /** Settings for a local test server, with quick timeouts and backoff. */
    public static RedisSettings settings(int port, String password) {
        return new RedisSettings("127.0.0.1", port, null, 0, null, password, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(300), List.of());
    }

    /** Settings for a local test cluster, its nodes in the given order, with quick timeouts and backoff. */
    public static RedisSettings clusterSettings(List<Integer> ports) {
        return new RedisSettings("127.0.0.1", 6379, null, 0, null, null, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(300),
                ports.stream().map(port -> new HostAndPort("127.0.0.1", port)).toList());
    }

    /** Settings for a local test server on a unix socket, with quick timeouts and backoff. */
    public static RedisSettings unixSettings(Path socket) {
        return new RedisSettings("127.0.0.1", 0, socket, 0, null, null, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(300), List.of());
    }

    /** Waits for a condition, as long as {@link Waits#GENEROUS} at most. */
    public static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Waits.GENEROUS).until(condition::getAsBoolean);
    }

    /** Runs {@code test} with {@code locale} as the JVM's default, as on a machine set up for it. */
    public static void withDefaultLocale(Locale locale, Executable test) throws Throwable {
        Locale previous = Locale.getDefault();
        Locale.setDefault(locale);
        try {
            test.execute();
        } finally {
            Locale.setDefault(previous);
        }
    }
}

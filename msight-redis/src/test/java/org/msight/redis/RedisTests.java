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

    /**
     * Timeouts no loaded machine reaches (connect, socket and publish): a test that asserts no
     * outage cannot see one for a stall of this JVM or of redis-server.
     */
    public static final Duration UNREACHED = Duration.ofSeconds(20);

    /** Settings for a local test server, with quick backoff and timeouts no stall reaches. */
    public static RedisSettings settings(int port, String password) {
        return new RedisSettings("127.0.0.1", port, null, 0, null, password, null, UNREACHED, UNREACHED, UNREACHED,
                Duration.ofMillis(50), Duration.ofMillis(300), List.of());
    }

    /**
     * {@code settings} with other timeouts (connect as socket). A test of an outage that a timeout
     * finds (a frozen or silent Redis) sets quick ones: it asserts the outage, which a stall can only
     * bring sooner. The socket timeout is also the subscriber's keep-alive interval.
     */
    public static RedisSettings withTimeouts(RedisSettings settings, Duration socket, Duration publish) {
        return new RedisSettings(settings.host(), settings.port(), settings.unixSocket(), settings.db(),
                settings.username(), settings.password(), settings.tls(), socket, socket, publish,
                settings.backoffInitial(), settings.backoffMax(), settings.clusterNodes());
    }

    /** Settings for a local test cluster, its nodes in the given order, with quick backoff and timeouts no stall reaches. */
    public static RedisSettings clusterSettings(List<Integer> ports) {
        return new RedisSettings("127.0.0.1", 6379, null, 0, null, null, null, UNREACHED, UNREACHED, UNREACHED,
                Duration.ofMillis(50), Duration.ofMillis(300),
                ports.stream().map(port -> new HostAndPort("127.0.0.1", port)).toList());
    }

    /** Settings for a local test server on a unix socket, with quick backoff and timeouts no stall reaches. */
    public static RedisSettings unixSettings(Path socket) {
        return new RedisSettings("127.0.0.1", 0, socket, 0, null, null, null, UNREACHED, UNREACHED, UNREACHED,
                Duration.ofMillis(50), Duration.ofMillis(300), List.of());
    }

    /** Waits for a condition, as long as {@link Waits#GENEROUS} at most; a check that throws (a slow reply) is tried again. */
    public static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Waits.GENEROUS).ignoreExceptions().until(condition::getAsBoolean);
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

package org.msight.runtime.bus.redis;

import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.function.Executable;
import org.slf4j.LoggerFactory;

/** Helpers for tests against a real redis-server. */
public final class RedisTests {

    private RedisTests() {
    }

    /** Settings for a local test server, with quick timeouts and backoff. */
    public static RedisSettings settings(int port, String password) {
        return new RedisSettings("127.0.0.1", port, 0, null, password, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(300));
    }

    /** Waits up to 10 s for a condition. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
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

    /** Collects what a class logs, until {@link ListAppender#stop()}. */
    public static ListAppender<ILoggingEvent> captureLog(Class<?> loggerClass) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(loggerClass)).addAppender(appender);
        return appender;
    }

    /** The formatted messages captured so far. */
    public static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}

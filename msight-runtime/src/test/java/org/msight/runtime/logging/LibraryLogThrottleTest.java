package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msight.testkit.Waits;

class LibraryLogThrottleTest {

    /** Throttles the Kafka clients' loggers of {@code context} ({@code interval} unless null), and records every line. */
    private static ListAppender<ILoggingEvent> throttled(LoggerContext context,
            ch.qos.logback.core.util.Duration interval) {
        LibraryLogThrottle throttle = new LibraryLogThrottle();
        throttle.setContext(context);
        throttle.setPrefix("org.apache.kafka.");
        if (interval != null) {
            throttle.setInterval(interval);
        }
        throttle.start();
        context.addTurboFilter(throttle);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext(context);
        lines.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(lines);
        return lines;
    }

    /** A Kafka client retrying a refused login: one line a minute, while other lines all pass. */
    @Test
    void aLibrarysRepeatedLineIsLetThroughOnceAMinuteAndOwnLinesAlways() {
        LoggerContext context = new LoggerContext();
        ListAppender<ILoggingEvent> lines = throttled(context, null);

        Logger client = context.getLogger("org.apache.kafka.clients.NetworkClient");
        Logger own = context.getLogger("org.msight.plugins.kafkabus.KafkaBus");
        for (int node = 0; node < 5; node++) {
            client.error("[Producer clientId=edge] Connection to node {} failed authentication due to: {}", node,
                    "Authentication failed: Invalid username or password");
            client.warn("[Producer clientId=edge] Bootstrap broker {} disconnected", node);
            client.info("[Producer clientId=edge] Node {} is ready", node);
            own.warn("Publishing to Kafka fails, attempt {}", node);
        }
        // an exception passed after the arguments tells kinds apart too
        client.warn("Fetch from node {} failed", 1, new IllegalStateException("a"));
        client.warn("Fetch from node {} failed", 1, new java.io.IOException("b"));
        client.warn("Fetch from node {} failed", 1, new java.io.IOException("c"));

        List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(logged).filteredOn(line -> line.contains("failed authentication")).containsExactly(
                "[Producer clientId=edge] Connection to node 0 failed authentication due to: Authentication failed:"
                        + " Invalid username or password");
        assertThat(logged).filteredOn(line -> line.contains("disconnected")).hasSize(1);
        assertThat(logged).filteredOn(line -> line.contains("is ready")).hasSize(5);
        assertThat(logged).filteredOn(line -> line.startsWith("Publishing")).hasSize(5);
        assertThat(lines.list).filteredOn(event -> event.getFormattedMessage().startsWith("Fetch from"))
                .extracting(event -> event.getThrowableProxy().getClassName())
                .containsExactly("java.lang.IllegalStateException", "java.io.IOException");
    }

    /** When a kind is let through again, a line before it says how many were held back meanwhile. */
    @Test
    void theLinesHeldBackAreCountedWhenTheNextIsLetThrough() {
        LoggerContext context = new LoggerContext();
        ListAppender<ILoggingEvent> lines = throttled(context, ch.qos.logback.core.util.Duration.buildByMilliseconds(100));
        Logger client = context.getLogger("org.apache.kafka.clients.NetworkClient");

        await().atMost(Waits.GENEROUS).until(() -> {
            for (int retry = 0; retry < 100; retry++) { // a client retrying faster than the interval
                client.error("Connection to node {} failed authentication", 1);
            }
            return lines.list.size() >= 3;
        });
        List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(logged.get(0)).isEqualTo("Connection to node 1 failed authentication");
        assertThat(logged.get(1)).matches("[1-9][0-9]* lines like the next one from"
                + " org.apache.kafka.clients.NetworkClient were held back since the last that was let through");
        assertThat(logged.get(2)).isEqualTo("Connection to node 1 failed authentication");
    }

    @Test
    void theShippedLogbackConfigurationThrottlesTheKafkaClients() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LibraryLogThrottle.class.getResource("/logback.xml"));
        assertThat(context.getTurboFilterList()).singleElement().isInstanceOf(LibraryLogThrottle.class)
                .matches(filter -> filter.isStarted());
    }
}

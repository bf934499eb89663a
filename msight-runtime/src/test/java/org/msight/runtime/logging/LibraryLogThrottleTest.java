package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;

class LibraryLogThrottleTest {

    /** A Kafka client retrying a refused login: one line a minute, while other lines all pass. */
    @Test
    void aLibrarysRepeatedLineIsLetThroughOnceAMinuteAndOwnLinesAlways() {
        LoggerContext context = new LoggerContext();
        LibraryLogThrottle throttle = new LibraryLogThrottle();
        throttle.setContext(context);
        throttle.setPrefix("org.apache.kafka.");
        throttle.start();
        context.addTurboFilter(throttle);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext(context);
        lines.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(lines);

        Logger client = context.getLogger("org.apache.kafka.clients.NetworkClient");
        Logger own = context.getLogger("org.msight.plugins.kafkabus.KafkaBus");
        for (int node = 0; node < 5; node++) {
            client.error("[Producer clientId=edge] Connection to node {} failed authentication due to: {}", node,
                    "Authentication failed: Invalid username or password");
            client.warn("[Producer clientId=edge] Bootstrap broker {} disconnected", node);
            client.info("[Producer clientId=edge] Node {} is ready", node);
            own.warn("Publishing to Kafka fails, attempt {}", node);
        }

        List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(logged).filteredOn(line -> line.contains("failed authentication")).containsExactly(
                "[Producer clientId=edge] Connection to node 0 failed authentication due to: Authentication failed:"
                        + " Invalid username or password");
        assertThat(logged).filteredOn(line -> line.contains("disconnected")).hasSize(1);
        assertThat(logged).filteredOn(line -> line.contains("is ready")).hasSize(5);
        assertThat(logged).filteredOn(line -> line.startsWith("Publishing")).hasSize(5);
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

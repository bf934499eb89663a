package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.ImageData;
import org.msight.runtime.Pipeline;
import org.msight.runtime.PipelineFactory;
import org.msight.testkit.RtspTestServer;
import org.slf4j.LoggerFactory;

/** The receiver run by the real runtime on the memory bus, through camera outages. */
class RuntimeReconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static RtspTestServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        server = RtspTestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "udp"})
    void resumesByItselfEachTimeTheServerIsKilledAndRestarted(String transport) throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        String sink = "sink-" + transport;
        Pipeline pipeline = start("""
                nodes {
                  camera { type = rtsp-receiver, publish-topic = frames, url = "%s", rtsp-transport = %s,
                           read-timeout = 1s }
                  %s { type = test-image-collector, subscribe-topic = frames }
                }
                """.formatted(server.url(), transport, sink));
        try {
            awaitReceived(sink, 1);
            for (int outage = 1; outage <= 3; outage++) {
                server.stop();
                Thread.sleep(1_500);
                server.restart();
                long back = System.nanoTime();
                awaitReceived(sink, received(sink).size() + 1);
                double resumedAfter = (System.nanoTime() - back) / 1e9;
                assertThat(resumedAfter).as("seconds to resume after outage %d", outage).isLessThan(2.0);
            }
        } finally {
            assertThat(pipeline.stop()).as("stopped within the limits").isTrue();
            root.detachAppender(logged);
        }
        // One outage line and one recovery line each time, from the runtime's node runner.
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(m -> m.endsWith("retrying with backoff")).hasSize(3);
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(m -> m.startsWith("recovered after")).hasSize(3);
        received(sink).forEach(Jpegs::decode);
    }

    private Pipeline start(String hocon) throws Exception {
        Path file = Files.writeString(dir.resolve("pipeline.conf"), hocon);
        Pipeline pipeline = new PipelineFactory(List.of()).load(file).create();
        pipeline.start();
        return pipeline;
    }

    private static List<ImageData> received(String sink) {
        return ImageCollector.RECEIVED.getOrDefault(sink, List.of());
    }

    private static void awaitReceived(String sink, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (received(sink).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(received(sink)).as("images received within %s", WAIT).hasSizeGreaterThanOrEqualTo(count);
    }
}

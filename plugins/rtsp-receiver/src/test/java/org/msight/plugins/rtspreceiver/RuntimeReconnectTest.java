package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

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
import org.msight.testkit.LogCapture;
import org.msight.testkit.Waits;
import org.msight.testkit.RtspTestServer;
import org.slf4j.event.Level;

/**
 * The receiver run by the real runtime on the memory bus, through camera outages: it resumes
 * by itself each time (how fast is bench/decode's business, not a test's).
 */
class RuntimeReconnectTest {

    private static final Duration WAIT = Waits.GENEROUS;
    private static final String OUTAGE = "retrying with backoff";

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
        String sink = "sink-" + transport;
        try (LogCapture log = LogCapture.all()) {
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
                    int outages = outage;
                    await("outage " + outage + " noticed").atMost(WAIT)
                            .until(() -> outageLines(log).size() == outages);
                    server.restart();
                    awaitReceived(sink, received(sink).size() + 1);
                }
            } finally {
                assertThat(pipeline.stop()).as("stopped within the limits").isTrue();
            }
            // One outage line and one recovery line each time, from the runtime's node runner.
            assertThat(outageLines(log)).hasSize(3);
            assertThat(log.messages()).filteredOn(m -> m.startsWith("recovered after")).hasSize(3);
        }
        received(sink).forEach(Jpegs::decode);
    }

    private static List<String> outageLines(LogCapture log) {
        return log.messages(Level.WARN).stream().filter(m -> m.endsWith(OUTAGE)).toList();
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

    private static void awaitReceived(String sink, int count) {
        await(count + " images received").atMost(WAIT).until(() -> received(sink).size() >= count);
    }
}

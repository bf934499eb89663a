package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
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
        List<ImageData> received;
        try (LogCapture log = LogCapture.all()) {
            try (PipelineTestDriver driver = PipelineTestDriver.start("""
                    nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", rtsp-transport = %s,
                                   read-timeout = 1s }
                    """.formatted(server.url(), transport), "frames")) {
                driver.await("frames", ImageData.class, 1, WAIT);
                for (int outage = 1; outage <= 3; outage++) {
                    server.stop();
                    long outages = outage;
                    await("outage " + outage + " noticed").atMost(WAIT)
                            .until(() -> driver.totals("camera").get("restarts") == outages);
                    server.restart();
                    driver.await("frames", ImageData.class, driver.messages("frames").size() + 1, WAIT);
                }
                received = driver.messages("frames", ImageData.class);
            }
            // The first outage is said, and its end; the next ones, each soon after a recovery, at
            // most once more (flapping: said once a minute), unless the machine stalled 10 s between
            assertThat(outageLines(log)).hasSizeBetween(1, 3).first().asString().startsWith("rtsp://");
            assertThat(log.messages()).filteredOn(m -> m.startsWith("recovered after")).hasSizeBetween(1, 3);
            assertThat(log.messages(Level.INFO)).as("the same stream at each reconnection: said once")
                    .filteredOn(m -> m.startsWith("Reading ")).hasSize(1);
        }
        received.forEach(Jpegs::decode);
    }

    private static List<String> outageLines(LogCapture log) {
        return log.messages(Level.WARN).stream().filter(m -> m.contains(OUTAGE)).toList();
    }

}

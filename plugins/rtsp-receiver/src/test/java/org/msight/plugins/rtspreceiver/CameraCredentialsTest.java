package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.RetryAfterException;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * The receiver against a real RTSP server that asks for a user and password, as cameras do: a
 * refused login is tried again only after {@code auth-retry-after}, since cameras lock an account
 * after a few failed logins, as is a stream the camera forbids (403), and the password is never
 * shown.
 */
class CameraCredentialsTest {

    private static final String USER = "admin";
    /** With the characters that end a URL's user info where FFmpeg reads it. */
    private static final String PASSWORD = "s3/cr?t#Pw";

    private static RtspTestServer server;

    @BeforeAll
    static void startServer() {
        server = RtspTestServer.withCredentials(USER, PASSWORD);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void theRightUserAndPasswordGetFrames() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            try (PipelineTestDriver driver = PipelineTestDriver.start("""
                    nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s" }
                    """.formatted(server.url(USER, PASSWORD)), "frames")) {
                Jpegs.decode(driver.await("frames", ImageData.class, 1, Waits.GENEROUS).get(0));
            }
            assertThat(log.text()).contains("rtsp://***@127.0.0.1:" + server.port()).doesNotContain("cr?t", "cr%3Ft");
        }
    }

    @Test
    void aWrongPasswordAsksForAuthRetryAfterAndIsNeverShown() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            assertThatThrownBy(() -> open(server.url(USER, "wr/ong-Pw"), "auth-retry-after = 7m"))
                    .isInstanceOfSatisfying(RetryAfterException.class,
                            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(7)))
                    .hasMessage("rtsp://***@127.0.0.1:" + server.port() + "/live.stream refused the user and password"
                            + " in the url (401 Unauthorized); the next attempt waits auth-retry-after, as cameras"
                            + " lock an account after a few failed logins");
            assertThat(log.text()).doesNotContain("ong-Pw");
        }
    }

    @Test
    void aUrlWithoutCredentialsIsToldTheCameraAsksForThem() {
        assertThatThrownBy(() -> open(server.url(), ""))
                .isInstanceOfSatisfying(RetryAfterException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10)))
                .hasMessageStartingWith(server.url() + " asks for a user and password, and the url has none"
                        + " (401 Unauthorized)");
    }

    /** A 403 was retried every second, with FFmpeg's words alone. */
    @Test
    void aUserWithoutTheRightToTheStreamIsToldToCheckItsPermissionsAndWaitsAuthRetryAfter() throws Exception {
        try (LogCapture log = LogCapture.all(); RtspTestServer forbidding = RtspTestServer.forbidding(USER, PASSWORD)) {
            assertThatThrownBy(() -> open(forbidding.url(USER, PASSWORD), "auth-retry-after = 7m"))
                    .isInstanceOfSatisfying(RetryAfterException.class,
                            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(7)))
                    .hasMessage("rtsp://***@127.0.0.1:" + forbidding.port() + "/live.stream does not let the url's"
                            + " user see that stream (403 Forbidden): check the user's permissions in the camera, and"
                            + " the url's path; the next attempt waits auth-retry-after, as retrying changes nothing"
                            + " until the camera's permissions or the url do");
            assertThat(log.text()).doesNotContain("cr?t", "cr%3Ft");
        }
    }

    @Test
    void aStreamForbiddenToAClientWithoutAUserSaysToGiveOne() {
        try (RtspTestServer forbidding = RtspTestServer.forbidding()) {
            assertThatThrownBy(() -> open(forbidding.url(), ""))
                    .isInstanceOfSatisfying(RetryAfterException.class,
                            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10)))
                    .hasMessageStartingWith(forbidding.url() + " forbids that stream to a client without a user"
                            + " (403 Forbidden): check the url's path, or give the url a user allowed to see it; the"
                            + " next attempt waits auth-retry-after");
        }
    }

    @Test
    void theRuntimeWaitsAuthRetryAfterAndStillStopsAtOnce() throws Exception {
        // the camera's node logs its outages; FFmpeg's own "DESCRIBE failed: 401" (logger ffmpeg) is not one
        try (LogCapture log = LogCapture.all(); LogCapture camera = LogCapture.of("msight.node.camera")) {
            try (PipelineTestDriver driver = PipelineTestDriver.start("""
                    nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", auth-retry-after = 1h }
                    """.formatted(server.url(USER, "wr/ong-Pw")), "frames")) {
                await().atMost(Waits.GENEROUS).until(() -> !outageLines(camera).isEmpty());
            }
            assertThat(outageLines(camera)).singleElement().asString()
                    .endsWith("(401 Unauthorized); the next attempt waits auth-retry-after, as cameras lock an account"
                            + " after a few failed logins; retrying in 1h");
            assertThat(log.text()).doesNotContain("ong-Pw");
        }
    }

    private static void open(String url, String settings) throws Exception {
        SourceNode node = (SourceNode) new RtspReceiverProvider()
                .create(TestNodeContext.of("rtsp-receiver", "url = \"" + url + "\"\n" + settings));
        try {
            node.open();
        } finally {
            node.close();
        }
    }

    private static List<String> outageLines(LogCapture log) {
        return log.messages(Level.WARN).stream().filter(m -> m.contains("401 Unauthorized")).toList();
    }
}

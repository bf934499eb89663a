package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.DaemonThreads;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.testkit.FreePorts;
import org.msight.testkit.LogCapture;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/** The receiver against a real RTSP server (GStreamer's), over tcp and udp. */
class RtspReceiverTest {

    private static final Duration WAIT = Waits.GENEROUS;

    private static RtspTestServer server;

    @BeforeAll
    static void startServer() {
        server = RtspTestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** The camera's node block: the test server's stream, published on {@code frames}. */
    private static String camera(String settings) {
        return """
                msight.device-name = test-device
                nodes.camera { type = rtsp-receiver, publish-topic = frames, sensor-name = test-sensor,
                               url = "%s", %s }
                """.formatted(server.url(), settings);
    }

    /** A context for the camera's node alone, for tests of its own methods. */
    private static TestNodeContext cameraContext(String settings) {
        return TestNodeContext.of("rtsp-receiver", "url = \"" + server.url() + "\"\n" + settings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "udp"})
    void publishesDecodableJpegsWithIncreasingTimestamps(String transport) throws Exception {
        List<ImageData> images;
        try (PipelineTestDriver driver = PipelineTestDriver.start(camera("rtsp-transport = " + transport), "frames")) {
            images = driver.await("frames", ImageData.class, 15, WAIT);
        }
        for (int i = 0; i < images.size(); i++) {
            ImageData image = images.get(i);
            assertThat(image.width()).isEqualTo(1280);
            assertThat(image.height()).isEqualTo(720);
            Jpegs.decode(image);
            assertThat(image.metadata().sensorName()).isEqualTo("test-sensor");
            assertThat(image.metadata().deviceName()).isEqualTo("test-device");
            if (i > 0) {
                assertThat(image.metadata().captureTimestamp())
                        .isGreaterThan(images.get(i - 1).metadata().captureTimestamp());
                assertThat(image.metadata().frameId()).isGreaterThan(images.get(i - 1).metadata().frameId());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"turbojpeg", "ffmpeg"})
    void jpegsStartWithAJfifSegmentAsOpenCvsDoAndCarryNoEncoderComment(String encoder) throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start(camera("jpeg-encoder = " + encoder), "frames")) {
            for (ImageData image : driver.await("frames", ImageData.class, 3, WAIT)) {
                byte[] jpeg = image.image();
                List<Integer> markers = Jpegs.headerMarkers(jpeg);
                assertThat(markers.get(0)).as("APP0 right after SOI").isEqualTo(0xE0);
                assertThat(new String(jpeg, 6, 5, StandardCharsets.ISO_8859_1)).isEqualTo("JFIF\0");
                assertThat(jpeg[11]).as("JFIF major version").isEqualTo((byte) 1);
                assertThat(jpeg[13]).as("density units: none, an aspect ratio").isEqualTo((byte) 0);
                assertThat(new byte[] {jpeg[14], jpeg[15], jpeg[16], jpeg[17]}).as("1:1 pixels")
                        .containsExactly(0, 1, 0, 1);
                assertThat(markers).as("no comment segment").doesNotContain(0xFE);
                Jpegs.decode(image);
            }
        }
    }

    @Test
    void gapNineEncodesAndPublishesOneFrameInTen() throws Exception {
        List<ImageData> published;
        Map<String, Long> totals;
        try (PipelineTestDriver driver = PipelineTestDriver.start(camera("gap = 9"), "frames")) {
            driver.await("frames", ImageData.class, 4, WAIT);
            driver.close();
            published = driver.messages("frames", ImageData.class);
            totals = driver.totals("camera");
        }
        // Every decoded frame is offered ('in'); JPEG encoding runs only for the one in ten published.
        assertThat(totals.get("in")).as("frames decoded and offered").isGreaterThan(published.size());
        assertThat(totals.get("encoded")).as("frames encoded").isEqualTo(published.size())
                .isEqualTo(totals.get("in") / 10);
        published.forEach(Jpegs::decode);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "udp"})
    void resizeRatioHalvesTheDimensions(String transport) throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start(
                camera("resize-ratio = 0.5, rtsp-transport = " + transport), "frames")) {
            for (ImageData image : driver.await("frames", ImageData.class, 3, WAIT)) {
                assertThat(image.width()).isEqualTo(640);
                assertThat(image.height()).isEqualTo(360);
                Jpegs.decode(image);
            }
        }
    }

    @Test
    void stalledStreamIsAnOutageAndTheNodeResumesWhenDataFlowsAgain() throws Exception {
        try (LogCapture log = LogCapture.of("msight.node.camera");
                PipelineTestDriver driver = PipelineTestDriver.start(camera("read-timeout = 1s"), "frames")) {
            driver.await("frames", ImageData.class, 1, WAIT);
            server.freeze();
            try {
                // Frames already on their way are still read; then the read timeout ends the wait.
                log.await("the outage", line -> line.equals(server.url() + " sent nothing for 1000 ms"
                        + " (read-timeout: a camera that sends fewer frames needs a longer one); retrying with backoff"));
            } finally {
                server.thaw();
            }
            driver.await("frames", ImageData.class, driver.messages("frames").size() + 1, WAIT);
            log.await("the recovery", line -> line.startsWith("recovered after"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "udp"})
    void aFrozenStreamEndsAtTheFirstReadTimeoutNotASecond(String transport) throws Exception {
        // FFmpeg still hands out the frame its parser held once the read timed out; reading on
        // after it waited a second read timeout (4 s instead of 2 s). Thawing the camera once the
        // first timeout fired tells the two apart without timing anything: reading must not resume.
        ReceiverSettings settings = ReceiverSettings.from(cameraContext("read-timeout = 1s, rtsp-transport = " + transport)
                .config());
        HostLookup lookup = new HostLookup(settings.connectTimeout());
        try (VideoInput input = VideoInput.prepare(settings, lookup, reason -> { })) {
            input.open(settings, frameRate -> settings.threads());
            assertThat(input.grab()).isNotNull();
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                while (input.grab() != null) {
                    // frames on their way when the camera froze
                }
            });
            server.freeze();
            try {
                await("the read timeout").atMost(WAIT).until(input::timedOut);
            } finally {
                server.thaw();
            }
            try {
                reading.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                input.wakeup(); // should reading go on, it must end before the input is closed
                reading.handle((ended, failure) -> null).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(input.endReason()).isEqualTo("sent nothing for 1000 ms (read-timeout: a camera that sends fewer"
                    + " frames needs a longer one)");
        }
    }

    /**
     * A stopped camera is told so: without a TEARDOWN, a camera streaming over udp streams on to a
     * closed port until its session times out, and one allowing few sessions refuses a quick
     * restart. The camera is reached through a relay that records what the node sends it.
     */
    @Test
    void aStopSendsTheCameraATeardown() throws Exception {
        URI camera = URI.create(server.url());
        try (ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            StringBuffer requests = new StringBuffer();
            var relaying = CompletableFuture.runAsync(() -> relayOneClient(relay, camera, requests));
            String url = "rtsp://127.0.0.1:" + relay.getLocalPort() + camera.getPath();
            SourceNode node = (SourceNode) new RtspReceiverProvider().create(TestNodeContext.of("rtsp-receiver",
                    "url = \"" + url + "\", rtsp-transport = udp"));
            node.open();
            node.wakeup(); // a stop: woken, then closed
            node.close();
            relaying.get(WAIT.toSeconds(), TimeUnit.SECONDS); // the node closed its connection
            assertThat(requests.toString()).contains("PLAY rtsp://", "TEARDOWN rtsp://");
        }
    }

    /**
     * Relays the first client of {@code relay} to {@code camera} and back, recording what the client
     * sends, until either closes its connection.
     */
    private static void relayOneClient(ServerSocket relay, URI camera, StringBuffer requests) {
        try (Socket client = relay.accept(); Socket upstream = new Socket(camera.getHost(), camera.getPort())) {
            DaemonThreads.start("relay-to-client", () -> {
                try {
                    upstream.getInputStream().transferTo(client.getOutputStream());
                } catch (IOException e) {
                    // a connection closed: the relay ends
                }
            });
            byte[] buffer = new byte[4096];
            for (int read; (read = client.getInputStream().read(buffer)) >= 0; ) {
                requests.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                upstream.getOutputStream().write(buffer, 0, read);
            }
        } catch (IOException e) {
            // a connection closed or reset: the relay ends, and the requests tell what came
        }
    }

    @Test
    void wakeupEndsAPollBlockedOnAStalledStream() throws Exception {
        // A read timeout no test waits for: a poll that returns was ended by wakeup().
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(cameraContext("read-timeout = 1h"));
        node.open();
        AtomicBoolean wakeupCalled = new AtomicBoolean();
        Thread poller = null;
        try {
            node.poll();
            server.freeze();
            // Polls until one blocks: frames already received are consumed first.
            FutureTask<Void> polling = new FutureTask<>(() -> {
                while (!wakeupCalled.get()) {
                    node.poll();
                }
                return null;
            });
            Thread started = new Thread(polling, "frozen-poll");
            poller = started;
            started.start();
            await("a poll waiting in FFmpeg's read of the frozen stream").atMost(WAIT)
                    .until(() -> waitsInFfmpegRead(started));
            assertThat(polling).as("a poll blocked on the frozen stream").isNotDone();
            wakeupCalled.set(true);
            node.wakeup();
            polling.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            server.thaw(); // a poll wakeup did not end ends with the stream's next frames
            wakeupCalled.set(true);
            if (poller != null) {
                poller.join(WAIT.toMillis());
            }
            if (poller == null || !poller.isAlive()) { // closed under a poll in FFmpeg, the JVM would crash, not fail
                node.close();
            }
        }
    }

    /**
     * Whether {@code thread} sleeps in FFmpeg's read, waiting for input: its {@link Thread.State}
     * says RUNNABLE in native code, so Linux is asked whether the thread's task (named after the
     * thread, 15 characters at most) sleeps, between two looks at the thread's stack.
     */
    private static boolean waitsInFfmpegRead(Thread thread) throws IOException {
        if (!inFfmpegRead(thread)) {
            return false;
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            List<Path> named = tasks.filter(task -> read(task.resolve("comm")).equals(thread.getName())).toList();
            // stat: pid (comm) state ...
            return named.size() == 1 && read(named.get(0).resolve("stat")).replaceFirst(".*\\) ", "").startsWith("S")
                    && inFfmpegRead(thread);
        }
    }

    private static boolean inFfmpegRead(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        return stack.length > 0 && stack[0].getMethodName().equals("av_read_frame");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return ""; // a task that ended
        }
    }

    @Test
    void wakeupEndsAnOpenWaitingForASilentCamera() throws Exception {
        // Accepts the connection and never answers: RTSP setup blocks until the connect timeout.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SourceNode node = cameraWithLongConnectTimeout(silent);
            CompletableFuture<Void> opening = CompletableFuture.runAsync(() -> {
                try {
                    node.open();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            try (Socket accepted = silent.accept()) {
                assertThat(opening).as("open() waiting for the camera's answer").isNotDone();
                node.wakeup();
                assertThatThrownBy(() -> opening.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .cause().isInstanceOf(RetriableException.class).hasMessageEndingWith(": woken up");
            } finally {
                node.close();
            }
        }
    }

    @Test
    void wakeupJustBeforeOpenIsNotLost() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SourceNode node = cameraWithLongConnectTimeout(silent);
            node.wakeup();
            assertThatThrownBy(node::open).isInstanceOf(RetriableException.class).hasMessageEndingWith(": woken up");
            node.close();
        }
    }

    private static SourceNode cameraWithLongConnectTimeout(ServerSocket server) {
        // A connect timeout no test waits for: an open that ends was ended by wakeup().
        return (SourceNode) new RtspReceiverProvider().create(TestNodeContext.of("rtsp-receiver",
                "url = \"rtsp://127.0.0.1:" + server.getLocalPort() + "/live\", connect-timeout = 1h"));
    }

    /** FFmpeg's words alone named the cause, not what to check: a wrong path, a wrong port. */
    @Test
    void aPathWithoutAStreamSaysToCheckThePath() throws Exception {
        String url = server.url().replace("/live.stream", "/wrong.stream");
        assertOpenFails(url, "").hasMessage("cannot open " + url + ": Server returned 404 Not Found (the camera has no"
                + " stream at that path: check the url's path)");
    }

    /** FFmpeg says "Input/output error" alone, and which host it could not resolve once in ten minutes. */
    @Test
    void aHostNameThatDoesNotResolveIsNamed() throws Exception {
        // The lookup in Java gives the system resolver's reason (Name or service not known, or another); where DNS
        // drops packets (a CI box), it may not answer within connect-timeout: the host is named either way.
        assertOpenFails("rtsp://admin:s3cret@nosuchhost.invalid/live.stream", "").message().matches("cannot open"
                + " rtsp://\\*\\*\\*@nosuchhost\\.invalid/live\\.stream: cannot resolve host nosuchhost\\.invalid"
                + "(: [^()]+ \\(check the url's host, or this machine's DNS\\)| within connect-timeout \\(\\d+ ms\\):"
                + " DNS did not answer \\(check this machine's DNS, or give the camera by IP address\\))");
    }

    @Test
    void anHttpServerAtTheAddressDoesNotSpeakRtsp() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.start();
        try {
            String url = "rtsp://127.0.0.1:" + http.getAddress().getPort() + "/live.stream";
            assertOpenFails(url, "").hasMessage("cannot open " + url + ": Invalid data found when processing input"
                    + " (what answers there does not speak RTSP: check the url's host and port)");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aServerThatNeverAnswersNamesConnectTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String url = "rtsp://127.0.0.1:" + silent.getLocalPort() + "/live.stream";
            assertOpenFails(url, "connect-timeout = 1s").hasMessage("cannot open " + url + ": no answer within the"
                    + " timeout (connect-timeout: check that the url's host and port are the camera's RTSP ones)");
        }
    }

    private static AbstractThrowableAssert<?, ?> assertOpenFails(String url, String settings) throws Exception {
        SourceNode node = (SourceNode) new RtspReceiverProvider()
                .create(TestNodeContext.of("rtsp-receiver", "url = \"" + url + "\"\n" + settings));
        try {
            return assertThatThrownBy(node::open).isInstanceOf(RetriableException.class);
        } finally {
            node.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin:s3cret", "john@corp.example:s3cret", "s3cret"})
    void unreachableCameraIsRetriableAndItsCredentialsAreNeverShown(String userInfo) throws Exception {
        try (LogCapture log = LogCapture.all()) {
            String url = "rtsp://" + userInfo + "@127.0.0.1:" + FreePorts.next() + "/live.stream";
            SourceNode node = (SourceNode) new RtspReceiverProvider()
                    .create(TestNodeContext.of("rtsp-receiver", "url = \"" + url + "\""));
            assertThatThrownBy(node::open).isInstanceOf(RetriableException.class)
                    .hasMessageStartingWith("cannot open rtsp://***@127.0.0.1:")
                    .hasMessageContaining("Connection refused")
                    .hasMessageNotContaining("s3cret");
            node.close();
            assertThat(log.text()).doesNotContain("s3cret");
        }
    }
}

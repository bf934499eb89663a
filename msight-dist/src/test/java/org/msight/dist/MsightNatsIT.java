package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Closeables;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.RtspTestServer;

/**
 * MSight's launchers on the nats bus (MSIGHT_PUBSUB_BACKEND=nats), as separate processes: a real
 * RTSP server feeds the receiver, a real nats-server carries the frames, the registry stays in a
 * real Redis as MSight keeps it, and a real HTTP server counts the frames it receives by id.
 */
class MsightNatsIT {

    /** Generous: a JVM starting on a loaded 2-core machine has taken over 20 s. */
    private static final Duration STARTUP = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private RedisTestServer redis;
    private NatsTestServer nats;
    private RtspTestServer camera;
    private UploadServer server;

    @BeforeEach
    void startServers() throws Exception {
        redis = new RedisTestServer().start();
        nats = new NatsTestServer().start();
        camera = RtspTestServer.start();
        server = new UploadServer();
    }

    @AfterEach
    void stopServers() {
        Closeables.closeAll(server, camera, nats, redis);
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("MSIGHT_PUBSUB_BACKEND", "nats");
        env.put("MSIGHT_NATS_SERVERS", "['" + nats.url() + "']");
        env.put("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1");
        env.put("MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()));
        env.put("MSIGHT_EDGE_DEVICE_NAME", "edge-it");
        return env;
    }

    /** The receiver, publishing one frame in {@code gap + 1}. */
    private RunningCommand receiver(String log, int gap) throws Exception {
        return Distribution.start(dir.resolve(log), env(), "msight_launch_rtsp", "-n", "rtsp_node", "-pt", "rtsp_topic",
                "--sensor-name", "rtsp_sensor", "-u", camera.url(), "-g", String.valueOf(gap));
    }

    private RunningCommand uploader(String name, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-st", "rtsp_topic", "-n", name, "--url", server.url()));
        args.addAll(List.of(more));
        RunningCommand uploader = Distribution.start(dir.resolve(name + ".log"), env(), "msight_launch_http",
                args.toArray(String[]::new));
        uploader.awaitOutput("started 1 node", STARTUP);
        return uploader;
    }

    private List<Long> frameIds() {
        return server.uploads().stream().map(upload -> upload.body().get("frame_id").asLong()).toList();
    }

    private static long published(RunningCommand receiver) {
        Matcher totals = Pattern.compile(" - rtsp_node - INFO :: totals: in \\d+, out (\\d+)").matcher(receiver.output());
        assertThat(totals.find()).as("the receiver's totals line").isTrue();
        return Long.parseLong(totals.group(1));
    }

    private static int uploadsBy(RunningCommand uploader) {
        return uploader.output().split("INFO :: Status: 200", -1).length - 1;
    }

    @Test
    void theTutorialRunsOnNatsAndBothSidesResumeAfterTheServerRestarts() throws Exception {
        try (RunningCommand http = uploader("http_uploader_node", "-g", "9");
                RunningCommand rtsp = receiver("rtsp.log", 0)) {
            await().atMost(STARTUP).until(() -> server.uploads().size() >= 3);
            assertThat(server.uploads().get(0).body().get("data_type").asText())
                    .isEqualTo("msight_core.data.image.ImageData");
            rtsp.awaitOutput("connected to NATS at " + nats.url(), STARTUP);
            try (RunningCommand status = Distribution.start(dir.resolve("status.log"), env(), "msight", "status")) {
                assertThat(status.awaitExit(STARTUP)).isZero();
                // registered in Redis, as MSight keeps its registry whatever the bus
                assertThat(status.output()).containsPattern("rtsp_node +rtsp_topic +- .* RUNNING")
                        .containsPattern("http_uploader_node +- +rtsp_topic .* RUNNING");
            }

            nats.stop();
            rtsp.awaitOutput("NATS connection to " + nats.url() + " lost (messages published meanwhile are lost); retrying", STARTUP);
            http.awaitOutput("NATS connection to " + nats.url() + " lost (messages published meanwhile are lost); retrying", STARTUP);
            nats.start();
            int before = server.uploads().size();
            await().atMost(STARTUP).until(() -> server.uploads().size() >= before + 3);
            rtsp.awaitOutput("NATS connection restored after", STARTUP);
            http.awaitOutput("NATS connection restored after", STARTUP);

            rtsp.stopCleanly(STARTUP);
            http.stopCleanly(STARTUP);
            // frames published while NATS was away are counted as lost in the receiver's totals
            assertThat(rtsp.output()).containsPattern(" - rtsp_node - INFO :: totals: in \\d+, out \\d+, errors 0, .*lost [1-9]");
        }
    }

    @Test
    void twoUploadersInOneGroupShareTheFramesExactlyOnceAndOneTakesOverWhenTheOtherIsKilled() throws Exception {
        try (RunningCommand first = uploader("uploader_1", "--group-id", "uploaders");
                RunningCommand second = uploader("uploader_2", "--group-id", "uploaders")) {
            try (RunningCommand rtsp = receiver("rtsp.log", 4)) {
                await().atMost(STARTUP).until(() -> uploadsBy(first) >= 3 && uploadsBy(second) >= 3);
                rtsp.stopCleanly(STARTUP);
                long published = published(rtsp);
                await().atMost(STARTUP).until(() -> server.uploads().size() >= published);
                assertThat(frameIds()).as("every published frame once, by one of the two").hasSize((int) published)
                        .doesNotHaveDuplicates();
                assertThat(uploadsBy(first) + uploadsBy(second)).isEqualTo(published);
            }

            try (RunningCommand rtsp = receiver("rtsp-again.log", 4)) {
                int secondBefore = uploadsBy(second);
                await().atMost(STARTUP).until(() -> uploadsBy(second) > secondBefore);
                second.close(); // SIGKILL: its connection closes, and NATS stops giving it frames
                second.awaitExit(STARTUP);
                int firstBefore = uploadsBy(first);
                // 10 more frames (2 s of video): NATS stops routing to a connection as soon as it closes
                await().atMost(STARTUP).until(() -> uploadsBy(first) >= firstBefore + 10);
            }
            first.stopCleanly(STARTUP);
        }
    }

    @Test
    void twoGroupsEachGetEveryFrame() throws Exception {
        try (UploadServer archive = new UploadServer();
                RunningCommand uploader = uploader("uploader_1", "--group-id", "uploaders");
                RunningCommand archiver = Distribution.start(dir.resolve("archiver.log"), env(), "msight_launch_http",
                        "-st", "rtsp_topic", "-n", "archiver", "--url", archive.url(), "--group-id", "archivers")) {
            archiver.awaitOutput("started 1 node", STARTUP);
            try (RunningCommand rtsp = receiver("rtsp.log", 4)) {
                await().atMost(STARTUP).until(() -> server.uploads().size() >= 3 && archive.uploads().size() >= 3);
                rtsp.stopCleanly(STARTUP);
                long published = published(rtsp);
                await().atMost(STARTUP).until(() -> server.uploads().size() >= published
                        && archive.uploads().size() >= published);
                assertThat(frameIds()).hasSize((int) published).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(archive.uploads().stream()
                                .map(upload -> upload.body().get("frame_id").asLong()).toList());
            }
        }
    }

    @Test
    void anUnreachableNatsServerAtStartIsOneClearLineAndExitTwo() throws Exception {
        nats.stop();
        try (RunningCommand http = Distribution.start(dir.resolve("http.log"), env(), "msight_launch_http", "-st",
                "rtsp_topic", "-n", "http_uploader_node", "--url", server.url())) {
            assertThat(http.awaitExit(STARTUP)).isEqualTo(2);
            assertThat(http.output()).contains("bus 'nats': NATS unreachable at " + nats.url())
                    .contains("MSIGHT_NATS_SERVERS").doesNotContain("\tat ");
        }
        Map<String, String> unknown = new HashMap<>(env());
        unknown.put("MSIGHT_PUBSUB_BACKEND", "rabbitmq");
        try (RunningCommand http = Distribution.start(dir.resolve("unknown.log"), unknown, "msight_launch_http", "-st",
                "rtsp_topic", "-n", "http_uploader_node", "--url", server.url())) {
            assertThat(http.awaitExit(STARTUP)).isEqualTo(2);
            assertThat(http.output()).contains("MSIGHT_PUBSUB_BACKEND='rabbitmq' is not a pub/sub backend; use redis,"
                    + " nats, kafka");
        }
    }
}

package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Closeables;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.Waits;

/**
 * The two commands of MSight's HTTP upload tutorial, unchanged but for the addresses, as two
 * processes sharing a real Redis: a real RTSP server feeds the receiver, a real HTTP server
 * receives the uploads.
 */
class MsightTutorialIT {

    private static final Duration STARTUP = Waits.GENEROUS;

    @TempDir
    Path dir;

    private RedisTestServer redis;
    private RtspTestServer camera;
    private UploadServer server;

    @BeforeEach
    void startServers() throws Exception {
        redis = new RedisTestServer().start();
        camera = RtspTestServer.start();
        server = new UploadServer();
    }

    @AfterEach
    void stopServers() {
        Closeables.closeAll(server, camera, redis);
    }

    private Map<String, String> env() {
        return Map.of("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1",
                "MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()),
                "MSIGHT_EDGE_DEVICE_NAME", "edge-it");
    }

    private RunningCommand receiver() throws Exception {
        return Distribution.start(dir.resolve("rtsp.log"), env(), "msight_launch_rtsp", "-n", "rtsp_node",
                "-pt", "rtsp_topic", "--sensor-name", "rtsp_sensor", "-u", camera.url(), "-g", "0",
                "--rtsp-transport", "tcp");
    }

    private RunningCommand uploader(String log) throws Exception {
        return uploader(log, server.url());
    }

    private RunningCommand uploader(String log, String url) throws Exception {
        return Distribution.start(dir.resolve(log), env(), "msight_launch_http", "-st", "rtsp_topic", "-n",
                "http_uploader_node", "-g", "9", "-w", "0", "--partition-key-mode", "random", "--url", url);
    }

    private String status() throws Exception {
        try (RunningCommand status = Distribution.start(dir.resolve("status.log"), env(), "msight", "status")) {
            assertThat(status.awaitExit(STARTUP)).isZero();
            return status.output();
        }
    }

    /** The nodes part of msight status (topics stay registered: other nodes may use them). */
    private String registeredNodes() throws Exception {
        String status = status();
        return status.substring(0, status.indexOf("Topics:"));
    }

    @Test
    void theTutorialRunsAsTwoProcessesAndSurvivesARedisRestart() throws Exception {
        try (RunningCommand rtsp = receiver(); RunningCommand http = uploader("http.log")) {
            await().atMost(STARTUP).until(() -> server.uploads().size() >= 3);
            checkUpload(server.uploads().get(0));
            http.awaitOutput(" - edge-it - http_uploader_node - INFO :: Sending data to " + server.url()
                    + "... waiting for response", STARTUP);
            http.awaitOutput(" - edge-it - http_uploader_node - INFO :: Status: 200, {\"status_code\": \"ok\"", STARTUP);

            String status = status();
            assertThat(status).containsPattern("rtsp_node +rtsp_topic +- +RTSPSourceNode .* RUNNING\n")
                    .containsPattern("http_uploader_node +- +rtsp_topic +HttpSinkNode .* RUNNING\n")
                    // whichever registers the topic first writes it, as MSight: the receiver ImageData, the uploader SensorData
                    .containsPattern("rtsp_topic +msight_core.data.(image.ImageData|base.SensorData)");

            try (RunningCommand duplicate = uploader("duplicate.log")) {
                assertThat(duplicate.awaitExit(STARTUP)).isEqualTo(2);
                assertThat(duplicate.output()).contains("'http_uploader_node' is already running").doesNotContain("\tat ");
            }

            redis.stop();
            rtsp.awaitOutput("Redis unreachable at", STARTUP);
            http.awaitOutput("Redis unreachable at", STARTUP);
            redis.start();
            int before = server.uploads().size();
            await().atMost(STARTUP).until(() -> server.uploads().size() >= before + 3);
            rtsp.awaitOutput("Redis connection restored after", STARTUP);

            http.stopCleanly(STARTUP);
            assertThat(registeredNodes()).doesNotContain("http_uploader_node").contains("rtsp_node");
            rtsp.stopCleanly(STARTUP);
            assertThat(registeredNodes()).doesNotContain("rtsp_node");
            // frames published while Redis was down are counted as lost in the receiver's totals
            assertThat(rtsp.output()).containsPattern(" - rtsp_node - INFO :: totals: in \\d+, out \\d+, errors 0, .*lost [1-9]");
        }
    }

    /**
     * README's step 3: the repository's stand-in for the tutorial's server, run by Debian's Python
     * as a user would, answers the uploader as MSight's does and saves the camera's JPEG frames.
     */
    @Test
    void theReadmesTutorialServerAnswersTheUploaderAndSavesTheFrames() throws Exception {
        int port = FreePorts.next();
        Path script = Distribution.home().getParent().getParent().resolve("scripts/tutorial_http_server.py");
        Path serverDir = Files.createDirectories(dir.resolve("server"));
        Path serverLog = serverDir.resolve("server.log");
        Process python = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(port))
                .directory(serverDir.toFile()).redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        try (RunningCommand tutorialServer = new RunningCommand(python, serverLog)) {
            tutorialServer.awaitOutput("Serving on http://127.0.0.1:" + port + "/", STARTUP);
            try (RunningCommand rtsp = receiver(); RunningCommand http = uploader("http.log", "http://localhost:" + port)) {
                http.awaitOutput(" - http_uploader_node - INFO :: Status: 200, {\"status_code\": \"ok\", \"text\":"
                        + " \"Server received ", STARTUP);
                byte[] saved = Files.readAllBytes(serverDir.resolve("received_images/received_image_0.jpg"));
                assertThat(saved).startsWith((byte) 0xFF, (byte) 0xD8).endsWith((byte) 0xFF, (byte) 0xD9);
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(saved));
                assertThat(List.of(image.getWidth(), image.getHeight())).containsExactly(1280, 720);
                http.stopCleanly(STARTUP);
                assertThat(http.output()).containsPattern(" - http_uploader_node - INFO :: totals: in \\d+, out [1-9]");
                rtsp.stopCleanly(STARTUP);
            }
        }
    }

    /** One upload of the tutorial: MSight's JSON of one 1280x720 camera frame, with MSight's headers. */
    static void checkUpload(UploadServer.Upload upload) throws Exception {
        assertThat(upload.contentType()).isEqualTo("application/json");
        assertThat(upload.partitionKey()).matches("\\d{10}\\.\\d+");
        assertThat(upload.query()).isEqualTo("partition_key=" + upload.partitionKey());
        JsonNode body = upload.body();
        assertThat(List.of(body.fieldNames().next(), body.size())).containsExactly("data_type", 10);
        assertThat(body.get("data_type").asText()).isEqualTo("msight_core.data.image.ImageData");
        assertThat(body.get("sensor_name").asText()).isEqualTo("rtsp_sensor");
        assertThat(body.get("device_name").asText()).isEqualTo("edge-it");
        assertThat(body.get("is_encoded").asBoolean()).isTrue();
        assertThat(body.get("detection_results").isNull()).isTrue();
        assertThat(body.get("size").toString()).isEqualTo("[720,1280,3]");
        assertThat(body.get("capture_timestamp").asDouble()).isLessThanOrEqualTo(body.get("creation_timestamp").asDouble());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(body.get("image").asText())));
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(720);
    }

    @Test
    void aRedisWithAPasswordWorksWhenGivenAndOtherwiseSaysSoForLaunchersAndPipelineFiles() throws Exception {
        redis.close();
        redis = RedisTestServer.withPassword("s3cret-pw").start();
        try (RunningCommand http = uploader("nopassword.log")) {
            assertThat(http.awaitExit(STARTUP)).isEqualTo(2);
            assertThat(http.output()).contains("requires a password").contains("MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD")
                    .doesNotContain("\tat ");
        }
        Map<String, String> withPassword = new java.util.HashMap<>(env());
        withPassword.put("MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD", "s3cret-pw");
        // the uploader as one node of a pipeline file: msight-run shares the Redis with the launcher
        Path uploaderFile = java.nio.file.Files.writeString(dir.resolve("uploader.conf"), """
                msight { bus = redis, http.enabled = false }
                nodes.http_uploader_node { type = http-uploader, subscribe-topic = rtsp_topic, gap = 9, url = "%s" }
                """.formatted(server.url()));
        try (RunningCommand rtsp = Distribution.start(dir.resolve("rtsp.log"), withPassword, "msight_launch_rtsp",
                "-n", "rtsp_node", "-pt", "rtsp_topic", "-sn", "rtsp_sensor", "-u", camera.url());
                RunningCommand http = Distribution.start(dir.resolve("http.log"), withPassword, "msight-run",
                        uploaderFile.toString())) {
            await().atMost(STARTUP).until(() -> server.uploads().size() >= 2);
            assertThat(rtsp.output() + http.output()).doesNotContain("s3cret-pw");
            http.stopCleanly(STARTUP);
            rtsp.stopCleanly(STARTUP);
        }
    }

    @Test
    void launchersExplainTheirFlagsAndRefuseWrongOnes() throws Exception {
        try (RunningCommand help = Distribution.start(dir.resolve("help.log"), env(), "msight_launch_http", "--help")) {
            assertThat(help.awaitExit(STARTUP)).isZero();
            assertThat(help.output()).contains("-st, --subscribe-topic", "-n, --name", "-g, --gap", "-w, --wait",
                    "--partition-key-mode", "--shards", "--heartbeat-update-interval", "--action-on-error", "--group-id");
        }
        try (RunningCommand wrong = Distribution.start(dir.resolve("wrong.log"), env(), "msight_launch_rtsp", "-n", "x",
                "-pt", "t", "-sn", "s", "-u", camera.url(), "--rtsp-transprt", "udp")) {
            assertThat(wrong.awaitExit(STARTUP)).isEqualTo(2);
            assertThat(wrong.output()).contains("error: Unknown option: '--rtsp-transprt' (the values given are not shown)")
                    .contains("--rtsp-transport");
        }
    }
}

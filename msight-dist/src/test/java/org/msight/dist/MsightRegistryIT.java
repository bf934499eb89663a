package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.codec.PythonFloats;
import org.msight.testkit.Closeables;
import org.msight.testkit.RedisTestServer;
import redis.clients.jedis.Jedis;

/**
 * The node registry shared with Python MSight nodes, through the distribution's commands: MSight's
 * entries are written into a real Redis byte for byte as MSight writes them, and MSight's monitor
 * rule (its own field must be there) is checked after the Java nodes stop.
 */
class MsightRegistryIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** An idle Python uploader: MSight refreshes the heartbeat only as messages flow, so it is old. */
    private static final String PYTHON_UPLOADER = "{\"name\": \"py_uploader\", \"device\": \"edge-py\", "
            + "\"publish_topic\": null, \"subscribe_topic\": \"rtsp_topic\", \"type\": \"HttpSinkNode\", "
            + "\"last_heartbeat\": 1763353393.866798, \"status\": \"RUNNING\"}";
    private static final String PYTHON_TOPIC = "{\"name\": \"rtsp_topic\", \"description\": \"\", "
            + "\"data_type\": \"msight_core.data.base.SensorData\"}";

    @TempDir
    Path dir;

    private RedisTestServer redis;
    private Jedis raw;
    private UploadServer server;

    @BeforeEach
    void start() throws Exception {
        redis = new RedisTestServer().start();
        raw = new Jedis("127.0.0.1", redis.port());
        server = new UploadServer();
    }

    @AfterEach
    void stop() {
        Closeables.closeAll(server, raw, redis);
    }

    private Map<String, String> env() {
        return Map.of("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1",
                "MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()),
                "MSIGHT_EDGE_DEVICE_NAME", "edge-it");
    }

    private RunningCommand uploader(String name, String log, String... more) throws Exception {
        String[] args = new String[more.length + 6];
        System.arraycopy(new String[] {"-st", "rtsp_topic", "-n", name, "--url", server.url()}, 0, args, 0, 6);
        System.arraycopy(more, 0, args, 6, more.length);
        return Distribution.start(dir.resolve(log), env(), "msight_launch_http", args);
    }

    private JsonNode status() throws Exception {
        try (RunningCommand status = Distribution.start(dir.resolve("status.log"), env(), "msight_status", "--json")) {
            assertThat(status.awaitExit(LIMIT)).isZero();
            return new ObjectMapper().readTree(status.output());
        }
    }

    private JsonNode node(JsonNode status, String name) {
        for (JsonNode node : status.get("nodes")) {
            if (node.get("name").asText().equals(name)) {
                return node;
            }
        }
        return null;
    }

    @Test
    void anIdlePythonUploaderKeepsItsNameItsEntryAndItsTopic() throws Exception {
        raw.hset("MSIGHT:NODES", "py_uploader", PYTHON_UPLOADER);
        raw.hset("MSIGHT:TOPICS", "rtsp_topic", PYTHON_TOPIC);
        try (RunningCommand refused = uploader("py_uploader", "refused.log")) {
            assertThat(refused.awaitExit(LIMIT)).isEqualTo(2);
            assertThat(refused.output()).contains("A node named 'py_uploader' is registered by another program")
                    .contains("--take-over").doesNotContain("\tat ");
        }
        // MSight's sink defaults (tolerance -1) and MSight's iteration count are accepted
        try (RunningCommand java = uploader("java_uploader", "java.log", "--heartbeat-tolerance", "-1",
                "--heartbeat-update-interval", "10", "--logging-level", "WARNING")) {
            await().atMost(LIMIT).until(() -> raw.hget("MSIGHT:NODES", "java_uploader") != null
                    && raw.hget("MSIGHT:NODES", "java_uploader").contains("\"status\": \"RUNNING\""));
            assertThat(raw.hget("MSIGHT:NODES", "java_uploader")).startsWith("{\"name\": \"java_uploader\", \"device\":"
                    + " \"edge-it\", \"publish_topic\": null, \"subscribe_topic\": \"rtsp_topic\", \"type\":"
                    + " \"HttpSinkNode\", \"last_heartbeat\": ");
            JsonNode python = node(status(), "py_uploader");
            assertThat(python.get("stale").asBoolean()).isTrue();
            assertThat(python.get("this_runtime").asBoolean()).isFalse();

            try (RunningCommand reset = Distribution.start(dir.resolve("reset.log"), env(), "msight_reset_redis")) {
                assertThat(reset.awaitExit(LIMIT)).isZero();
            }
            await().atMost(LIMIT).until(() -> raw.hexists("MSIGHT:NODES", "java_uploader")
                    && raw.hexists("MSIGHT:TOPICS", "rtsp_topic"));
            assertThat(raw.hget("MSIGHT:TOPICS", "rtsp_topic")).contains("\"data_type\": \"msight_core.data.base.SensorData\"");
            raw.hset("MSIGHT:NODES", "py_uploader", PYTHON_UPLOADER);
            java.stopCleanly(LIMIT);
        }
        assertThat(raw.hget("MSIGHT:NODES", "py_uploader")).isEqualTo(PYTHON_UPLOADER);
        assertThat(raw.hexists("MSIGHT:NODES", "java_uploader")).isFalse();
    }

    @Test
    void aKilledNodeShowsAsStaleAndItsNameIsTakenOverOnlyOnceItIsStale() throws Exception {
        Path pipeline = Files.writeString(dir.resolve("uploader.conf"), """
                msight { bus = redis, http.enabled = false
                         registry.heartbeat { update-interval = 500ms, stale-after = 30s } }
                nodes.up { type = http-uploader, subscribe-topic = rtsp_topic, url = "%s" }
                """.formatted(server.url()));
        try (RunningCommand first = Distribution.start(dir.resolve("first.log"), env(), "msight-run",
                pipeline.toString())) {
            first.awaitOutput("started 1 node", LIMIT);
            try (RunningCommand second = Distribution.start(dir.resolve("second.log"), env(), "msight-run",
                    pipeline.toString())) {
                assertThat(second.awaitExit(LIMIT)).isEqualTo(2);
                assertThat(second.output()).contains("A node named 'up' is already running");
            }
            first.kill(LIMIT);
        }
        assertThat(node(status(), "up").get("state").asText()).isEqualTo("RUNNING");
        // its heartbeat 31 s old, past stale-after: long enough that no stall of a live node reaches it
        raw.hset("MSIGHT:NODES", "up", raw.hget("MSIGHT:NODES", "up").replaceFirst("\"last_heartbeat\": [0-9.]+",
                "\"last_heartbeat\": " + (System.currentTimeMillis() / 1000.0 - 31)));
        assertThat(node(status(), "up").get("stale").asBoolean()).isTrue();
        try (RunningCommand third = Distribution.start(dir.resolve("third.log"), env(), "msight-run",
                pipeline.toString())) {
            third.awaitOutput("takes over its name from a stale entry of this runtime", LIMIT);
            await().atMost(LIMIT).pollInterval(Duration.ofSeconds(1))
                    .until(() -> !node(status(), "up").get("stale").asBoolean());
            third.stopCleanly(LIMIT);
        }
        assertThat(raw.hexists("MSIGHT:NODES", "up")).isFalse();
    }

    /** A Python camera's entry with this status, its heartbeat {@code age} seconds old now, as MSight writes it. */
    private static String pythonCamera(double age, String status) {
        return "{\"name\": \"py_camera\", \"device\": \"edge-py\", \"publish_topic\": \"rtsp_topic\","
                + " \"subscribe_topic\": null, \"type\": \"RTSPSourceNode\", \"last_heartbeat\": "
                + PythonFloats.repr(System.currentTimeMillis() / 1000.0 - age) + ", \"status\": \"" + status + "\"}";
    }

    /**
     * A Python source's entry proves nothing by its age or status (with action_on_error=continue it
     * writes ERROR and runs on with an old heartbeat through a camera outage): refused, young or
     * old, and left as it was.
     */
    @Test
    void aPythonSourcesNameIsRefusedWhateverItsAgeAndStatus() throws Exception {
        Path pipeline = Files.writeString(dir.resolve("camera.conf"), """
                msight { bus = redis, http.enabled = false }
                nodes.py_camera { type = rtsp-receiver, url = testsrc2, format = lavfi, publish-topic = rtsp_topic }
                """);
        for (String entry : new String[] {pythonCamera(30, "RUNNING"), pythonCamera(300, "ERROR")}) {
            raw.hset("MSIGHT:NODES", "py_camera", entry);
            try (RunningCommand refused = Distribution.start(dir.resolve("refused.log"), env(), "msight-run",
                    pipeline.toString())) {
                assertThat(refused.awaitExit(LIMIT)).isEqualTo(2);
                assertThat(refused.output()).contains("A node named 'py_camera' is registered by another program");
            }
            assertThat(raw.hget("MSIGHT:NODES", "py_camera")).isEqualTo(entry);
        }
    }
}

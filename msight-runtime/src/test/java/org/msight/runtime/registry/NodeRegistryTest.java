package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.msight.redis.RedisTests.await;
import static org.msight.redis.RedisTests.withDefaultLocale;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.runtime.registry.HeartbeatSettings.ActionOnError;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisTestServer;
import redis.clients.jedis.Jedis;

class NodeRegistryTest {

    private static final HeartbeatSettings QUICK = new HeartbeatSettings(Duration.ofMillis(100),
            Duration.ofSeconds(2), Duration.ofMillis(400), ActionOnError.CONTINUE);
    private static final NodeRecord RTSP = NodeRecord.of("rtsp_node", "edge-01", "rtsp_topic", null, "rtsp-receiver");
    private static final List<TopicRecord> RTSP_TOPICS = List.of(new TopicRecord("rtsp_topic", "camera frames",
            ImageData.TAG));
    private static final String NODE_JSON = "\\{\"name\":\"rtsp_node\",\"device\":\"edge-01\","
            + "\"publish_topic\":\"rtsp_topic\",\"subscribe_topic\":null,\"type\":\"rtsp-receiver\","
            + "\"last_heartbeat\":[0-9]{10}\\.[0-9]+,\"status\":\"%s\"}";

    private RedisTestServer server;
    private RedisSettings settings;
    private Jedis raw;
    private final List<NodeRegistry> registries = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRedis() {
        server = new RedisTestServer().start();
        settings = RedisTests.settings(server.port(), null);
        raw = settings.connect(settings.socketTimeout());
    }

    @AfterEach
    void stopRedis() {
        registries.forEach(NodeRegistry::close);
        raw.close();
        server.stop();
    }

    private NodeRegistry open(HeartbeatSettings heartbeat) {
        NodeRegistry registry = NodeRegistry.open(settings, heartbeat);
        registries.add(registry);
        return registry;
    }

    private static void ignore(String error) {
    }

    @Test
    void entriesHaveMsightsFieldsAndTheHeartbeatAdvances() {
        NodeRegistry registry = open(QUICK);
        double before = Metadata.now();
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "REGISTERED"));
        assertThat(raw.hget(NodeRegistry.TOPICS, "rtsp_topic"))
                .isEqualTo("{\"name\":\"rtsp_topic\",\"description\":\"camera frames\","
                        + "\"data_type\":\"msight_core.data.image.ImageData\"}");

        registry.status("rtsp_node", NodeStatus.RUNNING);
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "RUNNING"));
        NodeRecord first = registry.nodes().get(0);
        assertThat(first.lastHeartbeat()).isGreaterThanOrEqualTo(before);
        await("the heartbeat to advance", () -> registry.nodes().get(0).lastHeartbeat() > first.lastHeartbeat());
        assertThat(registry.nodes()).singleElement().satisfies(node -> {
            assertThat(node.name()).isEqualTo("rtsp_node");
            assertThat(node.status()).isEqualTo(NodeStatus.RUNNING);
        });
        assertThat(registry.topics()).containsExactly(RTSP_TOPICS.get(0));
    }

    @Test
    void aLiveNodeOfTheSameNameIsRefusedAndAStoppedOneRemovesItsEntry() throws Throwable {
        NodeRegistry first = open(QUICK);
        first.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        NodeRegistry second = open(QUICK); // another process
        withDefaultLocale(Locale.GERMANY, () -> assertThatThrownBy(() -> second.register(RTSP, RTSP_TOPICS,
                NodeRegistryTest::ignore)).isInstanceOf(DuplicateNodeException.class)
                .hasMessageStartingWith("A node named 'rtsp_node' is already running (device edge-01, status REGISTERED")
                .hasMessageMatching(".* last heartbeat [0-9]+\\.[0-9] s ago\\): stop it, or give this node another name"));

        first.remove("rtsp_node");
        assertThat(raw.hexists(NodeRegistry.NODES, "rtsp_node")).isFalse();
        assertThat(raw.hexists(NodeRegistry.TOPICS, "rtsp_topic")).isTrue();
        second.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        second.close();
        assertThat(raw.hexists(NodeRegistry.NODES, "rtsp_node")).as("close removes what is left").isFalse();
    }

    @Test
    void aDeadOrStoppedEntryIsTakenOver() {
        double old = Metadata.now() - 60;
        // as Python MSight writes it: json.dumps separators, extra fields
        raw.hset(NodeRegistry.NODES, "rtsp_node", "{\"name\": \"rtsp_node\", \"device\": \"edge-02\", \"publish_topic\":"
                + " \"rtsp_topic\", \"subscribe_topic\": null, \"type\": \"RTSPSourceNode\", \"last_heartbeat\": " + old
                + ", \"status\": \"RUNNING\", \"pid\": 4242}");
        NodeRegistry registry = open(QUICK);
        assertThat(registry.nodes()).singleElement().isEqualTo(new NodeRecord("rtsp_node", "edge-02", "rtsp_topic",
                null, "RTSPSourceNode", old, NodeStatus.RUNNING));
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        assertThat(registry.nodes()).singleElement().extracting(NodeRecord::device).isEqualTo("edge-01");

        raw.hset(NodeRegistry.NODES, "stopped_node", "{\"name\": \"stopped_node\", \"last_heartbeat\": "
                + Metadata.now() + ", \"status\": \"STOPPED\"}");
        registry.register(NodeRecord.of("stopped_node", "edge-01", null, "rtsp_topic", "http-uploader"), List.of(),
                NodeRegistryTest::ignore);
    }

    @Test
    void entriesComeBackAfterRedisRestartsEmpty() throws Throwable {
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        try (LogCapture log = LogCapture.of(NodeRegistry.class)) {
            withDefaultLocale(Locale.GERMANY, () -> {
                raw.close();
                server.stop();
                server.start();
                raw = settings.connect(settings.socketTimeout());
                await("the entry to come back", () -> raw.hexists(NodeRegistry.NODES, "rtsp_node"));
                await("the topic to come back", () -> raw.hexists(NodeRegistry.TOPICS, "rtsp_topic"));
                // logged by the heartbeat thread after the entries are written back
                log.awaitMatching("Heartbeat restored after [0-9]+\\.[0-9] s");
            });
        }
    }

    @Test
    void aFailingHeartbeatStopsTheNodesWhenTheActionIsStop() {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofSeconds(2),
                Duration.ofMillis(300), ActionOnError.STOP));
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        raw.close();
        server.stop();
        await("the error handler", () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().startsWith("heartbeat failing for 0.3 s: Redis unreachable at");
    }

    @Test
    void resetDeletesMsightKeysOnly() {
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        raw.set("other", "kept");
        assertThat(registry.reset()).isEqualTo(2);
        assertThat(raw.keys("*")).containsExactly("other");
    }

    @Test
    void anUnreachableRedisIsOneClearLine() {
        raw.close();
        server.stop();
        assertThatThrownBy(() -> NodeRegistry.open(settings, QUICK)).isInstanceOf(RedisAccessException.class)
                .hasMessageStartingWith("Redis unreachable at 127.0.0.1:" + server.port() + " (");
    }
}

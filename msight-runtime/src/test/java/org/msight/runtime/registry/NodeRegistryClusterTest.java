package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.msight.redis.RedisTests.await;
import static org.msight.runtime.registry.NodeRegistryTest.HTTP;
import static org.msight.runtime.registry.NodeRegistryTest.QUICK;
import static org.msight.runtime.registry.NodeRegistryTest.RTSP;
import static org.msight.runtime.registry.NodeRegistryTest.RTSP_TOPICS;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.Metadata;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.cli.Commands;
import org.msight.runtime.cli.Msight;
import org.msight.testkit.RedisClusterTestServer;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The node registry, {@code msight status} and {@code msight reset-redis} on a real three-node
 * Redis Cluster, where {@code MSIGHT:NODES} and {@code MSIGHT:TOPICS} live on different nodes.
 */
class NodeRegistryClusterTest {

    private static RedisClusterTestServer cluster;
    private static RedisSettings settings;
    private static UnifiedJedis raw;
    private NodeRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() {
        cluster = new RedisClusterTestServer().start();
        settings = RedisTests.clusterSettings(cluster.ports());
        raw = settings.client(settings.socketTimeout());
    }

    @AfterAll
    static void stopCluster() {
        raw.close();
        cluster.close();
    }

    @BeforeEach
    void open() {
        registry = NodeRegistry.open(settings, QUICK);
        registry.reset();
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void theTwoHashesAreOnDifferentNodes() {
        int nodes = JedisClusterCRC16.getSlot(NodeRegistry.NODES) * 3 / 16384;
        int topics = JedisClusterCRC16.getSlot(NodeRegistry.TOPICS) * 3 / 16384;
        assertThat(nodes).as("redis-cli gives each of three masters a third of the slots").isNotEqualTo(topics);
    }

    @Test
    void registerHeartbeatStatusAndRemoveWriteMsightsBytes() {
        NodeRegistryTest.registerAndRunRtsp(registry, raw);
        double first = registry.nodes().get(0).lastHeartbeat();
        await("the heartbeat to advance", () -> registry.nodes().get(0).lastHeartbeat() > first);
        raw.hdel(NodeRegistry.TOPICS, "rtsp_topic");
        await("the heartbeat to add the missing topic", () -> raw.hexists(NodeRegistry.TOPICS, "rtsp_topic"));

        registry.remove("rtsp_node");
        assertThat(raw.hexists(NodeRegistry.NODES, "rtsp_node")).isFalse();
        assertThat(raw.hexists(NodeRegistry.TOPICS, "rtsp_topic")).as("topics stay").isTrue();
    }

    @Test
    void aHeldNameIsRefusedAndNothingIsWritten() {
        String pythonUploader = NodeRegistryTest.pythonUploader(Metadata.now() - 30, "RUNNING");
        raw.hset(NodeRegistry.NODES, "http_uploader_node", pythonUploader);
        assertThatThrownBy(() -> registry.register(HTTP, List.of(new TopicRecord("other_topic", "subscribed",
                "msight_core.data.base.SensorData")), NodeRegistryTest::ignore))
                .isInstanceOf(DuplicateNodeException.class);
        assertThat(raw.hget(NodeRegistry.NODES, "http_uploader_node")).isEqualTo(pythonUploader);
        assertThat(raw.hexists(NodeRegistry.TOPICS, "other_topic")).isFalse();

        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        try (NodeRegistry other = NodeRegistry.open(settings, QUICK)) { // another process
            assertThatThrownBy(() -> other.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore))
                    .isInstanceOf(DuplicateNodeException.class);
        }
    }

    @Test
    void msightStatusAndResetRedisWorkOnTheCluster() throws Exception {
        // a heartbeat no test waits for: no beat writes the hashes back while reset-redis deletes them
        registry.close();
        registry = NodeRegistry.open(settings, new HeartbeatSettings(Duration.ofHours(1), Duration.ofHours(3),
                Duration.ofHours(1), Duration.ofHours(3), HeartbeatSettings.ActionOnError.STOP));
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        raw.set("MSIGHT:OTHER", "x"); // a third slot
        raw.set("other", "kept");
        Path file = TestPipelines.write(dir, "p.conf", "msight.redis.cluster { enabled = true, nodes = \""
                + cluster.ports().stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","))
                + "\" }\nnodes { src { type = test-sequence, publish-topic = t } }\n");

        Commands.Result status = Commands.run(new Msight(), "status", "--config", file.toString());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("rtsp_node +rtsp_topic +- +RTSPSourceNode")
                .containsPattern("rtsp_topic +msight_core.data.image.ImageData +camera frames");

        Commands.Result reset = Commands.run(new Msight(), "reset-redis", "--config", file.toString());
        assertThat(reset.exitCode()).as(reset.err()).isZero();
        assertThat(reset.out()).isEqualTo("deleted 3 MSIGHT* keys\n");
        assertThat(raw.exists(NodeRegistry.NODES) || raw.exists(NodeRegistry.TOPICS) || raw.exists("MSIGHT:OTHER"))
                .isFalse();
        assertThat(raw.get("other")).isEqualTo("kept");
    }

    @Test
    void resetRedisDeletesEveryKeyAfterAReplicaTookOverFromAStoppedMaster() throws Exception {
        try (RedisClusterTestServer replicated = RedisClusterTestServer.withReplicas().start()) {
            RedisSettings replicatedSettings = RedisTests.clusterSettings(replicated.ports());
            List<String> keys = RedisClusterTestServer.KEYS_ON_EVERY_MASTER;
            try (UnifiedJedis client = replicatedSettings.client(replicatedSettings.socketTimeout())) {
                keys.forEach(key -> client.set(key, "x"));
                client.set("other", "kept");
                assertThat(keys.stream().map(key -> JedisClusterCRC16.getSlot(key) * 3 / 16384).distinct())
                        .as("keys on every master").hasSize(3);
            }
            replicated.failOver(0);
            Path file = TestPipelines.write(dir, "p.conf", "msight.redis.cluster { enabled = true, nodes = \""
                    + replicated.ports().stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","))
                    + "\" }\nnodes { src { type = test-sequence, publish-topic = t } }\n");

            Commands.Result reset = Commands.run(new Msight(), "reset-redis", "--config", file.toString());

            assertThat(reset.exitCode()).as(reset.err()).isZero();
            assertThat(reset.out()).isEqualTo("deleted 5 MSIGHT* keys\n");
            try (UnifiedJedis client = replicatedSettings.client(replicatedSettings.socketTimeout())) {
                assertThat(keys).noneMatch(client::exists);
                assertThat(client.get("other")).isEqualTo("kept");
            }
        }
    }
}

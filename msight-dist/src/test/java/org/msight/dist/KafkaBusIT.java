package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Closeables;
import org.msight.testkit.FreePorts;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.Waits;

/**
 * MSight's launchers on the kafka bus ({@code MSIGHT_PUBSUB_BACKEND=kafka}), as separate
 * processes sharing one real broker (and one Redis for the node registry, as MSight keeps it):
 * the tutorial, uploaders load-balanced in a consumer group, a group member killed and restarted,
 * the broker killed and restarted. Frames are told apart by their frame id at the HTTP servers.
 */
class KafkaBusIT {

    /** Joining a group and rebalancing take a loaded 2-core machine tens of seconds. */
    private static final Duration GROUP = Waits.GENEROUS.multipliedBy(3);
    private static final Pattern TOTALS = Pattern.compile(" - rtsp_node - INFO :: totals: in \\d+, out (\\d+)");

    private static KafkaTestServer kafka;
    private static RedisTestServer redis;
    private static RtspTestServer camera;

    /** Kept when a test fails, with the processes' logs, for whoever reads the failure. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<UploadServer> servers = new ArrayList<>();
    private final String topic = "frames-" + UUID.randomUUID();

    @BeforeAll
    static void startServers() {
        kafka = new KafkaTestServer().start();
        redis = new RedisTestServer().start();
        camera = RtspTestServer.start();
    }

    @AfterAll
    static void stopServers() {
        Closeables.closeAll(camera, redis, kafka);
    }

    @BeforeEach
    void brokerRuns() {
        if (!kafka.running()) { // a test killed it
            kafka.start();
        }
    }

    @AfterEach
    void stopUploadServers() {
        servers.forEach(UploadServer::close);
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("MSIGHT_PUBSUB_BACKEND", "kafka");
        env.put("MSIGHT_KAFKA_SERVERS", "['" + kafka.bootstrapServers() + "']");
        env.put("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1");
        env.put("MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()));
        env.put("MSIGHT_EDGE_DEVICE_NAME", "edge-it");
        return env;
    }

    private UploadServer server() throws Exception {
        UploadServer server = new UploadServer();
        servers.add(server);
        return server;
    }

    private RunningCommand receiver() throws Exception {
        return Distribution.start(dir.resolve("rtsp.log"), env(), "msight_launch_rtsp", "-n", "rtsp_node", "-pt", topic,
                "--sensor-name", "rtsp_sensor", "-u", camera.url(), "-g", "0", "--rtsp-transport", "tcp");
    }

    /** An uploader of every frame (gap 0) in {@code group}, to {@code server}; ready once it has partitions. */
    private RunningCommand uploader(String name, String group, UploadServer server) throws Exception {
        return Distribution.start(dir.resolve(name + ".log"), env(), "msight_launch_http", "-st", topic, "-n", name,
                "-g", "0", "--group-id", group, "--url", server.url());
    }

    /** Waits until {@code group} has committed an offset on both partitions of the topic. */
    private void awaitCommittedOnEveryPartition(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            await().atMost(GROUP).until(() -> admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get().keySet().stream().filter(partition -> partition.topic().equals(topic)).count() == 2);
        }
    }

    /** {@code uploader} once it has joined its group and has partitions; killed when it does not. */
    private static RunningCommand withPartitions(RunningCommand uploader) {
        try {
            awaitPartitions(uploader, "[");
            return uploader;
        } catch (RuntimeException | AssertionError e) {
            uploader.close();
            throw e;
        }
    }

    private static void awaitPartitions(RunningCommand uploader, String partitions) {
        uploader.awaitOutput("rebalanced: consumes partitions " + partitions, GROUP);
    }

    private static List<Long> frameIds(UploadServer server) {
        return server.uploads().stream().map(upload -> upload.body().get("frame_id").asLong()).toList();
    }

    /** The receiver stopped by SIGTERM, and the frames it published by its totals line. */
    private static int stopReceiver(RunningCommand rtsp) throws Exception {
        rtsp.stopCleanly(GROUP);
        Matcher totals = TOTALS.matcher(rtsp.output());
        assertThat(totals.find()).as("totals line in:\n" + rtsp.output()).isTrue();
        return Integer.parseInt(totals.group(1));
    }

    @Test
    void theTutorialRunsOnKafka() throws Exception {
        UploadServer server = server();
        try (RunningCommand rtsp = receiver();
                RunningCommand http = Distribution.start(dir.resolve("http.log"), env(), "msight_launch_http", "-st",
                        topic, "-n", "http_uploader_node", "-g", "9", "-w", "0", "--partition-key-mode", "random",
                        "--url", server.url())) {
            await().atMost(GROUP).until(() -> server.uploads().size() >= 3);
            MsightTutorialIT.checkUpload(server.uploads().get(0));
            http.awaitOutput("Kafka group 'http_uploader_node_group' on topic '" + topic
                    + "' rebalanced: consumes partitions [0, 1]", GROUP);
            http.stopCleanly(GROUP);
            stopReceiver(rtsp);
        }
    }

    /**
     * Two uploaders in one group share the frames, each frame uploaded once; a witness in another
     * group gets every frame. One uploader killed with SIGKILL: the other takes its partition over
     * (how long it took is printed); restarted, it takes part again, and no frame published while
     * the group had committed it is missing (at-least-once).
     */
    @Test
    void uploadersInOneGroupShareTheFramesAndSurviveAKill() throws Exception {
        UploadServer witnessServer = server();
        UploadServer first = server();
        UploadServer second = server();
        // one after the other: three JVMs starting at once keep a loaded 2-core machine busy for long
        try (RunningCommand witness = withPartitions(uploader("witness", "witnesses", witnessServer));
                RunningCommand a = withPartitions(uploader("uploader_a", "uploaders", first));
                RunningCommand b = withPartitions(uploader("uploader_b", "uploaders", second))) {
            Pattern onePartition = Pattern.compile("consumes partitions \\[\\d] ");
            await().atMost(GROUP).until(() -> onePartition.matcher(a.output()).find()
                    && onePartition.matcher(b.output()).find());
            try (RunningCommand rtsp = receiver()) {
                await().atMost(GROUP).until(() -> first.uploads().size() >= 20 && second.uploads().size() >= 20);
                List<Long> shared = new ArrayList<>(frameIds(first));
                shared.addAll(frameIds(second));
                assertThat(shared).doesNotHaveDuplicates();

                // at-least-once holds from a partition's first commit: before it, a successor starts at the latest
                awaitCommittedOnEveryPartition("uploaders");
                b.kill(Waits.GENEROUS);
                long killed = System.nanoTime();
                Pattern tookOver = Pattern.compile("consumes partitions \\[0, 1] \\(got \\[\\d],");
                await().atMost(GROUP).until(() -> tookOver.matcher(a.output()).find());
                System.out.printf("uploader_a took uploader_b's partition over %.1f s after its SIGKILL%n",
                        (System.nanoTime() - killed) / 1e9);

                int before = second.uploads().size();
                try (RunningCommand b2 = uploader("uploader_b2", "uploaders", second)) {
                    await().atMost(GROUP).until(() -> onePartition.matcher(b2.output()).find());
                    await().atMost(GROUP).until(() -> second.uploads().size() >= before + 20);
                    int published = stopReceiver(rtsp);
                    await().atMost(GROUP).until(() -> witnessServer.uploads().size() >= published);
                    Set<Long> everyFrame = new HashSet<>(frameIds(witnessServer));
                    assertThat(frameIds(witnessServer)).hasSize(published).doesNotHaveDuplicates();
                    await().atMost(GROUP).until(() -> {
                        Set<Long> uploaded = new HashSet<>(frameIds(first));
                        uploaded.addAll(frameIds(second));
                        return uploaded.equals(everyFrame);
                    });
                    b2.stopCleanly(GROUP);
                }
                a.stopCleanly(GROUP);
            }
        }
    }

    /**
     * The broker killed mid-run and started again: the receiver counts the frames it could not
     * publish meanwhile as lost, and both nodes carry on by themselves. Pipeline files make the
     * producer's buffer small, so that it fills within a second or two of the outage.
     */
    @Test
    void aBrokerRestartIsSurvivedWithLossesCounted() throws Exception {
        UploadServer server = server();
        String kafkaBlock = "msight.kafka { servers = \"" + kafka.bootstrapServers() + "\", buffer-size = 1MiB,"
                + " delivery-timeout = 5s }\n";
        Path receiverFile = Files.writeString(dir.resolve("receiver.conf"), kafkaBlock + """
                msight { bus = kafka, registry.enabled = false, http.enabled = false }
                nodes.rtsp_node { type = rtsp-receiver, url = "%s", sensor-name = rtsp_sensor, publish-topic = %s }
                """.formatted(camera.url(), topic));
        Path uploaderFile = Files.writeString(dir.resolve("uploader.conf"), kafkaBlock + """
                msight { bus = kafka, registry.enabled = false, http.enabled = false }
                nodes.uploader { type = http-uploader, subscribe-topic = %s, url = "%s", retries = 0 }
                """.formatted(topic, server.url()));
        try (RunningCommand http = Distribution.start(dir.resolve("uploader.log"), env(), "msight-run",
                uploaderFile.toString());
                RunningCommand rtsp = Distribution.start(dir.resolve("rtsp.log"), env(), "msight-run",
                        receiverFile.toString())) {
            awaitPartitions(http, "[0, 1]");
            await().atMost(GROUP).until(() -> server.uploads().size() >= 10);

            kafka.kill();
            rtsp.awaitOutput("Publishing to Kafka at [" + kafka.bootstrapServers() + "] fails", GROUP);
            kafka.start();
            int before = server.uploads().size();
            await().atMost(GROUP).until(() -> server.uploads().size() >= before + 30);
            rtsp.awaitOutput("Publishing to Kafka at [" + kafka.bootstrapServers() + "] works again", GROUP);

            http.stopCleanly(GROUP);
            rtsp.stopCleanly(GROUP);
            assertThat(rtsp.output()).containsPattern(" - rtsp_node - INFO :: totals: in \\d+, out \\d+, .*lost [1-9]");
        }
    }

    @Test
    void unreachableBrokersAtStartStopTheLauncherWithOneLine() throws Exception {
        Map<String, String> env = env();
        int nothing = FreePorts.next();
        env.put("MSIGHT_KAFKA_SERVERS", "['127.0.0.1:" + nothing + "']");
        try (RunningCommand http = Distribution.start(dir.resolve("http.log"), env, "msight_launch_http", "-st", topic,
                "-n", "lonely_uploader", "--url", "http://127.0.0.1:" + FreePorts.next())) {
            assertThat(http.awaitExit(GROUP)).isEqualTo(2);
            assertThat(http.output()).contains("Kafka at [127.0.0.1:" + nothing + "] does not answer")
                    .contains("MSIGHT_KAFKA_SERVERS").doesNotContain("\tat ");
        }
    }
}

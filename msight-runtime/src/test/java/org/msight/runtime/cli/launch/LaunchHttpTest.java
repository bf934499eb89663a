package org.msight.runtime.cli.launch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.redis.RedisTests.await;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.codec.MsightCodec;
import org.msight.runtime.registry.NodeRegistry;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Waits;
import redis.clients.jedis.Jedis;

/**
 * {@code msight_launch_http} run as a command, in a JVM of its own (MSight's environment
 * variables, signals, its exit code), on a Redis of the test's, with test stand-ins for the redis
 * bus and the uploader ({@link SubscribingRedisBus}, {@link PostingSink}) that plugins provide in
 * the distribution.
 */
class LaunchHttpTest {

    private static final String TOPIC = "rtsp_topic";

    @TempDir
    Path dir;
    private RedisTestServer redis;
    private Jedis raw;
    private HttpServer collector;
    private final List<String> uploads = new CopyOnWriteArrayList<>();
    private Process launcher;

    @BeforeEach
    void start() throws IOException {
        redis = new RedisTestServer().start();
        raw = new Jedis("127.0.0.1", redis.port());
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/up", exchange -> {
            uploads.add(new String(exchange.getRequestBody().readAllBytes(), UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroyForcibly().waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
        }
        collector.stop(0);
        raw.close();
        redis.close();
    }

    /**
     * MSight's launcher sleeps {@code -w} seconds before it builds the node: messages published
     * meanwhile are not its own. Here the node registered and subscribed first, then waited in its
     * open: what came meanwhile was queued, partly uploaded after the wait, the rest counted dropped.
     */
    @Test
    void theWaitComesBeforeTheNodeRegistersAndSubscribes() throws Exception {
        launch("-w", "6");
        awaitTheWait("6.0");
        for (int i = 0; i < 5; i++) {
            assertThat(raw.publish(TOPIC.getBytes(UTF_8), message("during-" + i))).as("subscribers").isZero();
            assertThat(raw.hexists(NodeRegistry.NODES, "up")).as("an entry during the wait").isFalse();
        }

        await("the node to run", () -> String.valueOf(raw.hget(NodeRegistry.NODES, "up"))
                .contains("\"status\": \"RUNNING\""));
        await("a subscriber", () -> raw.publish(TOPIC.getBytes(UTF_8), message("after")) == 1);
        await("the upload", () -> !uploads.isEmpty());
        launcher.destroy(); // SIGTERM
        assertThat(launcher.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).as(output()).isZero();
        assertThat(uploads).containsExactly("after");
        assertThat(output()).contains("totals: in 1, out 1, dropped 0");
    }

    /** SIGTERM during the wait ends it and the run, with exit code 0: nothing was registered. */
    @Test
    void aSignalDuringTheWaitEndsTheRunWithExitCodeZero() throws Exception {
        launch("-w", "600");
        awaitTheWait("600.0");
        assertThat(raw.hexists(NodeRegistry.NODES, "up")).as("an entry during the wait").isFalse();
        launcher.destroy(); // SIGTERM
        assertThat(launcher.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("ended by the signal").isTrue();
        assertThat(launcher.exitValue()).as(output()).isZero();
        assertThat(output()).contains("SIGTERM received: stopping", "the stop came during the wait");
        assertThat(raw.hlen(NodeRegistry.NODES)).isZero();
    }

    /**
     * The HTTP endpoint serves during the wait, /health 200 (a liveness probe restarted the unit in
     * a loop when it came only after the wait), /metrics and /nodes 200 (a scrape that failed was
     * an alert), /nodes and /ready (503) saying the run waits.
     */
    @Test
    void theEndpointAnswersDuringTheWaitAndSaysItWaits() throws Exception {
        int port = FreePorts.next();
        launch("-w", "600", "--http-port", String.valueOf(port));
        awaitTheWait("600.0");
        await("/health during the wait", () -> get(port, "/health").statusCode() == 200);
        assertThat(get(port, "/metrics").statusCode()).isEqualTo(200);
        HttpResponse<String> nodes = get(port, "/nodes");
        assertThat(nodes.statusCode()).isEqualTo(200);
        assertThat(nodes.body()).contains("\"nodes\":[]", "\"waiting\":");
        HttpResponse<String> ready = get(port, "/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"ready\":false", "\"waiting\":");
        assertThat(raw.hexists(NodeRegistry.NODES, "up")).as("an entry during the wait").isFalse();
    }

    /** GET {@code path} on the launcher's endpoint at {@code port}. */
    private static HttpResponse<String> get(int port, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Waits.GENEROUS).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code msight_launch_http -n up -st rtsp_topic -u <collector>} with {@code flags}, on the test's Redis. */
    private void launch(String... flags) throws IOException {
        Path classes = dir.resolve("classes");
        Path services = Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(services.resolve("org.msight.api.bus.BusProvider"), SubscribingRedisBus.class.getName());
        Files.writeString(services.resolve("org.msight.api.NodeProvider"), PostingSink.class.getName());
        Files.writeString(classes.resolve("reference.conf"),
                "msight.node-types.http-uploader { partition-key-mode = random, shards = 1, wait = 0s }\n");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                LaunchHttp.class.getName(), "-n", "up", "-st", TOPIC,
                "-u", "http://127.0.0.1:" + collector.getAddress().getPort() + "/up"));
        command.addAll(List.of(flags));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("launcher.log").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("MSIGHT_"));
        builder.environment().put("MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()));
        builder.environment().put("MSIGHT_EDGE_DEVICE_NAME", "edge-01");
        launcher = builder.start();
    }

    /** Waits for the launcher's line that its wait of {@code seconds} begins, or for its node's entry. */
    private void awaitTheWait(String seconds) {
        await("the wait to begin", () -> output().contains("waiting " + seconds + " s before starting")
                || raw.hexists(NodeRegistry.NODES, "up"));
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("launcher.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** MSight's bytes of a message whose sensor name is {@code name}, which the stand-in uploader posts. */
    private static byte[] message(String name) {
        return MsightCodec.withBuiltInTypes().toMessagePack(new BytesData(Metadata.create(name, "edge-01", Metadata.now()),
                new byte[] {1}));
    }
}

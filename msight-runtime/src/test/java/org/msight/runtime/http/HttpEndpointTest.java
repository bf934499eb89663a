package org.msight.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.runtime.Pipeline;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.cli.Commands;
import org.msight.runtime.cli.MsightRun;
import org.msight.runtime.node.NodeStats;
import org.msight.runtime.testnodes.CollectingSink;
import org.msight.runtime.testnodes.ImageSource;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

class HttpEndpointTest {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> running = new ArrayList<>();
    private Pipeline pipeline;
    private HttpEndpoint endpoint;
    /** The time a connection has for a request head, in the endpoints {@link #start} starts. */
    private Duration headDeadline = HttpEndpoint.HEAD_DEADLINE;

    @BeforeEach
    void forgetEarlierRuns() {
        CollectingSink.RECEIVED.clear();
        CollectingSink.ATTEMPTS.clear();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (pipeline != null) {
            pipeline.stop();
        }
    }

    /** Starts {@code nodes} and an endpoint on a free port, with extra {@code msight.http} settings. */
    private void start(String http, String nodes) throws Exception {
        start("", http, nodes);
    }

    /** As {@link #start(String, String)}, with further settings of the file, such as {@code msight.registry}. */
    private void start(String settings, String http, String nodes) throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "msight.drain-timeout = 1s\n" + settings
                + "\nmsight.http { port = 0\n" + http + "\n}\nnodes {\n" + nodes + "\n}\n");
        PipelineFactory.Loaded loaded = TestPipelines.load(file);
        pipeline = loaded.create();
        pipeline.start();
        endpoint = HttpEndpoint.start(loaded.httpSettings(), pipeline, HttpEndpoint.FIRST_IMAGE_WAIT, headDeadline);
        assertThat(endpoint).isNotNull();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Waits.GENEROUS);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + endpoint.port() + path);
    }

    @Test
    void metricsCarryEveryNodesCountsFrameAgesAndTheJvm() throws Exception {
        start("", """
                src { type = test-sequence, publish-topic = t, count = 20 }
                sink { type = test-collector, subscribe-topic = t, queue-capacity = 100 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> CollectingSink.RECEIVED.get("sink").size() == 20);
        // the sink's runner counts a message once its put has returned, just after the sink holds it
        await().atMost(Waits.GENEROUS)
                .until(() -> get("/metrics").body().contains("msight_frame_age_seconds_count{node=\"sink\",stage=\"sink\"} 20"));
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(metrics.body())
                .contains("msight_node_in_total{node=\"src\"} 20.0", "msight_node_out_total{node=\"src\"} 20.0",
                        "msight_node_out_total{node=\"sink\"} 20.0", "msight_node_dropped_total{node=\"sink\"} 0.0",
                        "msight_node_malformed_total{node=\"sink\"} 0.0", "msight_node_lost_total{node=\"src\"} 0.0",
                        "msight_node_errors_total{node=\"sink\"} 0.0", "msight_node_restarts_total{node=\"sink\"} 0.0",
                        "msight_node_queue_depth{node=\"sink\"} 0.0", "msight_node_outage{node=\"sink\"} 0.0",
                        "msight_frame_age_seconds_count{node=\"src\",stage=\"publish\"} 20",
                        "msight_frame_age_seconds_count{node=\"sink\",stage=\"sink\"} 20",
                        "msight_frame_age_seconds_bucket{node=\"sink\",stage=\"sink\",le=\"0.1\"}",
                        "msight_bus_connected{bus=\"memory\"} 1.0",
                        "jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_gc_");
    }

    @Test
    void withTheNodeRegistryMetricsCountItsHeartbeatOutages() throws Exception {
        try (RedisTestServer redis = new RedisTestServer().start()) {
            start("msight.registry.enabled = true\nmsight.redis.port = " + redis.port(), "", """
                    src { type = test-sequence, publish-topic = t, count = 1 }
                    sink { type = test-collector, subscribe-topic = t }
                    """);
            assertThat(get("/metrics").body()).contains("msight_registry_heartbeat_outages_total 0.0");
            pipeline.stop(); // while its registry can still remove the entries
            pipeline = null;
        }
    }

    @Test
    void readyIsServiceUnavailableWhileANodeIsInAnOutageAndSaysWhichSinceWhenAndWhy() throws Exception {
        start("", """
                src { type = test-sequence, publish-topic = t, count = 1 }
                sink {
                  type = test-collector, subscribe-topic = t, unavailable = true
                  restart-backoff { initial = 50ms, max = 100ms }
                }
                """);
        // a node not yet opened makes it 503 too: wait for the sink's outage, and check that answer
        HttpResponse<String> answer = await().atMost(Waits.GENEROUS).until(() -> get("/ready"),
                response -> response.statusCode() == 503 && response.body().contains("\"OUTAGE\""));
        JsonNode ready = PipelineStatus.JSON.readTree(answer.body());
        assertThat(ready.get("ready").asBoolean()).isFalse();
        assertThat(ready.get("nodes")).hasSize(1);
        JsonNode node = ready.get("nodes").get(0);
        assertThat(node.get("node").asText()).isEqualTo("sink");
        assertThat(node.get("state").asText()).isEqualTo("OUTAGE");
        assertThat(node.get("since").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z");
        assertThat(node.get("last_error").asText()).isEqualTo("destination unavailable (on purpose)");
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void readyIsServiceUnavailableWhileABusIsDisconnectedAndSaysWhichAsItsMetricDoes() throws Exception {
        start("msight { bus = loopback, loopback.connected = false, registry.enabled = false }", "", """
                src { type = test-sequence, publish-topic = t, count = 1 }
                sink { type = test-collector, subscribe-topic = t }
                """);
        await().atMost(Waits.GENEROUS).until(() -> pipeline.nodeStats().stream().allMatch(NodeStats::opened));
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode body = PipelineStatus.JSON.readTree(ready.body());
        assertThat(body.get("ready").asBoolean()).isFalse();
        assertThat(body.get("nodes")).isEmpty();
        assertThat(body.get("buses").toString())
                .isEqualTo("[{\"bus\":\"loopback\",\"connected\":false,\"outage\":\"loopback.connected is false\"}]");
        assertThat(get("/metrics").body()).contains("msight_bus_connected{bus=\"loopback\"} 0.0");
        PipelineStatus status = PipelineStatus.JSON.readValue(get("/nodes").body(), PipelineStatus.class);
        assertThat(status.buses()).containsExactly(
                new PipelineStatus.BusStatus("loopback", false, "loopback.connected is false"));
    }

    /**
     * An endpoint started before its pipeline (a launcher's -w waits before it creates the
     * pipeline) is alive and not ready, saying why, until it is given the pipeline, which it then
     * serves. Meanwhile it is scraped (a 503 was a failed scrape: up = 0, an alert), and /nodes
     * says it waits, as msight-run status prints (a 503 made it exit 1).
     */
    @Test
    void beforeItsPipelineTheEndpointIsAliveAndNotReadyThenServesIt() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "msight.http.port = 0\nnodes {\n"
                + "src { type = test-images, publish-topic = images }\n}\n");
        PipelineFactory.Loaded loaded = TestPipelines.load(file);
        endpoint = HttpEndpoint.start(loaded.httpSettings(), null);
        for (String path : List.of("/health", "/", "/metrics")) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(200);
        }
        HttpResponse<String> nodes = get("/nodes");
        assertThat(nodes.statusCode()).isEqualTo(200);
        assertThat(nodes.body()).isEqualTo("{\"nodes\":[],\"topics\":[],\"buses\":[],\"waiting\":\"the pipeline is not"
                + " created yet\"}");
        Commands.Result status = Commands.run(new MsightRun(), "status", "--url",
                "http://127.0.0.1:" + endpoint.port());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).startsWith("Waiting: the pipeline is not created yet\n");
        for (String path : List.of("/ready", "/topics/latest.jpg?topic=images")) {
            HttpResponse<String> answer = get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(503);
            assertThat(answer.body()).as(path).isEqualTo("{\"ready\":false,\"waiting\":\"the pipeline is not created"
                    + " yet\"}");
        }
        pipeline = loaded.create();
        endpoint.serve(pipeline);
        pipeline.start();
        await().atMost(Waits.GENEROUS).until(() -> get("/ready").statusCode() == 200);
        assertThat(get("/metrics").body()).contains("msight_node_out_total{node=\"src\"}");
    }

    @Test
    void readyOnceEveryNodeOpenedAndNodesShowsStatesRatesAndTotals() throws Exception {
        start("", """
                src { type = test-images, publish-topic = images }
                sink { type = test-collector, subscribe-topic = numbers }
                """);
        await().atMost(Waits.GENEROUS).until(() -> get("/ready").statusCode() == 200);
        assertThat(get("/ready").body()).isEqualTo("{\"ready\":true}");
        await().atMost(Waits.GENEROUS).until(() -> PipelineStatus.JSON.readTree(get("/nodes").body()).get("nodes").get(0)
                .get("counts").get("out").asLong() > 0); // ready once opened, not once an image went out
        JsonNode status = PipelineStatus.JSON.readTree(get("/nodes").body());
        assertThat(status.get("device").asText()).isEqualTo("local");
        JsonNode src = status.get("nodes").get(0);
        assertThat(src.get("name").asText()).isEqualTo("src");
        assertThat(src.get("type").asText()).isEqualTo("test-images");
        assertThat(src.get("kind").asText()).isEqualTo("source");
        assertThat(src.get("state").asText()).isEqualTo("RUNNING");
        assertThat(src.get("publish_topic").asText()).isEqualTo("images");
        assertThat(src.has("in_rate")).isTrue();
        assertThat(src.get("counts").get("out").asLong()).isPositive();
        assertThat(status.get("nodes").get(1).get("queue").asInt()).isZero();
        assertThat(status.get("topics").toString())
                .contains("{\"name\":\"images\",\"data_type\":\"msight_core.data.image.ImageData\",\"description\":\"published by src\"}",
                        "{\"name\":\"numbers\"}");
    }

    @Test
    void latestJpgIsTheNewestImageOfATopicAsPublished() throws Exception {
        start("", "src { type = test-images, publish-topic = \"cameras/front 1\", width = 80, height = 60 }");
        // a request waits 3 s for the topic's first image, which a starved source may not publish in time: asked again
        HttpResponse<byte[]> latest = await().atMost(Waits.GENEROUS).until(() -> client.send(
                HttpRequest.newBuilder(uri("/topics/cameras/front%201/latest.jpg")).build(),
                HttpResponse.BodyHandlers.ofByteArray()), answer -> answer.statusCode() == 200);
        assertThat(latest.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(latest.headers().firstValue("X-Content-Type-Options")).as("any bytes a publisher sent")
                .hasValue("nosniff");
        assertThat(latest.body()).isEqualTo(ImageSource.jpeg(80, 60));
        assertThat(ImageIO.read(new ByteArrayInputStream(latest.body())).getWidth()).isEqualTo(80);
        assertThat(get("/topics/other/latest.jpg").statusCode()).isEqualTo(404);
        assertThat(get("/topics/cameras/latest.jpg").statusCode()).isEqualTo(404);
        assertThat(get("/topics/cameras/front%201/nothing").statusCode()).isEqualTo(404);
    }

    /**
     * Many asking at once for a topic's first image (a dashboard of many cameras, at start) hold
     * none of the endpoint's few threads while they wait: a probe is answered meanwhile, and each
     * gets the image once it comes. Each held a thread before, for up to 3 s: probes waited.
     */
    @Test
    void requestsWaitingForATopicsFirstImageHoldNoThread() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight.http.port = 0
                nodes { sink { type = test-collector, subscribe-topic = quiet } }
                """);
        PipelineFactory.Loaded loaded = TestPipelines.load(file);
        pipeline = loaded.create();
        pipeline.start();
        // waits longer than the test: each ends only with the image
        endpoint = HttpEndpoint.start(loaded.httpSettings(), pipeline, Duration.ofHours(1), HttpEndpoint.HEAD_DEADLINE);
        int waiting = 40; // the endpoint's threads: 8, and 4 for the previews
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < waiting; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(uri("/topics/quiet/latest.jpg"))
                    .timeout(Waits.GENEROUS).build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        LatestImages.Slot slot = pipeline.latestImages().watch("quiet");
        await().atMost(Waits.GENEROUS).until(() -> slot.waitingForTheFirst() == waiting);

        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(answers).noneMatch(CompletableFuture::isDone);
        byte[] jpeg = ImageSource.jpeg(80, 60);
        pipeline.latestImages().offer("quiet", ImageData.jpeg(new Metadata("s", 1, 1, 1, "d"), jpeg, 80, 60));
        for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
            HttpResponse<byte[]> latest = answer.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(latest.statusCode()).isEqualTo(200);
            assertThat(latest.body()).isEqualTo(jpeg);
        }
    }

    /**
     * A topic's name may begin or end with a '/', hold two in a row, a '%' or a '\\': its path, each
     * part percent-encoded as the dashboard writes it, or the name encoded whole, names it still
     * (Jetty's default refused such paths with a 400).
     */
    @Test
    void latestJpgOfTopicsWhoseNamesMakeOddPaths() throws Exception {
        List<String> topics = List.of("/cam/front", "rear/", "a//b", "cam 100%", "lane\\2");
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < topics.size(); i++) {
            nodes.append("src").append(i).append(" { type = test-images, width = 80, height = 60, publish-topic = \"")
                    .append(topics.get(i).replace("\\", "\\\\")).append("\" }\n");
        }
        start("", nodes.toString());
        for (String topic : topics) {
            String path = "/topics/" + Arrays.stream(topic.split("/", -1))
                    .map(part -> URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"))
                    .collect(Collectors.joining("/")) + "/latest.jpg";
            HttpResponse<byte[]> latest = await().atMost(Waits.GENEROUS).until(() -> client.send(
                    HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray()),
                    answer -> answer.statusCode() != 404);
            assertThat(latest.statusCode()).as(path).isEqualTo(200);
            assertThat(latest.body()).as(path).isEqualTo(ImageSource.jpeg(80, 60));
        }
        assertThat(get("/topics/%2Fcam%2Ffront/latest.jpg").statusCode()).as("the name encoded whole").isEqualTo(200);
        assertThat(get("/topics/cam/front/latest.jpg").statusCode()).as("not the topic /cam/front").isEqualTo(404);
    }

    /**
     * A topic's name with a part '.' or '..' has no path of its own ({@code a/../b/latest.jpg} is
     * topic b's, for Jetty and for clients alike): the query form names every topic, and only it.
     */
    @Test
    void theQueryFormNamesTopicsWithDotParts() throws Exception {
        List<String> topics = List.of("b", "a/../b", "..", ".", "./b");
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < topics.size(); i++) {
            nodes.append("src").append(i).append(" { type = test-images, width = ").append(16 * (i + 1))
                    .append(", height = 16, publish-topic = \"").append(topics.get(i)).append("\" }\n");
        }
        start("max-preview-rate = 50", nodes.toString());
        for (int i = 0; i < topics.size(); i++) {
            String query = "?topic=" + URLEncoder.encode(topics.get(i), StandardCharsets.UTF_8);
            HttpResponse<byte[]> latest = await().atMost(Waits.GENEROUS).until(() -> client.send(
                    HttpRequest.newBuilder(uri("/topics/latest.jpg" + query)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()), answer -> answer.statusCode() != 404);
            assertThat(latest.statusCode()).as(query).isEqualTo(200);
            assertThat(latest.body()).as(query).isEqualTo(ImageSource.jpeg(16 * (i + 1), 16));
        }
        HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(uri("/topics/stream.mjpeg?topic=a%2F..%2Fb"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = stream.body()) {
            assertThat(readPart(body)).isEqualTo(ImageSource.jpeg(32, 16));
        }
        assertThat(get("/topics/latest.jpg?topic=c").statusCode()).isEqualTo(404);
        assertThat(get("/topics/b/latest.jpg?topic=b").statusCode()).as("a topic named twice").isEqualTo(404);
    }

    @Test
    void previewStreamsMjpegToABoundedNumberOfViewers() throws Exception {
        start("max-preview-viewers = 1, max-preview-rate = 50", "src { type = test-images, publish-topic = images }");
        HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(uri("/topics/images/stream.mjpeg")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.headers().firstValue("Content-Type"))
                .hasValue("multipart/x-mixed-replace; boundary=msight-frame");
        try (InputStream body = stream.body()) {
            byte[] expected = ImageSource.jpeg(64, 48);
            for (int i = 0; i < 3; i++) {
                assertThat(readPart(body)).isEqualTo(expected);
            }
            HttpResponse<String> second = get("/topics/images/stream.mjpeg");
            assertThat(second.statusCode()).isEqualTo(503);
            assertThat(second.body()).contains("1 previews are open already");
        }
    }

    /** A topic without images sends no frames: a viewer that left is still noticed, and its place freed. */
    @Test
    void aViewerThatLeftAPreviewWithoutFramesFreesItsPlace() throws Exception {
        start("max-preview-viewers = 1", "src { type = test-sequence, publish-topic = numbers, interval = 10ms }");
        Socket viewer = new Socket("127.0.0.1", endpoint.port());
        running.add(viewer);
        viewer.getOutputStream().write("GET /topics/numbers/stream.mjpeg HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        viewer.getOutputStream().flush();
        // its answer begins at the first keep-alive (within 5 s): from then on it holds the one place,
        // and a second viewer cannot take it first (it would get a stream that never ends)
        viewer.setSoTimeout((int) Waits.GENEROUS.toMillis());
        assertThat(new String(viewer.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        assertThat(get("/topics/numbers/stream.mjpeg").statusCode()).isEqualTo(503);
        viewer.close();
        await().atMost(Waits.GENEROUS).until(() -> {
            HttpResponse<InputStream> next = client.send(HttpRequest.newBuilder(uri("/topics/numbers/stream.mjpeg"))
                    .timeout(Waits.GENEROUS).build(), HttpResponse.BodyHandlers.ofInputStream());
            next.body().close();
            return next.statusCode() == 200;
        });
    }

    /** Reads one part of a multipart MJPEG stream: its headers, then Content-Length bytes. */
    private static byte[] readPart(InputStream in) throws IOException {
        StringBuilder headers = new StringBuilder();
        while (!headers.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).isNotNegative();
            headers.append((char) b);
        }
        assertThat(headers.toString()).startsWith("--msight-frame\r\nContent-Type: image/jpeg\r\n");
        int length = Integer.parseInt(headers.toString().replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
        byte[] jpeg = in.readNBytes(length);
        assertThat(in.readNBytes(2)).isEqualTo("\r\n".getBytes(StandardCharsets.US_ASCII));
        return jpeg;
    }

    @Test
    void aViewerThatDoesNotReadNeverSlowsThePipeline() throws Exception {
        start("max-preview-rate = 1000", """
                src { type = test-images, publish-topic = images, width = 1920, height = 1080, interval = 0ms }
                sink { type = test-collector, subscribe-topic = numbers }
                """);
        // a viewer that asks for the stream and never reads: its socket buffers fill up at once
        Socket viewer = new Socket("127.0.0.1", endpoint.port());
        running.add(viewer);
        viewer.setReceiveBufferSize(4096);
        OutputStream request = viewer.getOutputStream();
        request.write("GET /topics/images/stream.mjpeg HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        request.flush();
        long at = outOf("src");
        // Far more frames than the socket buffers hold are published while the viewer is stuck.
        await().atMost(Waits.GENEROUS).until(() -> outOf("src") > at + 500);
    }

    private long outOf(String node) {
        return pipeline.nodeStats().stream().filter(s -> s.node().equals(node)).findFirst().orElseThrow().out().count();
    }

    /**
     * Connections are bounded (each holds a file descriptor and buffers, idle or not): past the
     * most it takes, the endpoint stops accepting, says so, and serves again once one closes.
     */
    @Test
    void connectionsAreBoundedWithALineAndServedAgainOnceOneCloses() throws Exception {
        headDeadline = Duration.ofHours(1); // all are taken before the first's time is up, however slow the machine
        try (LogCapture log = LogCapture.all()) {
            start("max-preview-viewers = 1", "src { type = test-images, publish-topic = images }");
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < HttpEndpoint.MAX_CONNECTIONS_BESIDE_PREVIEWS + 1; i++) {
                    idle.add(new Socket("127.0.0.1", endpoint.port()));
                }
                assertThat(log.await("the limit's line", line -> line.contains("connections open")))
                        .isEqualTo("HTTP endpoint: " + (HttpEndpoint.MAX_CONNECTIONS_BESIDE_PREVIEWS + 1)
                                + " connections open, the most it takes: new ones wait until one closes (one without"
                                + " a whole request is closed after " + headDeadline.toSeconds() + " s)");
            } finally {
                for (Socket socket : idle) {
                    socket.close();
                }
            }
            assertThat(get("/health").statusCode()).isEqualTo(200);
        }
    }

    /**
     * Clients that send a request's head a byte now and then, as many as the endpoint takes
     * connections, are closed once {@link HttpEndpoint#HEAD_DEADLINE} has passed: a health probe
     * waiting behind them is answered. Before, each byte restarted their idle time, and they held
     * every connection for good: the probe was never answered.
     */
    @Test
    void clientsTricklingRequestHeadsKeepNoProbeOut() throws Exception {
        start("max-preview-viewers = 1", "src { type = test-sequence, publish-topic = numbers, count = 1 }");
        List<Socket> trickling = new ArrayList<>();
        for (int i = 0; i < HttpEndpoint.MAX_CONNECTIONS_BESIDE_PREVIEWS + 1; i++) {
            Socket socket = new Socket("127.0.0.1", endpoint.port());
            running.add(socket);
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            trickling.add(socket);
        }
        trickle(trickling);
        try (Socket probe = new Socket("127.0.0.1", endpoint.port())) {
            probe.setSoTimeout((int) Waits.GENEROUS.toMillis());
            assertHealthAnsweredOn(probe);
        }
    }

    /** A kept-alive connection has the same time for its next request's head from its last answer. */
    @Test
    void aKeptAliveConnectionTricklingItsNextRequestIsClosed() throws Exception {
        start("", "src { type = test-sequence, publish-topic = numbers, count = 1 }");
        Socket client = new Socket("127.0.0.1", endpoint.port());
        running.add(client);
        client.setSoTimeout((int) Waits.GENEROUS.toMillis());
        client.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String answer = new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(answer).isEqualTo("HTTP/1.1 200");
        client.getOutputStream().write("GET /health HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        trickle(List.of(client));
        readUntilClosedByTheEndpoint(client);
    }

    /**
     * A connection's time for a request head is one task, which its request or its closing ends:
     * connections that closed leave none waiting. Before, each opening and each answer left one for
     * the whole time, the connection with it (5 s: some 3.6 kB a connection, more work each).
     */
    @Test
    void closedConnectionsLeaveNoTaskWaiting() throws Exception {
        headDeadline = Duration.ofHours(1);
        start("", "src { type = test-sequence, publish-topic = numbers, count = 1 }");
        int connections = 20;
        for (int i = 0; i < connections; i++) {
            try (Socket client = new Socket("127.0.0.1", endpoint.port())) {
                client.setSoTimeout((int) Waits.GENEROUS.toMillis());
                client.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                        .isEqualTo("HTTP/1.1 200");
            }
        }
        Field executor = ScheduledExecutorScheduler.class.getDeclaredField("scheduler");
        executor.setAccessible(true);
        ScheduledThreadPoolExecutor tasks = (ScheduledThreadPoolExecutor) executor.get(endpoint.scheduler());
        // Jetty's own timeouts end with their connections too
        await().atMost(Waits.GENEROUS).until(() -> tasks.getQueue().size() < connections);
    }

    /** Reads {@code socket} until the endpoint closes it (a reset: it closed with bytes of the client's unread). */
    private static void readUntilClosedByTheEndpoint(Socket socket) throws IOException {
        socket.setSoTimeout((int) Waits.GENEROUS.toMillis());
        try {
            socket.getInputStream().readAllBytes();
        } catch (SocketException reset) {
            // closed too
        }
    }

    /** Sends a byte of a header's value on each of {@code sockets} every 200 ms while the test runs. */
    private void trickle(List<Socket> sockets) {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        running.add(0, trickle::shutdownNow);
        trickle.scheduleWithFixedDelay(() -> {
            for (Socket socket : sockets) {
                try {
                    socket.getOutputStream().write('a');
                } catch (IOException closed) {
                    // by the endpoint: what the test waits for
                }
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
    }

    /** A preview is a request being answered: it outlives the time a connection has for a request's head. */
    @Test
    void aPreviewOutlivesTheDeadlineOfRequestHeads() throws Exception {
        start("max-preview-rate = 50", "src { type = test-images, publish-topic = images }");
        HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(uri("/topics/images/stream.mjpeg"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = stream.body()) {
            long until = System.nanoTime() + HttpEndpoint.HEAD_DEADLINE.multipliedBy(2).toNanos();
            while (System.nanoTime() < until) {
                assertThat(readPart(body)).isEqualTo(ImageSource.jpeg(64, 48));
            }
        }
    }

    @Test
    void aTokenIsRequiredWhenSetAndNeverShown() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            start("token = s3cret-t0ken", "src { type = test-images, publish-topic = images }");
            assertThat(get("/metrics").statusCode()).isEqualTo(401);
            assertThat(get("/metrics", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(get("/metrics", "Authorization", "Bearer s3cret-t0ken").statusCode()).isEqualTo(200);
            HttpResponse<String> nodes = get("/nodes?token=s3cret-t0ken"); // the dashboard's way in
            assertThat(nodes.statusCode()).isEqualTo(200);
            assertThat(nodes.body()).contains("\"name\":\"src\"").doesNotContain("s3cret-t0ken");
            assertThat(get("/nodes?token=wrong").statusCode()).isEqualTo(401);
            assertThat(log.text()).doesNotContain("s3cret-t0ken");
        }
    }

    @Test
    void tlsServesHttpsFromAKeyStore() throws Exception {
        Path keyStore = keyStore();
        Path wrongPassword = TestPipelines.write(dir, "wrong.conf", "msight.http.tls { key-store = \"" + keyStore
                + "\", key-store-password = chnageit }\nnodes {\n src { type = test-images, publish-topic = images }\n}\n");
        assertThatThrownBy(() -> TestPipelines.load(wrongPassword).httpSettings()).hasMessage(wrongPassword + ":1:"
                + " msight.http.tls.key-store: " + keyStore + ": keystore password was incorrect (check tls.key-store-password)");
        HttpClient https = HttpClient.newBuilder().sslContext(startOverTls(keyStore)).build();
        HttpResponse<String> health = https.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + endpoint.port() + "/health")).timeout(Waits.GENEROUS).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
    }

    /**
     * Over TLS a connection has the time for a request head from the end of its handshake: a client
     * slow to begin it, then slow to ask, each within that time, is answered. Its time ran from the
     * opening before, handshake included: the connection was closed before its request came.
     */
    @Test
    void aSlowTlsClientHasTheTimeForItsRequestHeadFromItsHandshake() throws Exception {
        headDeadline = Duration.ofSeconds(10); // each pause leaves 4 s for a handshake or a request
        SSLContext tls = startOverTls(keyStore());
        long slow = headDeadline.toMillis() * 3 / 5;
        try (Socket tcp = new Socket("127.0.0.1", endpoint.port())) {
            Thread.sleep(slow);
            SSLSocket client = (SSLSocket) tls.getSocketFactory().createSocket(tcp, "127.0.0.1", endpoint.port(), true);
            client.setSoTimeout((int) Waits.GENEROUS.toMillis());
            client.startHandshake();
            Thread.sleep(slow);
            assertHealthAnsweredOn(client);
        }
    }

    /** A TLS handshake that never ends, its bytes trickling in, holds its connection no longer than a request head. */
    @Test
    void aTlsHandshakeThatDoesNotEndIsClosed() throws Exception {
        startOverTls(keyStore());
        Socket client = new Socket("127.0.0.1", endpoint.port());
        running.add(client);
        // a handshake record's header, announcing 16 kB, whose bytes then come one by one
        client.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x40, 0x00});
        trickle(List.of(client));
        readUntilClosedByTheEndpoint(client);
    }

    /** Asks {@code /health} on {@code socket}, closing after the answer, and checks it is UP. */
    private static void assertHealthAnsweredOn(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 200").endsWith("{\"status\":\"UP\"}");
    }

    /** A key store in the test's folder, password changeit, with a certificate for 127.0.0.1. */
    private Path keyStore() throws Exception {
        Path keyStore = dir.resolve("endpoint.p12");
        Tools.Output keytool = Tools.run(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass",
                "changeit", "-keyalg", "EC", "-alias", "msight", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-validity", "2").redirectErrorStream(true), Waits.GENEROUS);
        assertThat(keytool.exitCode()).as(keytool.text()).isZero();
        return keyStore;
    }

    /** Starts an endpoint serving HTTPS from {@code keyStore}; returns a TLS context that trusts it. */
    private SSLContext startOverTls(Path keyStore) throws Exception {
        start("tls { key-store = \"" + keyStore + "\", key-store-password = changeit }",
                "src { type = test-images, publish-topic = images }");
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keyStore)) {
            trusted.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls;
    }

    /** An address that is no interface's of this machine is not a taken port: the line says what the system said. */
    @Test
    void anAddressNotOfThisMachineIsSaidToBeOneAndThePipelineRunsOn() throws Exception {
        // TEST-NET-1 (RFC 5737): no machine has it; binding it fails before any packet is sent
        assertThat(endpointLinesOfAPipelineWith("msight.http { host = 192.0.2.1, port = 0 }")).containsExactly(
                "HTTP endpoint not started on 192.0.2.1:0: Cannot assign requested address; the pipeline runs without"
                        + " it; check msight.http.host (an address of this machine's, or 0.0.0.0 for all) and"
                        + " msight.http.port (below 1024 only for root)");
    }

    @Test
    void aTakenPortGivesOneWarningAndThePipelineRunsOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(endpointLinesOfAPipelineWith("msight.http.port = " + taken.getLocalPort())).containsExactly(
                    "HTTP endpoint not started on 127.0.0.1:" + taken.getLocalPort() + ": the port is taken; the"
                            + " pipeline runs without it; set msight.http.port (a launcher's --http-port) to serve it on"
                            + " another port (msight-run status on this one reads the other process's endpoint, not this"
                            + " pipeline's)");
        }
    }

    /**
     * The lines about the HTTP endpoint of a pipeline with {@code http} whose endpoint cannot
     * start, once the pipeline has run on without it.
     */
    private List<String> endpointLinesOfAPipelineWith(String http) throws Exception {
        try (LogCapture log = LogCapture.all()) {
            Path file = TestPipelines.write(dir, "p.conf", http + "\nnodes {\n src { type = test-sequence,"
                    + " publish-topic = t, count = 5 }\n sink { type = test-collector, subscribe-topic = t }\n}\n");
            PipelineFactory.Loaded loaded = TestPipelines.load(file);
            pipeline = loaded.create();
            pipeline.start();
            assertThat(HttpEndpoint.start(loaded.httpSettings(), pipeline)).isNull();
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.RECEIVED.get("sink").size() == 5);
            return log.messages().stream().filter(m -> m.contains("HTTP endpoint")).toList();
        }
    }
}

package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** Uploads to a real HTTP server: body, headers, partition keys and log lines as MSight makes them. */
class HttpUploaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Set for the test JVM by the pom (surefire), read through HOCON substitution. */
    private static final String TOKEN = System.getenv("MSIGHT_TEST_UPLOAD_TOKEN");

    private final RecordingServer server = RecordingServer.http();
    private final RecordingLogger log = new RecordingLogger("uploader");
    private Uploading uploader;

    @AfterEach
    void stop() {
        if (uploader != null) {
            uploader.close();
        }
        server.close();
    }

    @Test
    void postsEachFrameAsMsightJsonWithHeadersAndARandomPartitionKey() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/upload") + "\"\n"
                + "headers { Authorization = \"Bearer \"${MSIGHT_TEST_UPLOAD_TOKEN}, X-Camera-Site = north }");
        List<ImageData> sent = uploadAll(context, 3);

        List<RecordingServer.Request> received = server.requests();
        assertThat(received).hasSize(3);
        for (RecordingServer.Request request : received) {
            JsonNode body = JSON.readTree(request.body());
            ImageData frame = sentWithFrameId(sent, body.get("frame_id").asLong());
            List<String> keys = new ArrayList<>();
            body.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("data_type", "sensor_name", "capture_timestamp", "creation_timestamp",
                    "frame_id", "device_name", "image", "is_encoded", "detection_results", "size");
            assertThat(body.get("data_type").asText()).isEqualTo("msight_core.data.image.ImageData");
            assertThat(body.get("sensor_name").asText()).isEqualTo("rtsp_sensor");
            assertThat(body.get("capture_timestamp").asDouble()).isEqualTo(frame.metadata().captureTimestamp());
            assertThat(body.get("creation_timestamp").asDouble()).isEqualTo(frame.metadata().creationTimestamp());
            assertThat(body.get("device_name").asText()).isEqualTo("edge-01");
            assertThat(Base64.getDecoder().decode(body.get("image").asText())).isEqualTo(Frames.JPEG);
            assertThat(body.get("is_encoded").asBoolean()).isTrue();
            assertThat(body.get("detection_results").isNull()).isTrue();
            assertThat(body.get("size").toString()).isEqualTo("[8,16,3]");

            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.uri().getPath()).isEqualTo("/upload");
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            assertThat(request.header("Content-Length")).isEqualTo(Integer.toString(request.body().length));
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN);
            assertThat(request.header("X-Camera-Site")).isEqualTo("north");
            String key = request.header("X-Partition-Key");
            assertThat(request.query("partition_key")).isEqualTo(key);
            assertThat(key).matches("\\d{10}\\.\\d{1,7}");
            assertThat(Double.parseDouble(key)).isCloseTo(System.currentTimeMillis() / 1e3, within(60.0));
        }
        assertThat(context.count("uploads")).isEqualTo(3);
        assertThat(context.count("failed")).isZero();
    }

    /**
     * MSight's own messages (shared/msight-compat/vectors, written by MSight_Core's classes) read
     * from their MessagePack as a bus reads them: the body is byte for byte the {@code to_json()}
     * MSight's HttpSinkNode posts, whatever the data type, image shape or timestamp kind. MSight
     * wrote no JSON of image_data_raw: its {@code .json} is Python's {@code json.dumps} with MSight's
     * {@code BytesEncoder} of the vector's values, which gives MSight's own JSON of the other vectors.
     */
    @ParameterizedTest
    @ValueSource(strings = {"image_data", "image_data_raw", "image_gray", "image_raw_int_ts", "bytes_data",
            "weather_data"})
    void postsMsightsJsonOfWhateverArrives(String vector) throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/") + "\"");
        byte[] payload = Frames.load("/" + vector + ".msgpack");
        SensorData message = context.formats().fromMessagePack(payload);
        assertThat(context.formats().toMessagePack(message)).as("re-encoded").isEqualTo(payload);

        uploader = Uploading.open(context);
        uploader.put(message);
        uploader.flush(Waits.GENEROUS);

        assertThat(server.requests()).singleElement().satisfies(request -> assertThat(request.body())
                .isEqualTo(Frames.load("/" + vector + ".json")));
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(context.count("bytes")).as("bytes uploaded").isEqualTo(Frames.load("/" + vector + ".json").length);
        assertThat(context.count("attempt-nanos")).as("the attempt was timed").isPositive();
    }

    @Test
    void logsEachUploadAsMsightWithoutSecrets() throws Exception {
        String url = server.url("/upload").replace("://", "://lab:s3cret-pass@");
        TestNodeContext context = context("url = \"" + url + "\"\n"
                + "headers { Authorization = \"Bearer \"${MSIGHT_TEST_UPLOAD_TOKEN} }");
        uploadAll(context, 1);

        String loggable = server.url("/upload").replace("://", "://***@");
        assertThat(log.messages(Level.INFO)).containsSubsequence(
                "Sending data to " + loggable + "... waiting for response",
                "Status: 200, {\"status_code\": \"ok\", \"text\": \"Server received "
                        + server.requests().get(0).body().length + " bytes\"}");
        assertThat(log.all()).doesNotContain("s3cret-pass").doesNotContain(TOKEN);
        // Credentials in the URL go to the server as HTTP Basic, as Python's requests sends them: in the place
        // of an Authorization header, as requests sets them after the headers.
        assertThat(server.requests().get(0).header("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("lab:s3cret-pass".getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * requests' default headers but its {@code Accept-Encoding: gzip, deflate} (answers are not
     * decompressed) and its User-Agent ({@code python-requests/2.34.2}): HttpClient's is sent.
     */
    @Test
    void sendsRequestsDefaultHeadersButItsEncodingsAndUserAgent() throws Exception {
        uploadAll(context("url = \"" + server.url("/") + "\""), 1);

        RecordingServer.Request request = server.requests().get(0);
        assertThat(request.headers().keySet()).map(name -> name.toLowerCase(Locale.ROOT)).containsExactlyInAnyOrder(
                "host", "user-agent", "accept", "connection", "content-type", "x-partition-key", "content-length");
        assertThat(request.header("Accept")).isEqualTo("*/*");
        assertThat(request.header("Connection")).isEqualTo("keep-alive");
        assertThat(request.header("User-Agent")).startsWith("Apache-HttpAsyncClient/");
    }

    @Test
    void aServersAnswerCannotForgeALogLine() throws Exception {
        try (AnsweringServer forger = new AnsweringServer(
                headers -> "ok\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged\u001b[2J")) {
            TestNodeContext context = context("url = \"" + forger.url("/") + "\"");
            uploadAll(context, 1);
            assertThat(context.count("uploads")).isOne();
            assertThat(log.messages(Level.INFO)).contains(
                    "Status: 200, ok\\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged\\u001b[2J");
        }
    }

    /**
     * Down to 4 characters as whole words, as the README says (a url's password of 4 or 5 was
     * logged as a server echoed it), and from 12 inside longer words too (a token as a file name).
     */
    @Test
    void credentialsAServerEchoesInItsAnswerAreMaskedInTheLog() throws Exception {
        try (AnsweringServer echo = new AnsweringServer(sent -> {
            StringBuilder headers = new StringBuilder("you sent:");
            for (String name : List.of("Authorization", "X-Api-Key", "X-Token", "X-Camera")) {
                headers.append(' ').append(name).append(": ").append(sent.getFirst(name)).append(';');
            }
            return headers + " user lab, password s3cP\u00e9. api_key=XApiK3ySecret; path /k/HdrTok3nSecret/;"
                    + " files XApiK3ySecret.json, HdrTok3nSecret-x; short s3cP\u00e9s;"
                    + " the front doorbell, the front door.step";
        })) {
            TestNodeContext context = context("url = \"" + echo.url("/").replace("://", "://lab:s3cP%C3%A9@")
                    + "\", headers { X-Api-Key = XApiK3ySecret, X-Token = \"Bearer HdrTok3nSecret\", X-Camera = 7,"
                    + " X-Place = \"front door\" }");
            uploadAll(context, 1);
            assertThat(context.count("uploads")).isOne();
            String basic = Base64.getEncoder().encodeToString("lab:s3cP\u00e9".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("Status: 200, you sent:"))
                    .singleElement().asString()
                    .isEqualTo("Status: 200, you sent: Authorization: Basic ***; X-Api-Key: ***; X-Token: Bearer ***;"
                            + " X-Camera: 7; user lab, password ***. api_key=***; path /k/***/;"
                            + " files ***.json, ***-x; short s3cP\u00e9s;"
                            + " the front doorbell, the front door.step");
            assertThat(log.all().replace("short s3cP\u00e9s", "")) // a short one inside a word stays
                    .doesNotContain("XApiK3ySecret", "HdrTok3nSecret", "s3cP", basic);
        }
    }

    /** A server naming the wrong key it got: the url's query values named secrets, as written and decoded. */
    @Test
    void secretsOfTheUrlsQueryAServerEchoesAreMaskedInTheLog() throws Exception {
        try (AnsweringServer echo = new AnsweringServer(sent -> "invalid api key K3yS3cr3tValue99, token t0k/3n"
                + " (t0k%2F3n) for cam 3")) {
            String url = echo.url("/frames?api_key=K3yS3cr3tValue99&cam=3&token=t0k%2F3n");
            TestNodeContext context = context("url = \"" + url + "\"");
            uploadAll(context, 1);
            assertThat(log.messages(Level.INFO)).contains("Status: 200, invalid api key ***, token *** (***) for cam 3");
            assertThat(log.all()).doesNotContain("K3yS3cr3tValue99", "t0k");
        }
    }

    @Test
    void aTokenAsTheUrlsUserNameIsNeverLogged() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/upload").replace("://", "://" + TOKEN + "@") + "\"");
        uploadAll(context, 1);

        assertThat(log.messages(Level.INFO)).contains(
                "Sending data to " + server.url("/upload").replace("://", "://***@") + "... waiting for response");
        assertThat(log.all()).doesNotContain(TOKEN);
    }

    /** As Python's requests: the user and password in Latin-1 (it was UTF-8), and none for a user alone. */
    @Test
    void urlCredentialsBecomeBasicAuthorization() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/").replace("://", "://lab:s3cr%C3%A9t@") + "\"");
        uploadAll(context, 1);
        uploader.close();
        uploadAll(context("url = \"" + server.url("/").replace("://", "://TOKEN@") + "\""), 1);

        assertThat(server.requests().get(0).header("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("lab:s3cr\u00e9t".getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(server.requests().get(1).header("Authorization")).as("a user without a password").isNull();
    }

    /**
     * Docker Compose names services with {@code _}, which DNS and Python's requests take but
     * {@link java.net.URI} finds no host in: such a url was refused at config.
     */
    @Test
    void aHostNameWithAnUnderscoreIsLookedUpAndUploadedToWithTheUrlsCredentials() throws Exception {
        List<String> lookedUp = new CopyOnWriteArrayList<>();
        String url = server.url("/in?site=a").replace("127.0.0.1", "lab:s3cret@upload_server");
        uploader = Uploading.open(context("url = \"" + url + "\""), host -> {
            lookedUp.add(host);
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        });
        uploader.put(Frames.next("cam"));
        uploader.flush(Waits.GENEROUS);

        assertThat(lookedUp).containsOnly("upload_server");
        RecordingServer.Request request = server.requests().get(0);
        assertThat(request.header("Host")).isEqualTo("upload_server:" + URI.create(server.url("/")).getPort());
        assertThat(request.uri().getRawPath()).isEqualTo("/in");
        assertThat(request.query("site")).isEqualTo("a");
        assertThat(request.header("Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("lab:s3cret".getBytes()));
        assertThat(log.messages(Level.INFO)).contains("Sending data to "
                + url.replace("lab:s3cret", "***").replace("site=a", "site=***") + "... waiting for response");
        assertThat(log.all()).doesNotContain("s3cret");
    }

    /**
     * Letters beyond ASCII in the url's path and query go out as requests sends them, UTF-8
     * percent-encoded: HttpCore sent each as '?' ({@code POST /???partition_key=...}, to path
     * {@code /}), and every upload counted as delivered.
     */
    @Test
    void aUrlWithLettersBeyondAsciiIsSentPercentEncodedAsRequestsSendsIt() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/\u4e0a\u4f20?cam=\u5317\u95e8") + "\"");
        uploadAll(context, 1);

        RecordingServer.Request request = server.requests().get(0);
        assertThat(request.uri().toString()).as("the request's target as it came") // URI keeps the text it read
                .isEqualTo("/%E4%B8%8A%E4%BC%A0?cam=%E5%8C%97%E9%97%A8&partition_key="
                        + request.header("X-Partition-Key"));
        assertThat(log.messages(Level.INFO)).contains("Sending data to " + server.url("/\u4e0a\u4f20?cam=***")
                + "... waiting for response");
    }

    /**
     * Brackets in the url's query ({@code ?ids[]=1}, PHP's and Rails' arrays) go out percent-encoded,
     * and dot segments out of its path, as requests prepares the url (urllib3's parse_url): sent raw,
     * Tomcat and Spring Boot answered each upload 400, where Python MSight's went through.
     */
    @Test
    void aUrlIsSentWithItsPathAndQueryAsRequestsPreparesThem() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/api/./v1/../in?ids[]=1&f[site]=n") + "\"");
        uploadAll(context, 1);

        RecordingServer.Request request = server.requests().get(0);
        assertThat(request.uri().toString()).as("the request's target as it came")
                .isEqualTo("/api/in?ids%5B%5D=1&f%5Bsite%5D=n&partition_key=" + request.header("X-Partition-Key"));
    }

    /**
     * Every value of the url's query may be a key (Azure Functions' {@code ?code=}, which no secret's
     * name tells): masked in the Sending line, and wherever a server echoes it, in a body or a Location;
     * the partition_key the uploader adds is no secret of the url and stays.
     */
    @Test
    void noValueOfTheUrlsQueryIsLoggedWhereverItIsEchoed() throws Exception {
        AtomicInteger uploads = new AtomicInteger();
        HttpServer echo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        echo.createContext("/", exchange -> { // the first upload moved for good (301), the next redirected to a 400
            exchange.getRequestBody().readAllBytes();
            String query = exchange.getRequestURI().getRawQuery();
            int status = exchange.getRequestURI().getPath().equals("/api/in") ? 400
                    : uploads.incrementAndGet() == 1 ? 301 : 308;
            exchange.getResponseHeaders().set("Location", (status == 301 ? "/api/gone?" : "/api/in?") + query);
            byte[] body = ("no function answers /api/in?" + query).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        echo.start();
        try {
            String url = "http://127.0.0.1:" + echo.getAddress().getPort() + "/api/upload?code=K3yK3yK3yK3y";
            TestNodeContext context = context("url = \"" + url + "\", max-in-flight = 1");
            uploadAll(context, 2);

            assertThat(context.count("failed")).isEqualTo(2);
            assertThat(log.messages(Level.INFO)).contains("Sending data to " + url.replace("K3yK3yK3yK3y", "***")
                    + "... waiting for response").anyMatch(line -> line.startsWith("Status: 400, no function answers"
                    + " /api/in?code=***&partition_key="));
            assertThat(log.messages(Level.WARN)).anyMatch(line -> line.contains(" (moved to 'http://127.0.0.1:"
                    + echo.getAddress().getPort() + "/api/gone?code=***&partition_key="))
                    .anyMatch(line -> line.contains("are redirected (status 308) to 'http://127.0.0.1:"
                            + echo.getAddress().getPort() + "/api/in?code=***&partition_key="));
            assertThat(log.all()).doesNotContain("K3yK3yK3yK3y");
        } finally {
            echo.stop(0);
        }
    }

    @Test
    void busyPipelinesCanLogUploadsAtDebug() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/") + "\", log-uploads-at = debug");
        uploadAll(context, 1);

        assertThat(log.messages(Level.INFO)).noneMatch(line -> line.startsWith("Sending data"));
        assertThat(log.messages(Level.DEBUG)).anyMatch(line -> line.startsWith("Sending data to "))
                .anyMatch(line -> line.startsWith("Status: 200, "));
    }

    @Test
    void sensorNameKeysCycleThroughTheShardsAndJoinAnExistingQuery() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/in?site=a%20b") + "\"\n"
                + "partition-key-mode = sensor_name, shards = 3, max-in-flight = 1");
        uploader = Uploading.open(context);
        for (int i = 0; i < 5; i++) {
            uploader.put(Frames.next("cam 1"));
        }
        uploader.flush(Waits.GENEROUS);

        List<String> keys = server.requests().stream().map(r -> r.header("X-Partition-Key")).toList();
        // MSight's order: the counter is incremented before the modulo
        assertThat(keys).containsExactly("cam 11", "cam 12", "cam 10", "cam 11", "cam 12");
        RecordingServer.Request first = server.requests().get(0);
        assertThat(first.uri().getRawQuery()).isEqualTo("site=a%20b&partition_key=cam+11");
        assertThat(first.query("partition_key")).isEqualTo("cam 11");
    }

    /**
     * A retry goes with its message's key, as MSight sends each message once: it was given the
     * next key, moving the message to another shard and every later one off MSight's cycle.
     */
    @Test
    void aRetryKeepsItsMessagesKeyAndTheShardsCycleAsMsights() throws Exception {
        server.answer(n -> n == 1 ? 503 : 200);
        uploader = Uploading.open(context("url = \"" + server.url("/") + "\"\n"
                + "partition-key-mode = sensor_name, shards = 3, max-in-flight = 1, retries = 1\n"
                + "retry-backoff { initial = 20ms, max = 100ms }"));
        for (int i = 0; i < 3; i++) {
            uploader.put(Frames.next("cam"));
        }
        uploader.flush(Waits.GENEROUS);

        assertThat(server.everyRequest()).map(request -> request.header("X-Partition-Key"))
                .containsExactly("cam1", "cam1", "cam2", "cam0");
        assertThat(server.everyRequest()).map(request -> request.query("partition_key"))
                .containsExactly("cam1", "cam1", "cam2", "cam0");
    }

    /** The time of a random key is its message's first attempt's. */
    @Test
    void aRetryKeepsTheTimeOfItsFirstAttempt() throws Exception {
        server.answer(n -> n == 1 ? 503 : 200);
        uploader = Uploading.open(context("url = \"" + server.url("/") + "\", retries = 1,"
                + " retry-backoff { initial = 20ms, max = 100ms }"));
        uploader.put(Frames.next("cam"));
        uploader.flush(Waits.GENEROUS);

        assertThat(server.everyRequest()).hasSize(2).map(request -> request.header("X-Partition-Key"))
                .containsOnly(server.requests().get(0).query("partition_key"));
    }

    /**
     * A sensor name beyond Latin-1 makes a key no header can carry: MSight's requests raises
     * (UnicodeEncodeError) and uploads nothing, having counted the message in the shards' cycle.
     * HttpCore sent '?' for each such character, a key the query did not have. A Latin-1 name goes
     * in Latin-1, as requests sends it.
     */
    @Test
    void aKeyNoHeaderCanCarryIsRefusedAsMsightsRequestsRefusesIt() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/") + "\"\n"
                + "partition-key-mode = sensor_name, shards = 3, max-in-flight = 1");
        uploader = Uploading.open(context);
        uploader.put(Frames.next("\u6444\u50cf\u5934"));
        uploader.put(Frames.next("caf\u00e9"));
        uploader.flush(Waits.GENEROUS);

        assertThat(server.everyRequest()).singleElement().satisfies(request -> {
            assertThat(request.header("X-Partition-Key")).isEqualTo("caf\u00e92");
            assertThat(request.uri().getRawQuery()).isEqualTo("partition_key=caf%C3%A92");
        });
        assertThat(context.count("failed")).isOne();
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).singleElement().asString()
                .endsWith(" after 1 attempt: its partition key '\u6444\u50cf\u59341' cannot be sent as the"
                        + " X-Partition-Key header: it has a character beyond Latin-1, which a header cannot carry"
                        + " (MSight's requests refuses it too); give the sensor another name, or set"
                        + " partition-key-mode = random");
    }

    @Test
    void waitsBeforeTheFirstUpload() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/") + "\", wait = 300ms");
        long start = System.nanoTime();
        uploader = Uploading.open(context);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aStopEndsTheWaitBeforeTheFirstUploadAndWhatIsQueuedIsUploaded() throws Exception {
        TestNodeContext context = context("url = \"" + server.url("/") + "\", wait = 1h");
        CompletableFuture<Uploading> opening = CompletableFuture.supplyAsync(() -> {
            try {
                return Uploading.open(context);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        await().atMost(Waits.GENEROUS).until(() -> log.messages(Level.INFO).contains(
                "waiting 3600000 ms before the first upload"));
        context.stopPipeline();
        uploader = opening.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
        assertThat(log.messages(Level.INFO)).contains(
                "stopping: the wait before the first upload ends now, to upload what is queued");
        uploader.put(Frames.next("rtsp_sensor"));
        uploader.flush(Waits.GENEROUS);
        assertThat(server.requests()).hasSize(1);
    }

    /** A lookup thread waiting for the next lookup (30 s while the node is open) ends with the uploader's close. */
    @Test
    void noLookupThreadOutlivesTheUploadersClose() throws Exception {
        uploadAll(context("url = \"" + server.url("/") + "\"").withNodeName("looked-up"), 1);
        uploader.close();
        uploader = null;
        await("the lookup thread's end").atMost(Waits.GENEROUS.dividedBy(2)).until(() -> Thread.getAllStackTraces()
                .keySet().stream().noneMatch(thread -> thread.getName().startsWith("node-looked-up-dns")));
    }

    private List<ImageData> uploadAll(TestNodeContext context, int frames) throws Exception {
        uploader = Uploading.open(context);
        List<ImageData> sent = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            ImageData frame = Frames.next("rtsp_sensor");
            sent.add(frame);
            uploader.put(frame);
        }
        uploader.flush(Waits.GENEROUS);
        return sent;
    }

    private TestNodeContext context(String block) {
        return TestNodeContext.of("http-uploader", block).withLogger(log);
    }

    private static ImageData sentWithFrameId(List<ImageData> sent, long frameId) {
        return sent.stream().filter(frame -> frame.metadata().frameId() == frameId).findFirst()
                .orElseThrow(() -> new AssertionError("the server received frame " + frameId + ", never sent"));
    }
}

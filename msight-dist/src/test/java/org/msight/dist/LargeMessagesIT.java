package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.codec.MsightCodec;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RedisTestServer;
import redis.clients.jedis.Jedis;

/**
 * A burst of large legal messages, as an audit sent them: 14 raw images of 20 MB published at
 * once on Redis to an uploader whose destination does not answer yet, in a process with the
 * launchers' default heap (-Xmx256m) and settings. Fewer than queue-capacity, they still pass the
 * node's queue-max-bytes: the oldest are dropped and counted, the process keeps its memory, none
 * is counted malformed, and what the queue kept is uploaded once the destination answers. (Before,
 * the heap ran out: the Redis subscriber lost what Redis held for it, and a message the node had
 * no room to decode was counted malformed.)
 */
class LargeMessagesIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int BURST = 14;
    private static final Pattern THROUGHPUT = Pattern.compile("up - INFO :: throughput: .*dropped (\\d+), malformed"
            + " (\\d+),");

    @TempDir
    Path dir;

    @Test
    void aBurstOfLargeMessagesIsHeldByBytesWithoutRunningOutOfMemory() throws Exception {
        // Redis keeps the whole burst for the subscriber, however slowly it reads (no pub/sub output limit)
        try (RedisTestServer redis = new RedisTestServer(List.of("--client-output-buffer-limit", "pubsub 0 0 0"))
                .start(); Jedis publisher = new Jedis("127.0.0.1", redis.port());
                HeldDestination destination = new HeldDestination()) {
            Path conf = Files.writeString(dir.resolve("large.conf"), """
                    msight { bus = redis, stats-interval = 1s, http.enabled = false, registry.enabled = false }
                    nodes { up { type = http-uploader, subscribe-topic = big, url = "%s", attempt-timeout = 5m } }
                    """.formatted(destination.url()));
            Map<String, String> env = Map.of("MSIGHT_REDIS_MESSAGE_BROKER_HOST", "127.0.0.1",
                    "MSIGHT_REDIS_MESSAGE_BROKER_PORT", String.valueOf(redis.port()));
            try (RunningCommand run = Distribution.start(dir.resolve("run.log"), env, "msight-run", conf.toString())) {
                run.awaitCondition("the node subscribed", () -> publisher.pubsubNumSub("big").get("big") == 1, LIMIT);
                byte[] payload = largeImage();
                for (int i = 0; i < BURST; i++) {
                    publisher.publish("big".getBytes(StandardCharsets.US_ASCII), payload);
                }
                run.awaitCondition("the burst reached the node", () -> dropped(run.output()) > 0, LIMIT);
                destination.answer();
                run.awaitCondition("each message uploaded or dropped",
                        () -> destination.uploads() + dropped(run.output()) == BURST, LIMIT);
                assertThat(counts(run.output())[1]).as("malformed; the process printed:\n%s", run.output()).isZero();
                assertThat(run.output()).doesNotContainIgnoringCase("out of memory").doesNotContain("OutOfMemoryError");
                run.stopCleanly(LIMIT);
            }
        }
    }

    /** A raw BGR image of 20 MB, of noise, as MessagePack. */
    private static byte[] largeImage() {
        int height = 2304;
        int width = 2896;
        byte[] pixels = new byte[height * width * 3];
        new Random(1).nextBytes(pixels);
        return MsightCodec.withBuiltInTypes().toMessagePack(new ImageData(Metadata.create("camera", "edge",
                Metadata.now()), pixels, false, height, width, 3, null));
    }

    private static long dropped(String output) {
        return counts(output)[0];
    }

    /** The node's messages dropped and malformed so far, from its latest throughput line (none before it). */
    private static long[] counts(String output) {
        long[] counts = {0, 0};
        Matcher line = THROUGHPUT.matcher(output);
        while (line.find()) {
            counts[0] = Long.parseLong(line.group(1));
            counts[1] = Long.parseLong(line.group(2));
        }
        return counts;
    }

    /** An HTTP destination that takes uploads but answers none until {@link #answer()}; then 200 to each. */
    private static final class HeldDestination implements AutoCloseable {

        private final HttpServer server;
        private final CountDownLatch answering = new CountDownLatch(1);
        private final AtomicInteger uploads = new AtomicInteger();

        HeldDestination() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next()), 16);
            server.createContext("/", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    answering.await();
                    body.transferTo(OutputStream.nullOutputStream());
                    uploads.incrementAndGet();
                    exchange.sendResponseHeaders(200, -1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        }

        void answer() {
            answering.countDown();
        }

        int uploads() {
            return uploads.get();
        }

        @Override
        public void close() {
            answer();
            server.stop(0);
        }
    }
}

package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * Servers that never let an upload finish, on raw loopback sockets: one that drips its answer a
 * byte a second, one that stops in the middle of its answer, one that never answers, one that
 * asks to come back later.
 * Each attempt has a deadline for the whole exchange: a stuck one is aborted, counted, logged
 * once, retried and given up like any failure, and uploads flow again once the server is healthy.
 */
class StuckServerTest {

    private static final Duration LIMIT = Waits.GENEROUS;
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

    private final RecordingLogger log = new RecordingLogger("uploader");
    private final RawServer server = new RawServer();
    private Uploading uploader;

    @AfterEach
    void stop() throws IOException {
        if (uploader != null) {
            uploader.close();
        }
        server.close();
    }

    @Test
    void anAnswerDrippedAByteASecondIsAbortedAtTheDeadlineAndUploadsResume() throws Exception {
        server.behaviour.set(Behaviour.DRIP);
        stuckAttemptsAreGivenUpThenUploadsFlow();
    }

    @Test
    void anAnswerNeverFinishedIsAbortedAtTheDeadlineAndUploadsResume() throws Exception {
        server.behaviour.set(Behaviour.UNFINISHED);
        stuckAttemptsAreGivenUpThenUploadsFlow();
    }

    @Test
    void retryAfterIsWaitedBeforeTheNextAttempt() throws Exception {
        server.behaviour.set(Behaviour.RETRY_AFTER_1S);
        TestNodeContext context = open("retries = 2, retry-backoff { initial = 10ms, max = 20ms }");

        long start = System.nanoTime();
        uploader.put(Frames.next("cam"));
        Awaitility.await().atMost(LIMIT).until(() -> context.count("uploads") == 1);

        assertThat(server.requests.get()).isEqualTo(2);
        assertThat(context.count("retries")).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    /** Closing asks the client to stop, which waits for the exchange under way: 1 s at most, said in a line. */
    @Test
    void aCloseWhileTheServerKeepsAnUploadUnansweredIsOneLineAfterASecond() throws Exception {
        server.behaviour.set(Behaviour.SILENT);
        open("attempt-timeout = 60s");
        uploader.put(Frames.next("cam"));
        Awaitility.await().atMost(LIMIT).until(() -> server.requests.get() == 1);

        uploader.close();
        assertThat(log.messages(Level.WARN))
                .containsExactly("the HTTP client's I/O thread did not stop within 1 s; closing it anyway");
    }

    /**
     * A 200 whose charset Java does not know ({@code charset=None}, as a Python server writes one
     * it left unset) is the upload it says it is: it failed the exchange before its status was read,
     * and the frame was uploaded again, and again, then counted as failed.
     */
    @Test
    void anAnswerInACharsetJavaDoesNotKnowIsAnUpload() throws Exception {
        server.behaviour.set(Behaviour.UNKNOWN_CHARSET);
        TestNodeContext context = open("retries = 2, retry-backoff { initial = 10ms, max = 20ms }");

        uploader.put(Frames.next("cam"));
        Awaitility.await().atMost(LIMIT).until(() -> context.count("uploads") + context.count("failed") == 1);

        assertThat(context.count("uploads")).as(log.all()).isOne();
        assertThat(context.count("retries")).isZero();
        assertThat(server.requests.get()).isOne();
    }

    /** A close with nothing under way says nothing: the line above is for a wait that ran out. */
    @Test
    void aCloseAfterEveryUploadWasAnsweredIsSilent() throws Exception {
        TestNodeContext context = open("");
        uploader.put(Frames.next("cam"));
        Awaitility.await().atMost(LIMIT).until(() -> context.count("uploads") == 1);

        uploader.close();
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    private void stuckAttemptsAreGivenUpThenUploadsFlow() throws Exception {
        TestNodeContext context = open("retries = 1, attempt-timeout = 1500ms, retry-backoff { initial = 10ms, max = 20ms }");

        uploader.put(Frames.next("cam"));
        uploader.put(Frames.next("cam"));
        Awaitility.await().atMost(LIMIT).until(() -> context.count("failed") == 2);

        assertThat(context.count("timeouts")).isEqualTo(4);
        assertThat(context.count("retries")).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.contains("stuck")).singleElement().asString()
                .contains("no complete answer within attempt-timeout (1500 ms)");
        assertThat(log.messages(Level.WARN)).as("one line a minute at most").filteredOn(line -> line.startsWith("gave up"))
                .singleElement().asString()
                .endsWith("after 2 attempts: no complete answer within attempt-timeout (1500 ms)");

        server.behaviour.set(Behaviour.HEALTHY);
        for (int i = 0; i < 3; i++) {
            uploader.put(Frames.next("cam"));
        }
        Awaitility.await().atMost(LIMIT).until(() -> context.count("uploads") == 3);
        assertThat(log.messages(Level.INFO)).anyMatch(line -> line.startsWith("deliveries recovered after"));
    }

    private TestNodeContext open(String settings) throws Exception {
        TestNodeContext context = TestNodeContext.of("http-uploader",
                "url = \"http://127.0.0.1:" + server.port() + "/up\", log-uploads-at = debug\n" + settings).withLogger(log);
        uploader = Uploading.open(context);
        return context;
    }

    private enum Behaviour { DRIP, UNFINISHED, SILENT, RETRY_AFTER_1S, UNKNOWN_CHARSET, HEALTHY }

    /** An HTTP/1.1 server on a raw socket that reads each request whole, then answers as told. */
    private static final class RawServer implements AutoCloseable {
        final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.HEALTHY);
        final AtomicInteger requests = new AtomicInteger();
        private final ServerSocket socket;
        private final ExecutorService connections = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "raw-server");
            thread.setDaemon(true);
            return thread;
        });

        RawServer() {
            try {
                socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            connections.execute(this::accept);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    connections.execute(() -> serve(connection));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
                while (readRequest(in)) {
                    int number = requests.incrementAndGet();
                    switch (behaviour.get()) {
                        case HEALTHY -> out.write(OK.getBytes(StandardCharsets.US_ASCII));
                        case UNKNOWN_CHARSET -> out.write(OK.replace("json", "json; charset=None")
                                .getBytes(StandardCharsets.US_ASCII));
                        case RETRY_AFTER_1S -> out.write((number == 1
                                ? "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n" : OK)
                                .getBytes(StandardCharsets.US_ASCII));
                        case UNFINISHED -> {
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"status\"".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            in.read(); // until the client gives up and closes
                            return;
                        }
                        case SILENT -> {
                            in.read(); // until the client gives up and closes
                            return;
                        }
                        case DRIP -> {
                            for (byte b : OK.getBytes(StandardCharsets.US_ASCII)) {
                                out.write(b);
                                out.flush();
                                Thread.sleep(1000);
                            }
                        }
                    }
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client aborted the exchange
            }
        }

        /** Reads headers and a Content-Length body; false at the end of the connection. */
        private static boolean readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while (!head.toString().endsWith("\r\n\r\n")) {
                if ((b = in.read()) < 0) {
                    return false;
                }
                head.append((char) b);
            }
            long length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            in.skipNBytes(length);
            return true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            connections.shutdownNow();
        }
    }
}

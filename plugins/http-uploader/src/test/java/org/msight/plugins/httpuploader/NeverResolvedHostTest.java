package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.api.DaemonThreads;
import org.msight.api.RetriableException;
import org.msight.api.data.ImageData;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/**
 * Uploads to a host never resolved while DNS does not answer: the test's DNS waits until the test
 * lets it answer (127.0.0.1), and connect-timeout is an hour. HttpClient looks the host up on the
 * thread that starts the connection, which for a retry is the delivery's timer, also running the
 * deadlines of the attempts under way and the spool's writes: it was held for connect-timeout at
 * each attempt.
 */
class NeverResolvedHostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RecordingServer server = RecordingServer.http();
    private final CountDownLatch dnsSilent = new CountDownLatch(1);
    private final TestNodeContext context = TestNodeContext.of("http-uploader",
            "url = \"" + server.url("/up").replace("127.0.0.1", "collector.test") + "\", connect-timeout = 1h");
    private final AtomicInteger lookups = new AtomicInteger();
    private final HttpUploader node = new HttpUploaderProvider().create(context, host -> {
        lookups.incrementAndGet();
        try {
            dnsSilent.await();
        } catch (InterruptedException e) {
            throw new UnknownHostException("interrupted");
        }
        return new InetAddress[] {InetAddress.getLoopbackAddress()};
    }, Map.of());

    @AfterEach
    void stop() {
        dnsSilent.countDown();
        node.close();
        server.close();
    }

    @Test
    void anUploadStartsWithoutHoldingTheSendingThreadAndIsSentOnceDnsAnswers() throws Exception {
        node.open();

        CompletableFuture<Void> upload = sentOnAThreadOfItsOwn(Frames.next("cam"))
                .get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS); // without the fix: held for an hour
        assertThat(upload).as("the upload while DNS does not answer").isNotDone();

        dnsSilent.countDown();
        assertThat(upload).succeedsWithin(Waits.GENEROUS);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void anUploadCancelledPastItsDeadlineWhileDnsDidNotAnswerIsNotSent() throws Exception {
        node.open();
        CompletableFuture<Void> late = node.send(Frames.next("cam")).toCompletableFuture();
        late.cancel(true); // as the runtime does at attempt-timeout

        dnsSilent.countDown();
        // the lookup's thread, which went on to the uploads waiting for it, waits for the next lookup
        await().atMost(Waits.GENEROUS).until(() -> Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("node-" + context.nodeName() + "-dns"))
                .allMatch(LastKnownDnsResolverTest::idle));
        ImageData next = Frames.next("cam");
        assertThat(node.send(next).toCompletableFuture()).succeedsWithin(Waits.GENEROUS);
        node.close(); // waits for the exchanges under way

        // the gate's, then the connection's for the next: an exchange for the cancelled one would look up too
        assertThat(lookups).as("DNS lookups").hasValue(2);
        assertThat(server.requests()).as("the requests the server took").hasSize(1);
        assertThat(JSON.readTree(server.requests().get(0).body()).get("frame_id").asLong())
                .isEqualTo(next.metadata().frameId());
    }

    /** close() ends the attempts under way, as AsyncSinkNode says: one waiting for DNS waited for connect-timeout. */
    @Test
    void closeEndsAnUploadWaitingForDns() throws Exception {
        node.open();
        CompletableFuture<Void> upload = node.send(Frames.next("cam")).toCompletableFuture();

        node.close();
        assertThat(upload).failsWithin(Waits.GENEROUS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(RetriableException.class)
                .withMessageContaining("the uploader closed while the host was being looked up");
    }

    /** Calls send() on a thread of its own: the stage it returns, once it has returned. */
    private CompletableFuture<CompletableFuture<Void>> sentOnAThreadOfItsOwn(ImageData frame) {
        CompletableFuture<CompletableFuture<Void>> returned = new CompletableFuture<>();
        DaemonThreads.start("test-sender", () -> returned.complete(node.send(frame).toCompletableFuture()));
        return returned;
    }
}

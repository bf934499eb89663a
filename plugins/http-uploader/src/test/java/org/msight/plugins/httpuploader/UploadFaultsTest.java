package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.assertj.core.data.Index;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Delivery;
import org.msight.api.data.FieldWriter;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import org.msight.testkit.LineLogger;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/** Servers that fail, vanish and stall: retries with backoff, failed uploads counted once, uploads resume, memory bounded. */
class UploadFaultsTest {

    private static final Duration LIMIT = Waits.GENEROUS;
    private static final String FAST_RETRIES = "retry-backoff { initial = 20ms, max = 100ms }\n";

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
    void serverErrorsAreRetriedUntilTheServerAnswers() throws Exception {
        server.answer(n -> n <= 2 ? 500 : 200);
        TestNodeContext context = open(FAST_RETRIES + "retries = 3");

        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);

        assertThat(server.received()).isEqualTo(3);
        assertThat(server.requests()).hasSize(1);
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(context.count("retries")).isEqualTo(2);
        assertThat(context.count("failed")).isZero();
        String sending = "Sending data to " + server.url("/") + "... waiting for response";
        assertThat(uploadLines(Level.INFO)).as("the first failure's answer, no line per retry, the success's answer")
                .containsExactly(sending, "Status: 500, {\"status_code\": \"error\", \"text\": \"Server received "
                        + server.requests().get(0).body().length + " bytes\"}", "Status: 200, {\"status_code\": \"ok\","
                        + " \"text\": \"Server received " + server.requests().get(0).body().length + " bytes\"}");
        assertThat(uploadLines(Level.DEBUG)).as("the retries' lines").hasSize(3);

        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);
        assertThat(uploadLines(Level.INFO)).as("once uploads work again, each one's two lines").hasSize(5)
                .contains(sending, Index.atIndex(3));
    }

    @Test
    void otherClientErrorsAreNotRetried() throws Exception {
        server.answer(n -> n == 1 ? 400 : 200);
        TestNodeContext context = open(FAST_RETRIES + "retries = 3");

        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);

        assertThat(server.received()).isEqualTo(2);
        assertThat(context.count("retries")).isZero();
        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(context.count("dropped")).as("the runtime's inbox drop count, not the uploader's").isZero();
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .matches("gave up on frame \\d+ after 1 attempt: the server answered status 400");
    }

    @Test
    void afterTheRetryLimitUploadsFailWithOneLineAMinuteAtMostAndUploadsResume() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        server.answer(n -> down.get() ? 503 : 200);
        TestNodeContext context = open(FAST_RETRIES + "retries = 2, max-in-flight = 2");

        uploader.put(Frames.next("cam"));
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);

        assertThat(server.received()).isEqualTo(6);
        assertThat(context.count("retries")).isEqualTo(4);
        assertThat(context.count("failed")).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).singleElement().asString()
                .matches("gave up on frame \\d+ after 3 attempts: the server answered status 503");
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("delivery failing")).hasSize(1);

        down.set(false);
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("deliveries recovered")).singleElement()
                .asString().endsWith(" s; 2 frames given up meanwhile (counted as 'failed')");
    }

    @Test
    void uploadsResumeWhenAStoppedServerStartsAgain() throws Exception {
        TestNodeContext context = open("retry-backoff { initial = 100ms, max = 400ms }, retries = 10, max-in-flight = 2");
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);

        server.stop();
        for (int i = 0; i < 2; i++) {
            uploader.put(Frames.next("cam"));
        }
        await().atMost(LIMIT).until(() -> context.count("retries") >= 2);
        server.start();
        uploader.flush(LIMIT);

        assertThat(context.count("uploads")).isEqualTo(3);
        assertThat(context.count("failed")).isZero();
        assertThat(server.requests()).hasSize(3);
        assertThat(log.lines()).noneMatch(line -> line.level() == Level.ERROR);
    }

    @Test
    void aServerThatDoesNotAnswerTimesOutAndTheUploadFails() throws Exception {
        server.stall(Duration.ofSeconds(5));
        TestNodeContext context = open(FAST_RETRIES + "retries = 1, attempt-timeout = 300ms");

        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);

        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(context.count("timeouts")).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).singleElement().asString()
                .endsWith("after 2 attempts: no complete answer within attempt-timeout (300 ms)");

        server.release();
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);
        assertThat(context.count("uploads")).isEqualTo(1);
    }

    /**
     * The runtime's inbox (drop-oldest) in front of the node, as in a pipeline: with the server
     * stalled, uploads stay at max-in-flight, the runtime's submit blocks, and everything else waits in the
     * bounded inbox, the oldest dropped, however many frames come.
     */
    @Test
    void aStalledServerKeepsUploadsAtTheCapAndTheQueueBounded() throws Exception {
        server.stall(Duration.ofSeconds(30));
        TestNodeContext context = open("max-in-flight = 2");
        Inbox inbox = new Inbox(4);
        AtomicInteger handedOver = new AtomicInteger();
        Thread sink = new Thread(() -> {
            try {
                while (true) {
                    Delivery next = inbox.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        uploader.put(next.data());
                        handedOver.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }, "sink");
        sink.start();

        for (int i = 0; i < 3; i++) { // two in flight, and a third the node's submit holds
            inbox.deliver(Delivery.of(Frames.next("cam")));
        }
        await().atMost(LIMIT).until(() -> server.handlingNow() == 2 && waitsForASlot(sink));
        for (int i = 3; i < 200; i++) {
            inbox.deliver(Delivery.of(Frames.next("cam")));
        }
        assertThat(server.mostHandledAtOnce()).isEqualTo(2);
        assertThat(handedOver.get()).isEqualTo(2);
        assertThat(inbox.size()).isEqualTo(4);
        assertThat(inbox.dropped()).isEqualTo(200 - 2 - 1 - 4);

        server.release();
        await().atMost(LIMIT).until(() -> context.count("uploads") == 2 + 1 + 4);
        assertThat(server.mostHandledAtOnce()).isEqualTo(2);

        sink.interrupt();
        sink.join(LIMIT.toMillis());
        assertThat(sink.isAlive()).isFalse();
    }

    @Test
    void putBlockedOnAStalledServerCanBeInterrupted() throws Exception {
        server.stall(Duration.ofSeconds(30));
        open("max-in-flight = 1");
        uploader.put(Frames.next("cam"));
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread sink = new Thread(() -> {
            try {
                uploader.put(Frames.next("cam"));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        sink.start();
        await().atMost(LIMIT).until(() -> waitsForASlot(sink));

        sink.interrupt();
        sink.join(LIMIT.toMillis());
        assertThat(interrupted).isTrue();
    }

    @Test
    void flushWaitsForUploadsUnderWayUpToItsLimit() throws Exception {
        server.stall(Duration.ofMillis(300));
        TestNodeContext context = open("max-in-flight = 2");
        uploader.put(Frames.next("cam"));
        uploader.put(Frames.next("cam"));
        uploader.flush(LIMIT);
        assertThat(context.count("uploads")).isEqualTo(2);

        server.stall(LIMIT.multipliedBy(2));
        uploader.put(Frames.next("cam"));
        long start = System.nanoTime();
        uploader.flush(Duration.ofMillis(200));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not waiting for the stall").isLessThan(LIMIT);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .isEqualTo("1 deliveries still under way when the drain time ran out; they are abandoned");
    }

    /**
     * The heap out of room as the uploader makes a request (a large image's JSON body): this
     * process's memory, not the destination. The request is made again with backoff once memory is
     * back, however many tries that takes, none counted against retries, and the line says what to
     * do about the memory, not that the destination fails.
     */
    @Test
    void aRequestTheHeapHasNoRoomForIsMadeOnceMemoryIsBackAndNotTakenForTheDestinationsOutage() throws Exception {
        TestNodeContext context = open(FAST_RETRIES + "retries = 1");
        uploader.put(new NoRoomForNow(4));
        uploader.flush(LIMIT);

        assertThat(server.requests()).hasSize(1);
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(context.count("failed")).isZero();
        assertThat(log.messages(Level.WARN)).singleElement().asString().isEqualTo("No memory left in this process to"
                + " make a request, not the destination's fault: each is made again"
                + " with backoff, for up to attempt-timeout (30s), then its message is given up. Give the process a"
                + " larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower this node's queue-max-bytes, queue-capacity or"
                + " max-in-flight");
        assertThat(log.messages(Level.INFO)).as("one upload's lines, no outage's end").containsExactly(
                "Sending data to " + server.url("/") + "... waiting for response", "Status: 200, {\"status_code\":"
                        + " \"ok\", \"text\": \"Server received " + server.requests().get(0).body().length + " bytes\"}");
        assertThat(context.count("retries")).as("the destination's").isZero();
    }

    /**
     * A message the heap never has room to make a request for is given up after attempt-timeout,
     * in one line, and its slot goes to the next message.
     */
    @Test
    void aRequestTheHeapNeverHasRoomForIsGivenUpAfterAttemptTimeout() throws Exception {
        TestNodeContext context = open(FAST_RETRIES + "attempt-timeout = 300ms, max-in-flight = 1");
        NoRoomForNow never = new NoRoomForNow(Integer.MAX_VALUE);
        uploader.put(never);
        uploader.put(Frames.next("cam")); // waits for the only slot
        uploader.flush(LIMIT);

        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).singleElement()
                .isEqualTo("gave up on frame " + never.metadata().frameId() + ": no memory left in this process to make"
                        + " its request within attempt-timeout (300ms). Give the process a larger heap"
                        + " (MSIGHT_JAVA_OPTS=-Xmx512m), or lower this node's queue-max-bytes, queue-capacity or"
                        + " max-in-flight");
        assertThat(log.messages(Level.WARN)).noneMatch(line -> line.startsWith("delivery failing"));
    }

    /** A message whose JSON the heap has no room for its first {@code times} tries, as a large image's may not. */
    private static final class NoRoomForNow extends SensorData {

        private final AtomicInteger times;

        NoRoomForNow(int times) {
            super(Metadata.create("cam", "edge-01", Metadata.now()));
            this.times = new AtomicInteger(times);
        }

        @Override
        public void writeFields(FieldWriter out) throws IOException {
            if (times.getAndDecrement() > 0) {
                throw new OutOfMemoryError("Java heap space (on purpose)");
            }
            out.writeString("note", "made at last");
        }
    }

    /** The uploader's own two lines of each upload (MSight's), at {@code level}. */
    private java.util.List<String> uploadLines(Level level) {
        return log.messages(level).stream().filter(line -> line.startsWith("Sending data") || line.startsWith("Status: "))
                .toList();
    }

    /**
     * The I/O thread ending on an Error (here the Status line's logging, which runs on it, throws
     * one once) loses no message: the exchange it held is retried at its deadline, the first
     * attempt on the stopped reactor fails as retriable, and the next starts a new client.
     */
    @Test
    void anIoThreadEndedByAnErrorLosesNoMessage() throws Exception {
        AtomicBoolean thrown = new AtomicBoolean();
        Logger dying = new LineLogger("uploader", Level.TRACE) {
            @Override
            protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                    Throwable throwable) {
                String message = MessageFormatter.basicArrayFormat(pattern, arguments);
                if (message.startsWith("Status: 200") && thrown.compareAndSet(false, true)) {
                    throw new OutOfMemoryError("Direct buffer memory (on purpose, on the I/O thread)");
                }
                log.atLevel(level).setCause(throwable).log(message);
            }
        };
        TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"" + server.url("/") + "\"\n"
                + FAST_RETRIES + "retries = 5, attempt-timeout = 2s").withLogger(dying);
        uploader = Uploading.open(context);
        CloseableHttpAsyncClient first = uploader.node.client();
        // the Error ends the I/O thread uncaught: kept here (the runtime's handler logs it) rather than by surefire's
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler surefires = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> uncaught.add(failure));
        try {
            uploader.put(Frames.next("cam"));
            await().dontCatchUncaughtExceptions().atMost(Waits.GENEROUS)
                    .until(() -> context.count("uploads") + context.count("failed") == 1);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(surefires);
        }

        assertThat(context.count("uploads")).as(log.all()).isOne();
        assertThat(uncaught).singleElement().isInstanceOf(OutOfMemoryError.class);
        assertThat(uploader.node.client()).isNotSameAs(first);
        assertThat(log.messages(Level.WARN)).contains("the HTTP client's I/O thread has stopped (SHUTTING_DOWN);"
                + " starting a new one");
    }

    private TestNodeContext open(String settings) throws Exception {
        TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"" + server.url("/") + "\"\n" + settings)
                .withLogger(log);
        uploader = Uploading.open(context);
        return context;
    }

    /**
     * Whether {@code sink} waits in its put for a free slot: it looks every 0.1 s whether a stop
     * began, whose drain time ends the wait, so it is seen waiting with a timeout too.
     */
    private static boolean waitsForASlot(Thread sink) {
        return sink.getState() == Thread.State.WAITING || sink.getState() == Thread.State.TIMED_WAITING;
    }
}

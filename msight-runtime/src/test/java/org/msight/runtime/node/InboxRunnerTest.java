package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.AsyncSinkNode;
import org.msight.api.Backoff;
import org.msight.api.Node;
import org.msight.api.NodeKind;
import org.msight.api.ProcessorNode;
import org.msight.api.RetriableException;
import org.msight.api.RetryAfterException;
import org.msight.api.SinkNode;
import org.msight.api.UnrecoverableException;
import org.msight.api.bus.Delivery;
import org.msight.api.data.BytesData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

class InboxRunnerTest {

    private final List<String> done = new CopyOnWriteArrayList<>();
    private final List<Long> handled = new CopyOnWriteArrayList<>();
    private final AtomicInteger unsubscribed = new AtomicInteger();

    /** A delivery that decodes to frame {@code n}, or fails as {@code failure} says, and notes when it is done. */
    private Delivery delivery(String name, long n, Throwable failure) {
        return delivery(name, n, failure, false);
    }

    /** As {@link #delivery(String, long, Throwable)}; {@code redelivered}: its bus delivers it again unless done. */
    private Delivery delivery(String name, long n, Throwable failure, boolean redelivered) {
        return new Delivery() {
            @Override
            protected SensorData decode() {
                if (failure instanceof RuntimeException e) {
                    throw e;
                }
                if (failure instanceof Error e) {
                    throw e;
                }
                return new BytesData(new Metadata("s", 1, 1, n, "d"), new byte[] {1});
            }

            @Override
            public void done() {
                done.add(name);
            }

            @Override
            public boolean redeliveredUnlessDone() {
                return redelivered;
            }
        };
    }

    /** The output of a node that publishes nothing. */
    private static final InboxRunner.Output NO_OUTPUT = new InboxRunner.Output() {
        @Override
        public void inputStarted() {
        }

        @Override
        public String inputEnded() {
            return null;
        }

        @Override
        public boolean canTakeResults() {
            return true;
        }
    };

    private InboxRunner runner(Inbox inbox, RecordingLogger log, int gap) {
        return runner(inbox, log, gap, data -> handled.add(data.metadata().frameId()), Duration.ofSeconds(5));
    }

    private InboxRunner runner(Inbox inbox, RecordingLogger log, int gap, SinkNode sink, Duration drainTimeout) {
        return runner(inbox, log, gap, (Node) sink, drainTimeout);
    }

    /** The runner of a sink or a processor. */
    private InboxRunner runner(Inbox inbox, RecordingLogger log, int gap, Node node, Duration drainTimeout) {
        return new InboxRunner("sink", node, log, new NodeStats("sink", NodeKind.SINK, new SimpleMeterRegistry()),
                getClass().getClassLoader(), new Backoff(Duration.ofMillis(10), Duration.ofMillis(10)), inbox, "topic",
                "bus 'test' (test)", gap, drainTimeout, data -> { }, NO_OUTPUT, null, unsubscribed::incrementAndGet);
    }

    @Test
    void malformedMessagesAreCountedLoggedOnceAndSkippedAndEveryDeliveryIsDoneOnce() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("bad", 0, new MalformedDataException("payload should be a map but is an array")));
        // a bus plugin that cannot read its own payload: skipped like any malformed message, not retried forever
        inbox.deliver(delivery("npe", 0, new NullPointerException("test: a bus plugin's payload")));
        inbox.deliver(delivery("good", 7, null));
        InboxRunner runner = runner(inbox, log, 0);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 3);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(handled).containsExactly(7L);
        assertThat(done).containsExactly("bad", "npe", "good");
        assertThat(inbox.malformed()).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).filteredOn(m -> m.contains("malformed")).singleElement().asString()
                .isEqualTo("Skipped 1 malformed message(s) on topic 'topic'; latest: payload should be a map but is"
                        + " an array");
    }

    /** As {@link #delivery}, but its done() fails once noted, as a bus's acknowledgement on a closed connection does. */
    private Delivery unacknowledged(String name, long n, Throwable failure) {
        Delivery noted = delivery(name, n, failure);
        return new Delivery() {
            @Override
            protected SensorData decode() {
                return noted.data();
            }

            @Override
            public void done() {
                noted.done();
                throw new IllegalStateException("connection closed");
            }
        };
    }

    /**
     * A bus whose acknowledgements fail is said, once a minute at most, and the node goes on: the
     * failure was retried as a NullPointerException of the runner's, the node restarting at every
     * message, handled, skipped by gap or malformed alike.
     */
    @Test
    void aDeliveryWhoseDoneThrowsIsSaidAndTheNodeGoesOn() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        for (long n = 1; n <= 7; n++) {
            inbox.deliver(unacknowledged("m" + n, n, null));
        }
        inbox.deliver(unacknowledged("bad", 0, new MalformedDataException("not a map")));
        InboxRunner runner = runner(inbox, log, 1); // one in two handled (or malformed), the other skipped
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 8);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(handled).containsExactly(2L, 4L, 6L);
        assertThat(done).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "bad");
        assertThat(runner.stats().restarts().count()).isZero();
        assertThat(log.messages(Level.WARN)).filteredOn(m -> !m.contains("malformed")).singleElement().asString()
                .isEqualTo("Failed to acknowledge 1 message(s) to the bus of topic 'topic', which may deliver them"
                        + " again; latest: connection closed");
        assertThat(log.all()).doesNotContain("NullPointerException");
    }

    /** A legal message the heap has no room for, to decode or to handle, is no malformed one, nor the node's failure. */
    @Test
    void aMessageTheHeapHasNoRoomForIsDroppedWithALineSayingWhatToDoAndTheNodeGoesOn() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(new Delivery(20_000_000) {
            @Override
            protected SensorData decode() {
                throw new OutOfMemoryError("Java heap space");
            }

            @Override
            public void done() {
                done.add("too large to decode");
            }
        });
        inbox.deliver(delivery("too large to handle", 8, null));
        inbox.deliver(delivery("good", 9, null));
        InboxRunner runner = runner(inbox, log, 0, data -> {
            if (data.metadata().frameId() == 8) {
                throw new OutOfMemoryError("Java heap space");
            }
            handled.add(data.metadata().frameId());
        }, Duration.ofSeconds(5));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 3);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(handled).containsExactly(9L);
        assertThat(done).containsExactly("too large to decode", "too large to handle", "good");
        assertThat(inbox.malformed()).isZero();
        assertThat(inbox.dropped()).isEqualTo(2);
        assertThat(runner.stats().restarts().count()).as("not restarted: the node goes on").isZero();
        assertThat(log.messages(Level.WARN)).singleElement().asString().isEqualTo("Dropped 1 message(s) on topic"
                + " 'topic' for want of memory, the latest of 20.0 MB (counted as 'dropped'). Give the process a larger"
                + " heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower this node's queue-max-bytes or queue-capacity");
    }

    @Test
    void aMalformedMessageCannotForgeALogLineNorMakeAHugeOne() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        String forged = "x\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged" + "A".repeat(1 << 20);
        inbox.deliver(delivery("forged", 0, new MalformedDataException("unknown data_type '" + forged + "'")));
        InboxRunner runner = runner(inbox, log, 0);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 1);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(log.messages(Level.WARN)).filteredOn(m -> m.contains("malformed")).singleElement().asString()
                .contains("unknown data_type 'x\\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forgedAAA")
                .doesNotContain("\n")
                .hasSizeLessThan(1000);
    }

    @Test
    void messagesSkippedByGapAreDoneWithoutBeingDecoded() throws Exception {
        Inbox inbox = new Inbox(10);
        for (int n = 1; n <= 4; n++) {
            // gap 1 handles every second message: a skipped one must not be decoded
            inbox.deliver(delivery("m" + n, n, n % 2 == 1 ? new IllegalStateException("decoded") : null));
        }
        InboxRunner runner = runner(inbox, new RecordingLogger("sink"), 1);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 4);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(handled).containsExactly(2L, 4L);
        assertThat(done).containsExactly("m1", "m2", "m3", "m4");
    }

    /**
     * Messages left unhandled when the drain time runs out, one pending and two queued, are not done, so that an
     * at-least-once bus delivers them again: then they are not lost, and the stop is clean; otherwise they are.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void messagesLeftUnhandledWhenTheDrainTimeRunsOutAreNotDoneSoThatTheyComeAgain(boolean redelivered)
            throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null, redelivered));
        inbox.deliver(delivery("second", 2, null, redelivered));
        inbox.deliver(delivery("third", 3, null, redelivered));
        SinkNode unavailable = data -> {
            handled.add(data.metadata().frameId());
            throw new RetriableException("destination unavailable (on purpose)");
        };
        InboxRunner runner = runner(inbox, log, 0, unavailable, Duration.ofMillis(300));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> handled.size() >= 2);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(handled).containsOnly(1L);
        assertThat(done).as("an at-least-once bus must not commit what was not handled").isEmpty();
        if (redelivered) {
            assertThat(log.messages(Level.INFO)).contains("left 3 message(s) unacknowledged: bus 'test' (test)"
                    + " delivers them again at the next start");
            assertThat(log.messages(Level.WARN)).noneMatch(m -> m.contains("not handled"));
        } else {
            assertThat(log.messages(Level.WARN)).contains("drain time of 300ms ran out; 3 queued messages were not"
                    + " handled");
            assertThat(log.messages(Level.INFO)).noneMatch(m -> m.contains("unacknowledged"));
        }
        assertThat(runner.stoppedCleanly()).isEqualTo(redelivered);
        assertThat(unsubscribed).as("a stopping pipeline's buses end their subscriptions when they close").hasValue(0);
    }

    /** A put the stop interrupts past the drain time has not handled its message: not done, so that it comes again. */
    @Test
    void aMessageWhosePutTheStopInterruptedIsNotDone() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode stuck = data -> {
            handled.add(data.metadata().frameId());
            Thread.sleep(Long.MAX_VALUE); // a destination that never answers; the interrupt ends it
        };
        InboxRunner runner = runner(inbox, log, 0, stuck, Duration.ofMillis(100));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> handled.size() == 1);
        runner.requestStop();
        runner.interrupt(); // as the pipeline does once the drain time has run out
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(done).as("an at-least-once bus must not commit what was not handled").isEmpty();
        assertThat(runner.stoppedCleanly()).isFalse();
        assertThat(log.messages(Level.WARN)).containsExactly("drain time of 100ms ran out; 1 queued message was not"
                + " handled");
        assertThat(log.messages(Level.ERROR)).as("no failure of the node's").isEmpty();
    }

    /** An interrupt that is no stop's (a library's) is a failure: the node is restarted and handed the same message. */
    @Test
    void anInterruptThatIsNoStopsRestartsTheNodeWithTheSameMessage() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode stuckOnce = data -> {
            handled.add(data.metadata().frameId());
            if (handled.size() == 1) {
                Thread.sleep(Long.MAX_VALUE);
            }
        };
        InboxRunner runner = runner(inbox, log, 0, stuckOnce, Duration.ofSeconds(5));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> handled.size() == 1);
        runner.interrupt();
        assertRestartedWithItsMessage(runner, log,
                "failed: interrupted, not by a stop (sleep interrupted); restarting with backoff");
    }

    /** A call that ends on an interrupt leaving the thread's flag set (a channel's I/O) and no stop asked: a restart too. */
    @Test
    void aFailureThatLeavesTheInterruptFlagSetWithoutAStopRestartsTheNode() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode cutOnce = data -> {
            handled.add(data.metadata().frameId());
            if (handled.size() == 1) {
                Thread.currentThread().interrupt(); // as a FileChannel's write does, before it throws
                throw new ClosedByInterruptException();
            }
        };
        InboxRunner runner = runner(inbox, log, 0, cutOnce, Duration.ofSeconds(5));
        runner.start();
        assertRestartedWithItsMessage(runner, log, "failed: interrupted, not by a stop (");
    }

    /**
     * Checks that a node interrupted by something other than a stop said so in one ERROR line
     * starting with {@code line}, was handed its message again and runs on, then stops it cleanly.
     */
    private void assertRestartedWithItsMessage(InboxRunner runner, RecordingLogger log, String line)
            throws InterruptedException {
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 1
                && runner.stats().state() == NodeStats.State.RUNNING);
        assertThat(handled).containsExactly(1L, 1L);
        assertThat(log.messages(Level.ERROR)).singleElement().asString().startsWith(line);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(runner.stoppedCleanly()).isTrue();
    }

    /** A put that wraps the stop's interrupt in another exception, clearing the flag, has not handled its message either. */
    @Test
    void aMessageWhosePutWrapsTheStopsInterruptIsNotDone() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode wrapping = data -> {
            handled.add(data.metadata().frameId());
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                throw new InterruptedIOException("the upload was cut short"); // the flag cleared, as OkHttp does
            }
        };
        InboxRunner runner = runner(inbox, log, 0, wrapping, Duration.ZERO);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> handled.size() == 1);
        runner.requestStop(); // no drain time: past its deadline at once, when the pipeline interrupts
        runner.interrupt();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(done).as("an at-least-once bus must not commit what was not handled").isEmpty();
        assertThat(runner.stoppedCleanly()).isFalse();
        assertThat(log.messages(Level.ERROR)).as("the stop's doing, no failure of the node's").isEmpty();
        assertThat(log.messages(Level.WARN)).containsExactly("drain time of 0s ran out; 1 queued message was not"
                + " handled");
    }

    /** A processor's RetriableException hands it the same message again, as a sink's does: none is lost uncounted. */
    @Test
    void aProcessorsRetriableFailureHandsItTheSameMessageAgain() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        inbox.deliver(delivery("second", 2, null));
        ProcessorNode failingOnce = data -> {
            handled.add(data.metadata().frameId());
            if (handled.size() == 1) {
                throw new RetriableException("the model server is away (on purpose)");
            }
        };
        InboxRunner runner = runner(inbox, log, 0, failingOnce, Duration.ofSeconds(5));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 2);
        assertThat(handled).containsExactly(1L, 1L, 2L);
        assertThat(done).containsExactly("first", "second");
        assertThat(log.messages(Level.WARN)).containsExactly("the model server is away (on purpose); retrying with"
                + " backoff");
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
    }

    /** A sink whose flush fails at the stop may have lost what it held: said, and no clean stop (exit 1). */
    @Test
    void aSinkWhoseFlushFailsHasNotStoppedCleanly() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        SinkNode buffering = new SinkNode() {
            @Override
            public void put(SensorData data) {
            }

            @Override
            public void flush(Duration timeout) throws IOException {
                throw new IOException("/data/out: no space left on device (on purpose)");
            }
        };
        InboxRunner runner = runner(inbox, log, 0, buffering, Duration.ofSeconds(5));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> runner.stats().state() == NodeStats.State.RUNNING);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(runner.stoppedCleanly()).isFalse();
        assertThat(runner.stats().state()).isEqualTo(NodeStats.State.STOPPED);
        assertThat(log.messages(Level.ERROR)).singleElement().asString().startsWith("failed while stopping:"
                + " /data/out: no space left on device (on purpose)");
        assertThat(runner.stopState()).doesNotContain("flushing");
    }

    /** A close that throws an Error (a plugin's bug) still lets the node end, with its line: the stop does not wait for it. */
    @Test
    void aSinkWhoseCloseThrowsAnErrorStillEnds() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode buggy = new SinkNode() {
            @Override
            public void put(SensorData data) {
                handled.add(data.metadata().frameId());
            }

            @Override
            public void close() {
                throw new AssertionError("a plugin's bug (on purpose)");
            }
        };
        InboxRunner runner = runner(inbox, log, 0, buggy, Duration.ofSeconds(5));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 1);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(log.messages(Level.WARN)).containsExactly("close failed: AssertionError: a plugin's bug (on purpose)");
        assertThat(runner.stats().state()).isEqualTo(NodeStats.State.STOPPED);
        assertThat(runner.stoppedCleanly()).isTrue();
    }

    /** A sink asking to be given the message again later is, after that wait, not its backoff; a stop ends the wait. */
    @Test
    void aSinksRetryAfterIsWaitedBeforeTheSameMessageIsHandedAgain() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        SinkNode throttled = data -> {
            handled.add(data.metadata().frameId());
            throw new RetryAfterException("destination asks for a minute (on purpose)", Duration.ofMinutes(1));
        };
        InboxRunner runner = runner(inbox, log, 0, throttled, Duration.ofMillis(300));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> !log.messages(Level.WARN).isEmpty());
        // with the runner's 10 ms backoff, a runner that ignored the wait would have handed it again by now
        await().during(Duration.ofSeconds(1)).atMost(Waits.GENEROUS).until(() -> handled.size() == 1);
        assertThat(log.messages(Level.WARN)).containsExactly("destination asks for a minute (on purpose); retrying in 1m");
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
    }

    @Test
    void aNodeStoppedForGoodEndsItsSubscriptionAndLeavesWhatItDidNotHandleNotDone() throws Exception {
        Inbox inbox = new Inbox(10);
        RecordingLogger log = new RecordingLogger("sink");
        inbox.deliver(delivery("first", 1, null));
        inbox.deliver(delivery("second", 2, null));
        SinkNode refusing = data -> {
            handled.add(data.metadata().frameId());
            throw new UnrecoverableException("the destination refuses this node for good (on purpose)");
        };
        InboxRunner runner = runner(inbox, log, 0, refusing, Duration.ofSeconds(5));
        runner.start();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(unsubscribed).hasValue(1);
        assertThat(handled).containsExactly(1L);
        assertThat(done).as("another member of the group, or the next run, handles them").isEmpty();
        assertThat(inbox.remainingCapacity()).as("a closed inbox takes nothing").isZero();
        assertThat(log.messages(Level.WARN)).contains("2 queued messages were not handled");
    }

    /** The runner of an asynchronous sink (no retries, no spool), with message "sent" (frame 1) in its inbox. */
    private InboxRunner asyncRunner(AsyncSinkNode sink, NodeStats stats, RecordingLogger log, Duration drainTimeout) {
        return asyncRunner(sink, 0, 1, false, stats, log, drainTimeout);
    }

    /**
     * The runner of an asynchronous sink (no spool), with {@code count} messages "sent" (frames 1 on) in its
     * inbox; {@code redelivered}: their bus delivers them again unless done.
     */
    private InboxRunner asyncRunner(AsyncSinkNode sink, int retries, int count, boolean redelivered, NodeStats stats,
            RecordingLogger log, Duration drainTimeout) {
        return asyncRunner(sink, retries, count, redelivered, Optional.empty(), stats, log, drainTimeout);
    }

    /** As above, with {@code spool}. */
    private InboxRunner asyncRunner(AsyncSinkNode sink, int retries, int count, boolean redelivered,
            Optional<Path> spool, NodeStats stats, RecordingLogger log, Duration drainTimeout) {
        Inbox inbox = new Inbox(10);
        for (long n = 1; n <= count; n++) {
            inbox.deliver(delivery("sent", n, null, redelivered));
        }
        return new InboxRunner("upload", sink, log, stats, getClass().getClassLoader(),
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(10)), inbox, "topic", "bus 'test' (test)", 0,
                drainTimeout, data -> { }, NO_OUTPUT, AsyncDeliveryTest.delivery(sink, retries, spool, stats, log),
                unsubscribed::incrementAndGet);
    }

    @Test
    void anAsynchronousSinksMessageIsDoneOnlyOnceItsSendHasCompleted() throws Exception {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        CountDownLatch sent = new CountDownLatch(1);
        AsyncSinkNode sink = data -> {
            sent.countDown();
            return answer;
        };
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
        InboxRunner runner = asyncRunner(sink, stats, new RecordingLogger("upload"), Duration.ofSeconds(5));
        runner.start();
        assertThat(sent.await(10, TimeUnit.SECONDS)).isTrue();
        // handed over and in flight: an at-least-once bus must not commit it yet
        assertThat(done).isEmpty();
        answer.complete(null);
        await().atMost(Waits.GENEROUS).until(() -> done.size() == 1);
        assertThat(done).containsExactly("sent");
        assertThat(stats.out().count()).isOne();
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(runner.stoppedCleanly()).isTrue();
    }

    /**
     * A send still under way when the drain time runs out is abandoned: not done, and not a clean stop
     * (exit 1), unless its bus delivers it again (Kafka, JetStream): then it is not lost, and said so.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anAsynchronousSinksSendAbandonedAtTheDrainDeadlineIsACleanStopOnlyIfItsBusDeliversItAgain(
            boolean redelivered) throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        AsyncSinkNode neverAnswers = data -> {
            sent.countDown();
            return new CompletableFuture<>();
        };
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
        RecordingLogger log = new RecordingLogger("upload");
        InboxRunner runner = asyncRunner(neverAnswers, 0, 1, redelivered, stats, log, Duration.ofMillis(300));
        runner.start();
        assertThat(sent.await(10, TimeUnit.SECONDS)).isTrue();
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();

        assertThat(runner.stoppedCleanly()).isEqualTo(redelivered);
        assertThat(done).isEmpty();
        assertThat(log.messages(Level.WARN)).singleElement().asString().endsWith("they are abandoned");
        if (redelivered) {
            assertThat(log.messages(Level.INFO)).contains("left the deliveries abandoned unacknowledged:"
                    + " bus 'test' (test) delivers them again at the next start");
        } else {
            assertThat(log.messages(Level.INFO)).noneMatch(m -> m.contains("unacknowledged"));
        }
    }

    /**
     * A stop while every slot waits for a retry due after the drain time (a long Retry-After)
     * abandons those at once, and the messages queued behind them as their retries come due too
     * late: the node stops without waiting its drain time out. It waited for a slot until
     * interrupted, a second after the drain time, with the runtime's "did not stop within" line.
     */
    @Test
    void aStopWhileEverySlotWaitsForARetryDueAfterTheDrainTimeDoesNotWaitForIt() throws Exception {
        AsyncSinkNode retryAfterTenMinutes = data -> CompletableFuture.failedFuture(
                new RetryAfterException("503 (Retry-After: 600 s)", Duration.ofMinutes(10)));
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
        RecordingLogger log = new RecordingLogger("upload");
        // a drain time longer than the test waits: waited out, the runner would not finish in time
        InboxRunner runner = asyncRunner(retryAfterTenMinutes, 3, 6, false, stats, log, Waits.GENEROUS.multipliedBy(2));
        runner.start();
        // every slot (max-in-flight 4) waits for a retry; the node's thread waits for a slot
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("retries").count() == 4);
        runner.requestStop();

        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(runner.stoppedCleanly()).isFalse();
        assertThat(done).as("an at-least-once bus delivers them again").isEmpty();
        assertThat(stats.counter("failed").count()).as("abandoned, not given up").isZero();
        assertThat(log.messages(Level.WARN)).contains(
                "6 deliveries waited for a retry due after the drain time; they are abandoned");
    }

    /**
     * A stop while every slot is held by an attempt that never answers (a hung server, attempt-timeout
     * longer than the drain time), messages queued behind them: the node waited for a slot past its
     * drain time, until the stop interrupted it, and the queued messages were lost though their bus
     * delivers them again (Kafka, JetStream), an unclean stop. It ends at the drain time now, with a
     * spool or without, the uploads abandoned and the queued messages left unacknowledged, none
     * spooled: a clean stop.
     */
    @ParameterizedTest(name = "with a spool: {0}")
    @ValueSource(booleans = {false, true})
    void aStopWhileEverySlotIsHeldByAnAttemptThatNeverAnswersEndsAtTheDrainTime(boolean withASpool,
            @TempDir Path spool) throws Exception {
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
        RecordingLogger log = new RecordingLogger("upload");
        AtomicInteger sends = new AtomicInteger();
        InboxRunner runner = asyncRunner(neverAnswering(sends), 0, 6, true,
                withASpool ? Optional.of(spool) : Optional.empty(), stats, log, Duration.ofMillis(300));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> sends.get() == 4); // max-in-flight: the fifth waits for a slot
        runner.requestStop();

        assertThat(endsByItself(runner)).isTrue();
        assertThat(runner.stoppedCleanly()).isTrue();
        assertThat(done).as("an at-least-once bus delivers them again").isEmpty();
        assertThat(stats.counter("spooled").count()).isZero();
        assertThat(log.messages(Level.WARN)).containsExactly(
                "4 deliveries still under way when the drain time ran out; they are abandoned");
        assertThat(log.messages(Level.INFO)).contains(
                "left the deliveries abandoned unacknowledged: bus 'test' (test) delivers them again at the next start",
                "left 2 message(s) unacknowledged: bus 'test' (test) delivers them again at the next start");
    }

    /** A destination that never answers; counts the attempts made. */
    private static AsyncSinkNode neverAnswering(AtomicInteger sends) {
        return data -> {
            sends.incrementAndGet();
            return new CompletableFuture<>();
        };
    }

    /**
     * Whether a runner asked to stop ends by itself; if it does not, it is interrupted, as the
     * pipeline's stop does after the drain time, and waited for.
     */
    private static boolean endsByItself(InboxRunner runner) throws InterruptedException {
        if (runner.awaitFinished(Waits.GENEROUS)) {
            return true;
        }
        runner.interrupt();
        runner.awaitFinished(Waits.GENEROUS);
        return false;
    }
}

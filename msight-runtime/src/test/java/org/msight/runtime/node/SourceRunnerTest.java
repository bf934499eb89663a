package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.Backoff;
import org.msight.api.NodeKind;
import org.msight.api.RetriableException;
import org.msight.api.RetryAfterException;
import org.msight.api.SourceNode;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

class SourceRunnerTest {

    /** A source that cannot open, asking each time to be tried again after {@code retryAfter}. */
    private static final class RefusingSource implements SourceNode {
        final AtomicInteger opens = new AtomicInteger();
        final Duration retryAfter;

        RefusingSource(Duration retryAfter) {
            this.retryAfter = retryAfter;
        }

        @Override
        public void open() throws RetryAfterException {
            opens.incrementAndGet();
            throw new RetryAfterException("camera refused the password", retryAfter);
        }

        @Override
        public void poll() {
        }
    }

    /** A runner of {@code source} that retries 1 ms after each failure. */
    private SourceRunner quicklyRetrying(SourceNode source, RecordingLogger log) {
        return new SourceRunner("camera", source, log, new NodeStats("camera", NodeKind.SOURCE, new SimpleMeterRegistry()),
                getClass().getClassLoader(), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
    }

    /** A camera that sends a frame, then drops the session, at each open; until it is made steady. */
    private static final class FlappingSource implements SourceNode {
        final AtomicInteger opens = new AtomicInteger();
        final AtomicBoolean steady = new AtomicBoolean();
        /** Thrown instead of the retriable failure, once set. */
        volatile RuntimeException bug;
        /** How long it sends nothing before it drops the session, after its first open. */
        volatile Duration silenceAfterARecovery = Duration.ZERO;
        private boolean polled;

        @Override
        public void open() {
            opens.incrementAndGet();
            polled = false;
        }

        @Override
        public void poll() throws RetriableException, InterruptedException {
            if (polled && opens.get() >= 2) {
                TimeUnit.NANOSECONDS.sleep(silenceAfterARecovery.toNanos());
            }
            if (polled && bug != null) {
                throw bug;
            }
            if (polled && !steady.get()) {
                throw new RetriableException("the camera dropped the session");
            }
            polled = true; // a frame, which ends an outage
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    /** A source whose open waits until the stop wakes it, and then fails as a woken camera does. */
    private static final class SlowOpeningSource implements SourceNode {
        final CountDownLatch opening = new CountDownLatch(1);
        final CountDownLatch woken = new CountDownLatch(1);

        @Override
        public void open() throws Exception {
            opening.countDown();
            woken.await();
            throw new RetriableException("cannot open rtsp://cam/x: woken up");
        }

        @Override
        public void poll() {
        }

        @Override
        public void wakeup() {
            woken.countDown();
        }
    }

    /**
     * A camera that sends a frame and then drops the session (one kicking out the older of two)
     * recovers for a moment at each try: the backoff started over each time, so the node reconnected,
     * and logged it, every 200 ms for good. It now starts over only once the node has worked for
     * a while: here it doubles through eight such tries.
     */
    @Test
    void aSourceThatFailsRightAfterEachRecoveryWaitsLongerEachTime() throws Exception {
        FlappingSource flapping = new FlappingSource();
        AtomicInteger opens = flapping.opens;
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofHours(1));
        SourceRunner runner = new SourceRunner("camera", flapping, new RecordingLogger("camera"),
                new NodeStats("camera", NodeKind.SOURCE, new SimpleMeterRegistry()), getClass().getClassLoader(),
                backoff);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> opens.get() >= 9);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(backoff.next()).as("the wait after eight tries, doubling from 1 ms")
                .isGreaterThanOrEqualTo(Duration.ofMillis(256));
    }

    /**
     * A node failing again right after each recovery logged an outage and its end at each try:
     * two lines a second for good at a camera's backoff of 1 s. Its first outage is said as any
     * is; the next ones once a minute at most; and once it has worked 10 s on end, that.
     */
    @Test
    void aFlappingSourceIsSaidOnceAMinuteAndOnceMoreWhenItWorksSteadilyAgain() throws Exception {
        long start = System.nanoTime();
        FlappingSource flapping = new FlappingSource();
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = quicklyRetrying(flapping, log);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> flapping.opens.get() >= 20);
        flapping.steady.set(true);
        await().atMost(Waits.GENEROUS).until(() -> log.messages(Level.INFO).stream()
                .anyMatch(line -> line.startsWith("works steadily again")));
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        long minutes = TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - start);

        List<String> warnings = log.messages(Level.WARN);
        assertThat(warnings).startsWith("the camera dropped the session; retrying with backoff",
                "failing again before it worked 10s after a recovery (1 time since it last worked steadily): the camera"
                        + " dropped the session; retrying with backoff, said once a minute while it goes on");
        assertThat(warnings).as("a line a minute at most after the first two").hasSizeLessThanOrEqualTo(2 + (int) minutes);
        assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("recovered after")).hasSize(1);
        assertThat(log.messages(Level.INFO)).anyMatch(line -> line.matches("works steadily again: 10s without failing,"
                + " after (1[89]|[2-9][0-9]|[0-9]{3,}) outages that began before it had worked 10s after a recovery"));
    }

    /** A failure of another kind while a node flaps (a bug) is said at once, with its stack trace, as any is. */
    @Test
    void aBugWhileFlappingIsSaidAtOnceWithItsStackTrace() throws Exception {
        FlappingSource flapping = new FlappingSource();
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = quicklyRetrying(flapping, log);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> flapping.opens.get() >= 5);
        flapping.bug = new IllegalStateException("a bug");
        await().atMost(Waits.GENEROUS).until(() -> !log.messages(Level.ERROR).isEmpty());
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();

        // the recording logger puts the throwable logged with a line after it
        assertThat(log.messages(Level.ERROR).get(0)).endsWith("; restarting with backoff"
                + " java.lang.IllegalStateException: a bug");
    }

    /**
     * A source that fails only after blocking longer than 10 s after its recovery (a camera silent
     * for a long read-timeout) has not worked 10 s: it flaps, rather than having settled.
     */
    @Test
    void aSourceThatFailsAfterBlockingLongerThanTheSettlingTimeHasNotSettled() throws Exception {
        FlappingSource silent = new FlappingSource();
        silent.silenceAfterARecovery = NodeRunner.SETTLED.plusMillis(500); // then the read timeout
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = quicklyRetrying(silent, log);
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> log.messages(Level.WARN).size() >= 2);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();

        assertThat(log.messages(Level.WARN)).startsWith("the camera dropped the session; retrying with backoff")
                .element(1).asString().startsWith("failing again before it worked 10s after a recovery");
        assertThat(log.messages(Level.INFO)).noneMatch(line -> line.startsWith("works steadily again"));
    }

    /** A failure the stop itself causes is no outage: nothing says "retrying" while the node stops. */
    @Test
    void anOpenThatTheStopCutsShortIsNotLoggedAsAnOutage() throws Exception {
        SlowOpeningSource source = new SlowOpeningSource();
        RecordingLogger log = new RecordingLogger("camera");
        NodeStats stats = new NodeStats("camera", NodeKind.SOURCE, new SimpleMeterRegistry());
        SourceRunner runner = new SourceRunner("camera", source, log, stats, getClass().getClassLoader(),
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        runner.start();
        assertThat(source.opening.await(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(log.messages(Level.WARN)).isEmpty();
        assertThat(stats.state()).isEqualTo(NodeStats.State.STOPPED);
        assertThat(stats.lastError()).isNull();
    }

    /** The last error of a source whose open throws {@code failure} (not retriable: a restart with backoff). */
    private static String lastErrorAfter(Exception failure) throws InterruptedException {
        NodeStats stats = new NodeStats("camera", NodeKind.SOURCE, new SimpleMeterRegistry());
        SourceRunner runner = new SourceRunner("camera", new SourceNode() {
            @Override
            public void open() throws Exception {
                throw failure;
            }

            @Override
            public void poll() {
            }
        }, new RecordingLogger("camera"), stats, SourceRunnerTest.class.getClassLoader(),
                new Backoff(Duration.ofHours(1), Duration.ofHours(1)));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> stats.lastError() != null);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        return stats.lastError();
    }

    /**
     * A failure a user causes is its message alone, in words for the JDK's file failures; a
     * plugin's bug, or a failure without a message, keeps its class's name for the developer.
     */
    @Test
    void aLastErrorNamesAClassOnlyForABugOrAFailureWithoutAMessage() throws Exception {
        assertThat(lastErrorAfter(new IllegalArgumentException("the camera's URL has no host")))
                .isEqualTo("the camera's URL has no host");
        assertThat(lastErrorAfter(new java.nio.file.AccessDeniedException("/data/cam.mp4")))
                .isEqualTo("/data/cam.mp4: permission denied");
        assertThat(lastErrorAfter(new java.io.UncheckedIOException(new java.net.SocketException("Connection reset"))))
                .isEqualTo("Connection reset");
        // a wrapper's own message says what was being done: kept, not replaced by its cause's
        assertThat(lastErrorAfter(new java.io.UncheckedIOException("cannot write frame 7 as MessagePack",
                new java.io.IOException("no serializer for class Foo"))))
                .isEqualTo("cannot write frame 7 as MessagePack");
        assertThat(lastErrorAfter(new RuntimeException(new java.nio.file.AccessDeniedException("/data/cam.mp4"))))
                .isEqualTo("/data/cam.mp4: permission denied");
        assertThat(lastErrorAfter(new NullPointerException("Cannot invoke \"String.length()\" because \"s\" is null")))
                .isEqualTo("NullPointerException: Cannot invoke \"String.length()\" because \"s\" is null");
        assertThat(lastErrorAfter(new NumberFormatException("For input string: \"x\"")))
                .isEqualTo("NumberFormatException: For input string: \"x\"");
        assertThat(lastErrorAfter(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    /**
     * A source whose wakeup throws (its socket still null during an outage) is said, and the stop
     * goes on: the exception came out of requestStop(), and the pipeline's stop ended there, the
     * other sources not asked to stop, the sinks not drained, the buses not closed.
     */
    @Test
    void aWakeupThatThrowsIsSaidAndTheSourceStops() throws Exception {
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = quicklyRetrying(new SourceNode() {
            @Override
            public void poll() throws InterruptedException {
                TimeUnit.MILLISECONDS.sleep(1);
            }

            @Override
            public void wakeup() {
                throw new NullPointerException("Cannot invoke \"java.net.Socket.close()\" (on purpose)");
            }
        }, log);
        runner.start();
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(runner.stats().state()).isEqualTo(NodeStats.State.STOPPED);
        assertThat(log.messages(Level.WARN)).containsExactly("wakeup failed: NullPointerException: Cannot invoke"
                + " \"java.net.Socket.close()\" (on purpose); the source stops once its current poll returns");
    }

    /**
     * A failure that cannot be said (its message throws; or no heap is left to log it) ends the
     * node for good, and the pipeline is told: it ended the node's thread as if stopped, though
     * no stop was asked for, and the pipeline never learnt that the node was gone.
     */
    @Test
    void aFailureThatCannotBeSaidEndsTheNodeForGoodAndTellsThePipeline() throws Exception {
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = quicklyRetrying(new SourceNode() {
            @Override
            public void poll() {
                throw new IllegalStateException() {
                    @Override
                    public String getMessage() {
                        throw new NullPointerException("a plugin's getMessage() (on purpose)");
                    }
                };
            }
        }, log);
        CountDownLatch ended = new CountDownLatch(1);
        runner.onEnd(ended::countDown);
        runner.start();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).isTrue();
        assertThat(ended.getCount()).as("the pipeline told, before the node's thread ended").isZero();
        assertThat(runner.stats().state()).isEqualTo(NodeStats.State.FAILED);
        assertThat(log.messages(Level.ERROR)).containsExactly("stopped for good: handling a failure failed:"
                + " NullPointerException: a plugin's getMessage() (on purpose)");
    }

    @ParameterizedTest
    @CsvSource({"PT30M, 30m", "PT3H, 1h"})
    void aRetryAfterIsWaitedInsteadOfTheBackoffUpToAnHourAndAStopEndsTheWait(Duration asked, String waited)
            throws Exception {
        RefusingSource source = new RefusingSource(asked);
        RecordingLogger log = new RecordingLogger("camera");
        SourceRunner runner = new SourceRunner("camera", source, log,
                new NodeStats("camera", NodeKind.SOURCE, new SimpleMeterRegistry()), getClass().getClassLoader(),
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        runner.start();
        await().atMost(Waits.GENEROUS).until(() -> !log.messages(Level.WARN).isEmpty());
        // with the 1 ms backoff, a runner that ignored the wait would have opened the source again by now
        await().during(Duration.ofSeconds(1)).atMost(Waits.GENEROUS).until(() -> source.opens.get() == 1);
        assertThat(log.messages(Level.WARN)).containsExactly("camera refused the password; retrying in " + waited);
        runner.requestStop();
        assertThat(runner.awaitFinished(Waits.GENEROUS)).as("stopped within the wait").isTrue();
        assertThat(source.opens).hasValue(1);
    }
}

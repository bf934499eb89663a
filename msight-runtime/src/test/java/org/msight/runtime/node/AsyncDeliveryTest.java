package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.AsyncSinkNode;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.NodeKind;
import org.msight.api.RetriableException;
import org.msight.api.RetryAfterException;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.testkit.Mounts;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** What a flush at shutdown waits for, with and without a spool. */
class AsyncDeliveryTest {

    private static final MsightFormats CODEC = MsightCodec.withBuiltInTypes();
    private static final AsyncSinkNode AWAY = data -> CompletableFuture.failedFuture(
            new RetriableException("destination away (on purpose)"));

    private final NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
    private final RecordingLogger log = new RecordingLogger("upload");

    private AsyncDelivery delivery(AsyncSinkNode sink, int retries, Optional<Path> spool) {
        return delivery(sink, retries, spool, stats, log);
    }

    /** A delivery for tests: 4 in flight, retries 10 ms apart, no attempt deadline to speak of (unless given). */
    static AsyncDelivery delivery(AsyncSinkNode sink, int retries, Optional<Path> spool, NodeStats stats,
            RecordingLogger log) {
        return delivery(sink, retries, spool, stats, log, stats::counter, Duration.ofHours(1));
    }

    private static AsyncDelivery delivery(AsyncSinkNode sink, int retries, Optional<Path> spool, NodeStats stats,
            RecordingLogger log, Function<String, Counter> counters, Duration attemptTimeout) {
        AsyncDelivery delivery = unopened(sink, retries, spool, stats, log, counters, attemptTimeout, CODEC);
        delivery.sinkOpened();
        return delivery;
    }

    /** A delivery whose sink has not told it opened yet. */
    private static AsyncDelivery unopened(AsyncSinkNode sink, int retries, Optional<Path> spool, NodeStats stats,
            RecordingLogger log, Function<String, Counter> counters, Duration attemptTimeout, MsightFormats formats) {
        return unopened(sink, retries, spool, stats, log, counters, attemptTimeout, formats, Duration.ofMillis(10),
                System::nanoTime);
    }

    /** As above, with retries {@code backoff} apart, timing the waits for memory by {@code readBackClock}. */
    private static AsyncDelivery unopened(AsyncSinkNode sink, int retries, Optional<Path> spool, NodeStats stats,
            RecordingLogger log, Function<String, Counter> counters, Duration attemptTimeout, MsightFormats formats,
            Duration backoff, LongSupplier readBackClock) {
        return new AsyncDelivery("upload", sink, new DeliverySettings(4, retries, new Backoff(backoff, backoff),
                attemptTimeout, spool, DeliverySettings.MIN_SPOOL_BYTES), formats, log,
                data -> stats.out().increment(), stats::attemptTook, counters, readBackClock);
    }

    /** The built-in codec, but for how it writes and reads MessagePack. */
    private static MsightFormats codec(Function<SensorData, byte[]> toMessagePack,
            Function<byte[], SensorData> fromMessagePack) {
        return new MsightFormats() {
            @Override
            public byte[] toMessagePack(SensorData data) {
                return toMessagePack.apply(data);
            }

            @Override
            public void writeMessagePack(SensorData data, OutputStream out) throws IOException {
                CODEC.writeMessagePack(data, out);
            }

            @Override
            public void writeJson(SensorData data, OutputStream out) throws IOException {
                CODEC.writeJson(data, out);
            }

            @Override
            public long jsonLength(SensorData data) {
                return CODEC.jsonLength(data);
            }

            @Override
            public String pythonFloat(double value) {
                return CODEC.pythonFloat(value);
            }

            @Override
            public SensorData fromMessagePack(byte[] payload) {
                return fromMessagePack.apply(payload);
            }
        };
    }

    /** A destination that never answers by itself: its answers wait in {@code answers}. */
    private static AsyncSinkNode keepingAnswers(List<CompletableFuture<Void>> answers) {
        return data -> {
            CompletableFuture<Void> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        };
    }

    private static SensorData frame(long n) {
        return new BytesData(new Metadata("s", 1, 1, n, "d"), new byte[] {1, 2, 3});
    }

    private static SensorData tenKilobytes(long n) {
        return new BytesData(new Metadata("s", 1, 1, n, "d"), new byte[10_000]);
    }

    /** The frames a run on {@code spool} with a destination that takes everything sends, once it has sent {@code count}. */
    private List<Long> sentByTheNextRun(Path spool, int count) throws InterruptedException {
        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = delivery(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool));
        await().atMost(Waits.GENEROUS).until(() -> sent.size() >= count);
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();
        return sent;
    }

    @Test
    void aFlushDoesNotWaitForSpooledMessagesBeingRetriedAndTheNextRunSendsThem(@TempDir Path spool) throws Exception {
        AsyncDelivery away = delivery(AWAY, 3, Optional.of(spool));
        List<String> finished = new CopyOnWriteArrayList<>();
        for (long n = 1; n <= 20; n++) {
            String name = "frame " + n;
            away.submit(frame(n), () -> finished.add(name));
        }
        // every slot is held by a spooled message retried without limit
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("retries").count() >= 8);

        assertThat(away.flush(Duration.ofMinutes(2))).isTrue();
        away.close();
        assertThat(finished).as("each one safe in the spool, so a bus may commit it").hasSize(20);
        assertThat(stats.counter("spooled").count()).isEqualTo(20);
        assertThat(log.messages(Level.WARN)).noneMatch(line -> line.contains("abandoned"));

        assertThat(sentByTheNextRun(spool, 20)).containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, 20).boxed().toList());
    }

    /** A spool the start cannot open is refused at spool.path in words, not with the JDK's exception. */
    @Test
    void aSpoolThatCannotBeOpenedSaysWhyInWords(@TempDir Path spool) throws Exception {
        Files.createDirectory(spool.resolve("lock")); // in the way of the lock file, for root too
        assertThatThrownBy(() -> delivery(AWAY, 3, Optional.of(spool))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("spool.path: cannot use " + spool + ": " + spool.resolve("lock") + ": Is a directory");
        Files.delete(spool.resolve("lock"));
        AsyncDelivery first = delivery(AWAY, 3, Optional.of(spool));
        try {
            assertThatThrownBy(() -> delivery(AWAY, 3, Optional.of(spool))).hasMessage("spool.path: cannot use "
                    + spool + ": the spool " + spool + " is in use by another node or process");
        } finally {
            first.close();
        }
    }

    /**
     * Spooled messages it cannot decode (a data type whose plugin is gone) are skipped and counted
     * as failed, said once a minute at most: it was one line per message.
     */
    @Test
    void unreadableSpooledMessagesAreSaidOnceAMinute(@TempDir Path spool) throws Exception {
        try (Spool written = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            for (int n = 0; n < 5; n++) {
                written.append(new byte[] {(byte) 0xc1}); // a byte MessagePack never uses
            }
        }
        AsyncDelivery next = delivery(data -> CompletableFuture.completedFuture(null), 3, Optional.of(spool));
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("failed").count() == 5);
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("spool: skipping"))
                .containsExactly("spool: skipping an unreadable message (counted as 'failed'): not a valid MessagePack"
                        + " message (1 bytes): byte 0xc1 at 0 is not a MessagePack header");
    }

    /**
     * Spooled messages their data type fails to read back (a plugin's AssertionError, a class it
     * misses, a bug's exception) are skipped as unreadable, counted and said, and the rest is sent:
     * the error ended the timer's task, its slot kept for good and the message never acknowledged,
     * and nothing more was sent from the spool, nor said.
     */
    @Test
    void spooledMessagesTheirDataTypeFailsToReadAreSkippedAsUnreadable(@TempDir Path spool) throws Exception {
        List<Runnable> failingReads = List.of(() -> {
            throw new AssertionError("a data type's bug (on purpose)");
        }, () -> {
            throw new NoClassDefFoundError("org/example/Gone (on purpose)");
        }, () -> {
            throw new IllegalStateException("a bug (on purpose)");
        });
        try (Spool written = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            for (long n = 0; n <= failingReads.size(); n++) {
                written.append(CODEC.toMessagePack(frame(n)));
            }
        }
        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = unopened(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1), codec(CODEC::toMessagePack, record -> {
            SensorData data = CODEC.fromMessagePack(record);
            int frame = (int) data.metadata().frameId();
            if (frame < failingReads.size()) {
                failingReads.get(frame).run();
            }
            return data;
        }));
        next.sinkOpened();
        await().atMost(Waits.GENEROUS).until(() -> !spoolEmptiedLines().isEmpty());
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();

        assertThat(sent).containsExactly((long) failingReads.size());
        assertThat(stats.counter("failed").count()).isEqualTo(failingReads.size());
        assertThat(log.messages(Level.WARN)).containsExactly("spool: skipping an unreadable message (counted as"
                + " 'failed'): AssertionError: a data type's bug (on purpose)");
    }

    /**
     * A spooled message a bad block changed on disk: the spool was read through at start, all of it
     * (a minute for a full one on an SD card, before any node started), and cut at the changed
     * record, so the messages after it in its segment were lost. Only the newest segment, which a
     * power cut may have torn, is read through at start now; a changed message is skipped in its turn.
     */
    @Test
    void aSpooledMessageChangedOnDiskIsSkippedAndTheRestOfItsSegmentSent(@TempDir Path spool) throws Exception {
        try (Spool written = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            for (long n = 1; n <= 40; n++) {
                written.append(CODEC.toMessagePack(tenKilobytes(n))); // 400 KB: two segments of 256 KiB
            }
        }
        try (FileChannel oldest = FileChannel.open(spool.resolve("00000000000000000001.seg"), StandardOpenOption.WRITE)) {
            oldest.write(ByteBuffer.wrap(new byte[] {7}), 8 + 8 + 5_000); // in the first message's zero bytes
        }
        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = delivery(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool));
        await().atMost(Waits.GENEROUS).until(() -> sent.size() + stats.counter("failed").count() == 40);
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();

        assertThat(sent).containsExactlyElementsOf(LongStream.rangeClosed(2, 40).boxed().toList());
        assertThat(stats.counter("failed").count()).isOne();
        assertThat(log.messages(Level.WARN)).containsExactly("spool: skipping a message whose bytes on disk are not"
                + " those written (a bad block?), counted as 'failed': its checksum does not match");
    }

    /**
     * A spool segment that cannot be read on (a bad block, a file cut short under the spool): the
     * delivery stopped at the first message it could not read, and every message behind it waited
     * (hours, on a large spool) until max-size dropped that segment. It is read again after the
     * backoff, retries times and for attempt-timeout (here 1 ms); then it is given up alone where
     * its length can still be read (the rest of its segment was dropped with it), and the rest of
     * the segment is dropped where no length can be read; the rest is sent.
     */
    @Test
    void aSpooledMessageThatCannotBeReadIsGivenUpAfterTheRetriesAndTheRestOfItsSegmentWhereNoLengthCanBeRead(@TempDir Path spool)
            throws Exception {
        try (Spool written = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            for (long n = 0; n < 40; n++) {
                written.append(CODEC.toMessagePack(tenKilobytes(n))); // 0-24 in the first 256 KiB segment
            }
        }
        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = unopened(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofMillis(1), CODEC);
        Path first = spool.resolve("00000000000000000001.seg");
        try (FileChannel cut = FileChannel.open(first, StandardOpenOption.WRITE)) {
            cut.truncate(Files.size(first) / 2); // after the spool opened: in the middle of a message
        }
        next.sinkOpened();
        await().atMost(Waits.GENEROUS).until(() -> sent.size() + stats.counter("failed").count()
                + stats.counter("spool-dropped").count() == 40);
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();

        int readable = sent.indexOf(sent.stream().filter(n -> n > 24).findFirst().orElseThrow());
        assertThat(sent.subList(0, readable)).containsExactlyElementsOf(LongStream.range(0, readable).boxed().toList());
        assertThat(sent.subList(readable, sent.size())).as("the second segment")
                .containsExactlyElementsOf(LongStream.range(25, 40).boxed().toList());
        // the message cut in its bytes is given up alone; those past the cut, whose lengths are gone too, with
        // the rest of the segment
        assertThat(stats.counter("failed").count()).isOne();
        assertThat(stats.counter("spool-dropped").count()).isEqualTo(25 - readable - 1);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("spool: "))
                .containsExactly("spool: cannot read: spool segment ends early; read again after the backoff",
                        "spool: gave up on a message whose bytes cannot be read (a bad block?), counted as 'failed';"
                                + " the messages behind it are sent: spool segment ends early",
                        "spool: gave up the rest of a segment that cannot be read (spool segment ends early): "
                                + (25 - readable - 1) + " message(s) dropped (counted as 'spool-dropped'); the"
                                + " messages behind them are sent");
        assertThat(log.messages(Level.INFO)).contains("spool emptied: " + sent.size() + " spooled messages sent, 1"
                + " given up (counted as 'failed'), " + (25 - readable - 1) + " dropped as it outgrew max-size or could"
                + " not be read (counted as 'spool-dropped')");
    }

    /**
     * Spooled messages under way at a stop, which closing the sink then fails (an aborted
     * request), stay in the spool: they are neither given up nor removed, and the next run sends them.
     */
    @Test
    void spooledMessagesUnderWayAtAStopStayInTheSpool(@TempDir Path spool) throws Exception {
        AsyncDelivery away = delivery(AWAY, 3, Optional.of(spool));
        for (long n = 1; n <= 6; n++) {
            away.submit(frame(n), () -> { });
        }
        away.flush(Waits.GENEROUS);
        away.close();

        List<CompletableFuture<Void>> underWay = new CopyOnWriteArrayList<>();
        AsyncDelivery stopping = delivery(keepingAnswers(underWay), 3, Optional.of(spool));
        await().atMost(Waits.GENEROUS).until(() -> underWay.size() == 4); // max-in-flight
        assertThat(stopping.flush(Waits.GENEROUS)).isTrue();
        underWay.forEach(answer -> answer.cancel(true)); // the sink, closing, aborts its requests
        stopping.close();
        assertThat(stats.counter("failed").count()).isZero();

        assertThat(sentByTheNextRun(spool, 6)).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    }

    /**
     * The spool's disk work (an append, moving its cursor) is done off the threads that bring the
     * sink's answers, which for an HTTP client are its I/O reactor: a slow disk must not hold up
     * every other upload's answer.
     */
    @Test
    void theSpoolIsWrittenOffTheThreadsThatBringTheSinksAnswers(@TempDir Path spool) throws Exception {
        ExecutorService answering = Executors.newSingleThreadExecutor(task -> new Thread(task, "sink-io"));
        AtomicInteger attempts = new AtomicInteger();
        AsyncSinkNode sink = data -> {
            CompletableFuture<Void> answer = new CompletableFuture<>();
            answering.execute(() -> {
                if (attempts.incrementAndGet() <= 5) {
                    answer.completeExceptionally(new RetriableException("destination away (on purpose)"));
                } else {
                    answer.complete(null);
                }
            });
            return answer;
        };
        Set<String> spoolingThreads = ConcurrentHashMap.newKeySet();
        AsyncDelivery delivery = delivery(sink, 3, Optional.of(spool), stats, log, name -> {
            Counter counter = stats.counter(name);
            return !name.equals("spooled") && !name.equals("unspooled") ? counter : new Counter() {
                @Override
                public void increment(long amount) {
                    spoolingThreads.add(Thread.currentThread().getName());
                    counter.increment(amount);
                }

                @Override
                public long count() {
                    return counter.count();
                }
            };
        }, Duration.ofHours(1));
        for (long n = 1; n <= 10; n++) {
            delivery.submit(frame(n), () -> { });
        }
        await().atMost(Waits.GENEROUS).until(() -> stats.out().count() == 10);
        delivery.flush(Waits.GENEROUS);
        delivery.close();
        answering.shutdown();

        assertThat(stats.counter("spooled").count()).isPositive();
        assertThat(stats.counter("unspooled").count()).isPositive();
        assertThat(spoolingThreads).doesNotContain("sink-io");
    }

    /**
     * A message waiting for a slot when the deliveries under way fail is taken at once (to the
     * spool behind them, or straight when a slot is free and nothing spooled waits unsent),
     * though their retries from the spool keep every slot: the node does not wait out the outage
     * with its inbox dropping what the spool should keep.
     */
    @Test
    void aMessageWaitingForASlotWhenTheDeliveriesUnderWayFailIsNotHeldUntilTheOutageEnds(@TempDir Path spool) throws Exception {
        List<CompletableFuture<Void>> underWay = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(keepingAnswers(underWay), 3, Optional.of(spool));
        for (long n = 1; n <= 4; n++) { // max-in-flight
            delivery.submit(frame(n), () -> { });
        }
        CompletableFuture<Void> fifth = CompletableFuture.runAsync(() -> {
            try {
                delivery.submit(frame(5), () -> { });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        List.copyOf(underWay).forEach(answer -> answer.completeExceptionally(
                new RetriableException("destination away (on purpose)")));

        fifth.get(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() >= 4);
        underWay.forEach(answer -> answer.complete(null)); // the fifth, if it went straight, is answered
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
    }

    /**
     * With one message in flight, a message waiting for the slot when the one under way fails goes
     * to the spool behind it, and the failed one is sent again first. The slot was freed before the
     * failed one was in the spool: the waiting one took it and went straight, the failed one then
     * found no free slot, and waited in the spool until another message came (none, at the end of
     * the traffic or of a run that stops when its sources finish).
     */
    @Test
    void aMessageWaitingForTheOnlySlotGoesBehindTheFailedMessageThatFreesIt(@TempDir Path spool) throws Exception {
        List<Long> sent = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> answers = new CopyOnWriteArrayList<>();
        AsyncSinkNode keeping = keepingAnswers(answers);
        List<Thread> timersBefore = timerThreads(); // of deliveries of earlier tests, maybe ending still
        AsyncDelivery delivery = oneInFlight(data -> {
            sent.add(data.metadata().frameId());
            return keeping.send(data);
        }, spool);
        Thread timer = timerThreads().stream().filter(thread -> !timersBefore.contains(thread)).findFirst()
                .orElseThrow();
        delivery.submit(frame(1), () -> { });
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            try {
                delivery.submit(frame(2), () -> { }); // waits for the slot
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        synchronized (delivery) { // the outage's lock: frame 1's way to the spool waits there
            answers.get(0).completeExceptionally(new RetriableException("destination away (on purpose)"));
            await().atMost(Waits.GENEROUS).until(() -> blockedOn(timer, delivery));
        }
        second.get(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
        // frame 1 in the spool, and the fill that followed done: the timer waits for its next fsync
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() >= 1
                && timer.getState() == Thread.State.TIMED_WAITING);
        answers.forEach(answer -> answer.complete(null)); // frame 2's, had it gone straight

        await().atMost(Waits.GENEROUS).until(() -> sent.stream().filter(frame -> frame == 1).count() == 2);
        answers.forEach(answer -> answer.complete(null)); // frame 1's second attempt
        await().atMost(Waits.GENEROUS).until(() -> sent.size() == 3);
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(sent).containsExactly(1L, 1L, 2L);
    }

    /** Whether {@code thread} waits to enter the monitor of {@code lock}. */
    private static boolean blockedOn(Thread thread, Object lock) {
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.getId());
        return info != null && info.getThreadState() == Thread.State.BLOCKED && info.getLockInfo() != null
                && info.getLockInfo().getIdentityHashCode() == System.identityHashCode(lock);
    }

    /** A delivery as {@link #delivery} makes one on {@code spool}, with one message in flight at most. */
    private AsyncDelivery oneInFlight(AsyncSinkNode sink, Path spool) {
        AsyncDelivery delivery = new AsyncDelivery("upload", sink, new DeliverySettings(1, 3,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(10)), Duration.ofHours(1), Optional.of(spool),
                DeliverySettings.MIN_SPOOL_BYTES), CODEC, log, data -> stats.out().increment(), stats::attemptTook,
                stats::counter);
        delivery.sinkOpened();
        return delivery;
    }

    /** Failing deliveries put the node in an outage with their last error; the first one delivered ends it. */
    @Test
    void failingDeliveriesAreTheNodesOutageUntilOneIsDelivered() throws Exception {
        List<NodeStats.State> atAttempts = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(data -> {
            atAttempts.add(stats.state());
            return atAttempts.size() <= 3 ? AWAY.send(data) : CompletableFuture.completedFuture(null);
        }, 10, Optional.empty());
        delivery.reportOutagesTo(stats);
        delivery.submit(frame(1), () -> { });
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(atAttempts).containsExactly(NodeStats.State.STARTING, NodeStats.State.OUTAGE,
                NodeStats.State.OUTAGE, NodeStats.State.OUTAGE);
        assertThat(stats.state()).isEqualTo(NodeStats.State.RUNNING);
        assertThat(stats.outageSince()).isNull();
        assertThat(stats.lastError()).contains("destination away (on purpose)");
    }

    /**
     * A server that refuses every message for good (a revoked token) is an outage once three in a
     * row and ten seconds have passed with none delivered, until one is delivered.
     */
    @Test
    void messagesGivenUpInARowAreAnOutageUntilOneIsDelivered() throws Exception {
        AtomicBoolean refusing = new AtomicBoolean(true);
        AsyncDelivery delivery = refusing(data -> refusing.get(), "the server answered status 401");
        for (long n = 1; n <= 2; n++) {
            delivery.submit(frame(n), () -> { });
        }
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        assertThat(stats.state()).as("two given up").isEqualTo(NodeStats.State.RUNNING);
        assertThat(stats.lastError()).isEqualTo("the server answered status 401");

        AtomicLong next = new AtomicLong(3);
        await().atMost(Waits.GENEROUS).until(() -> { // a frame every poll until the outage shows
            delivery.submit(frame(next.getAndIncrement()), () -> { });
            delivery.flush(Waits.GENEROUS);
            return stats.state() == NodeStats.State.OUTAGE;
        });
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("delivery failing"))
                .singleElement().asString().matches("delivery failing: \\d+ messages in a row given up, the last: the"
                        + " server answered status 401");

        refusing.set(false);
        delivery.submit(frame(next.get()), () -> { });
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(stats.state()).isEqualTo(NodeStats.State.RUNNING);
        assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("deliveries recovered after"))
                .singleElement().asString().endsWith("; " + stats.counter("failed").count()
                        + " frames given up meanwhile (counted as 'failed')");
    }

    /** Each time the spool empties, one line says what became of what it held since it was last empty. */
    @Test
    void anEmptiedSpoolSaysHowManyOfItsMessagesWereSentAndGivenUp(@TempDir Path spool) throws Exception {
        AtomicBoolean away = new AtomicBoolean(true);
        AsyncDelivery delivery = delivery(data -> away.get() ? AWAY.send(data)
                : data.metadata().frameId() % 5 == 0
                        ? CompletableFuture.failedFuture(new IllegalStateException("the server answered status 400"))
                        : CompletableFuture.completedFuture(null), 3, Optional.of(spool));
        for (int episode = 1; episode <= 2; episode++) {
            long first = episode == 1 ? 1 : 11;
            long last = episode == 1 ? 10 : 13;
            away.set(true);
            for (long n = first; n <= last; n++) {
                delivery.submit(frame(n), () -> { });
            }
            await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == last);
            away.set(false);
            int lines = episode;
            await().atMost(Waits.GENEROUS).until(() -> spoolEmptiedLines().size() == lines);
        }
        delivery.close();
        assertThat(spoolEmptiedLines()).containsExactly(
                "spool emptied: 8 spooled messages sent, 2 given up (counted as 'failed')",
                "spool emptied: 3 spooled messages sent");
    }

    /**
     * A spooled message the destination keeps refusing in a retriable way (a server failing on
     * that one image) while it takes the others is given up after its retries, as one sent straight
     * is, and the spool empties. Retried without limit, it held the spool's cursor for good, and
     * every message sent after it stayed in the spool (and in memory).
     */
    @Test
    void aSpooledMessageRefusedWhileOthersAreDeliveredIsGivenUpAfterItsRetries(@TempDir Path spool) throws Exception {
        AtomicBoolean away = new AtomicBoolean(true);
        AsyncDelivery delivery = delivery(data -> away.get() || data.metadata().frameId() == 3 ? AWAY.send(data)
                : CompletableFuture.completedFuture(null), 3, Optional.of(spool));
        for (long n = 1; n <= 6; n++) {
            delivery.submit(frame(n), () -> { });
        }
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == 6);
        away.set(false);
        AtomicLong next = new AtomicLong(7);
        await().atMost(Waits.GENEROUS).until(() -> { // a camera's frames go on coming, spooled behind it
            delivery.submit(frame(next.getAndIncrement()), () -> { });
            return spoolEmptiedLines().size() == 1;
        });
        delivery.close();
        assertThat(spoolEmptiedLines()).singleElement().asString()
                .matches("spool emptied: [0-9]+ spooled messages sent, 1 given up \\(counted as 'failed'\\)");
        assertThat(stats.counter("failed").count()).isOne();
    }

    /** Messages dropped as the spool outgrows max-size are said when it happens, once a minute at most. */
    @Test
    void messagesDroppedAsTheSpoolOutgrowsItsLimitAreSaidOnceAMinute(@TempDir Path spool) throws Exception {
        AsyncDelivery delivery = delivery(AWAY, 3, Optional.of(spool));
        for (long n = 1; n <= 200; n++) { // 2 MB for a 1 MiB spool: 256 KiB segments dropped several times
            delivery.submit(tenKilobytes(n), () -> { });
        }
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == 200);
        delivery.close();
        List<String> lines = log.messages(Level.WARN).stream().filter(line -> line.contains("dropped for room")).toList();
        assertThat(lines).singleElement().asString().matches("spool " + spool + " outgrew max-size \\(1048576 bytes\\):"
                + " its oldest messages are dropped for room, \\d+ so far \\(counted as 'spool-dropped'\\); raise"
                + " spool.max-size to keep more");
        long saidDropped = Long.parseLong(lines.get(0).replaceAll(".* (\\d+) so far.*", "$1"));
        assertThat(stats.counter("spool-dropped").count()).as("dropped after the line too").isGreaterThan(saidDropped);
    }

    /**
     * Messages being sent from the spool when it drops their segment for room count once, as what
     * becomes of them: delivered, in 'out' only. They were counted in 'spool-dropped' too, so that
     * 'out' and 'spool-dropped' added up to more messages than the spool held.
     */
    @Test
    void messagesDeliveredFromASegmentTheSpoolDroppedMeanwhileCountOnce(@TempDir Path spool) throws Exception {
        List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
        AtomicBoolean holding = new AtomicBoolean(true);
        AsyncDelivery delivery = overflowingWhileUnderWay(spool, data -> holding.get()
                ? keepingAnswers(held).send(data) : CompletableFuture.completedFuture(null), held, stats::counter);
        holding.set(false);
        held.forEach(answer -> answer.complete(null));
        await().atMost(Waits.GENEROUS).until(() -> spoolEmptiedLines().size() == 1);
        delivery.close();
        long spooled = EARLIER_RUN_SPOOLED + stats.counter("spooled").count();
        assertThat(stats.out().count() + stats.counter("spool-dropped").count()).isEqualTo(spooled);
        assertThat(stats.counter("unspooled").count()).isEqualTo(stats.out().count());
        assertThat(spoolEmptiedLines()).containsExactly("spool emptied: " + stats.out().count()
                + " spooled messages sent, " + stats.counter("spool-dropped").count()
                + " dropped as it outgrew max-size or could not be read (counted as 'spool-dropped')");
    }

    /**
     * Messages being sent from a segment the spool dropped, still under way at the stop, count as
     * dropped then: the next run does not have them, and sends the rest.
     */
    @Test
    void messagesStillUnderWayAtTheStopFromASegmentTheSpoolDroppedCountAsDropped(@TempDir Path spool)
            throws Exception {
        List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = overflowingWhileUnderWay(spool, keepingAnswers(held), held, stats::counter);
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        held.forEach(answer -> answer.cancel(true)); // the sink, closing, aborts its requests
        delivery.close();
        assertThat(stats.out().count()).isZero();
        int left = (int) (EARLIER_RUN_SPOOLED + stats.counter("spooled").count() - stats.counter("spool-dropped").count());
        assertThat(sentByTheNextRun(spool, left)).hasSize(left).doesNotContain(1L, 2L, 3L, 4L);
    }

    /**
     * A spooled message delivered as the delivery closes (its outcome waiting for the timer
     * thread, held in a send of the next spooled message) counts once: close() counts it as
     * dropped, its segment being gone, and its answer then counts nothing. It counted in 'out' too.
     */
    @Test
    void aSpooledMessageDeliveredAsTheDeliveryClosesCountsOnce(@TempDir Path spool) throws Exception {
        List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
        AsyncSinkNode keeping = keepingAnswers(held);
        AtomicReference<Thread> timer = new AtomicReference<>();
        CountDownLatch release = new CountDownLatch(1);
        AsyncDelivery delivery = overflowingWhileUnderWay(spool, data -> {
            if (held.size() < 4) {
                return keeping.send(data);
            }
            timer.set(Thread.currentThread());
            awaitOrFail(release);
            return CompletableFuture.completedFuture(null);
        }, held, stats::counter);
        held.get(0).complete(null); // delivered: its slot goes to the next spooled message, whose send holds the timer
        await().atMost(Waits.GENEROUS).until(() -> timer.get() != null);
        held.get(1).complete(null); // its outcome waits for the timer thread
        delivery.close();
        release.countDown();
        timer.get().join(Waits.GENEROUS.toMillis());
        assertThat(timer.get().isAlive()).as("the timer thread ran what it had, and ended").isFalse();
        assertThat(stats.out().count()).as("the one delivered before").isOne();
        assertThat(stats.counter("unspooled").count()).isOne();
    }

    /**
     * A spooled message refused for good while the delivery closes (its outcome under way as
     * close() begins, held here in the count of 'failed') counts once: close() waits for it, and
     * counts as dropped only the others under way from the dropped segment. It counted in
     * 'failed' and in 'spool-dropped'.
     */
    @Test
    void aSpooledMessageRefusedAsTheDeliveryClosesCountsOnce(@TempDir Path spool) throws Exception {
        CountDownLatch counting = new CountDownLatch(1);
        CountDownLatch counted = new CountDownLatch(1);
        Counter failed = stats.counter("failed");
        Counter heldInTheCount = new Counter() {
            @Override
            public void increment(long amount) {
                failed.increment(amount);
                counting.countDown();
                awaitOrFail(counted);
            }

            @Override
            public long count() {
                return failed.count();
            }
        };
        List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = overflowingWhileUnderWay(spool, keepingAnswers(held), held,
                name -> name.equals("failed") ? heldInTheCount : stats.counter(name));
        held.get(0).completeExceptionally(new IllegalStateException("the server answered status 400"));
        awaitOrFail(counting);
        long droppedBefore = stats.counter("spool-dropped").count();
        Thread closing = new Thread(delivery::close, "closing");
        closing.start();
        await().atMost(Waits.GENEROUS).until(() -> closing.getState() == Thread.State.BLOCKED || !closing.isAlive());
        counted.countDown();
        closing.join(Waits.GENEROUS.toMillis());
        assertThat(closing.isAlive()).isFalse();
        assertThat(stats.counter("failed").count()).isOne();
        assertThat(stats.counter("spool-dropped").count() - droppedBefore).as("the three others under way").isEqualTo(3);
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            assertThat(latch.await(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Frames an earlier run left in the spool, 10 kB each, from frame 1. */
    private static final int EARLIER_RUN_SPOOLED = 5;

    /**
     * A delivery to {@code sink} on {@code spool}, which an earlier run left {@value #EARLIER_RUN_SPOOLED}
     * frames in: with the four oldest under way (their answers in {@code held}), messages are
     * spooled behind them until the spool outgrows max-size and drops the segment they are in.
     */
    private AsyncDelivery overflowingWhileUnderWay(Path spool, AsyncSinkNode sink, List<CompletableFuture<Void>> held,
            Function<String, Counter> counters) throws Exception {
        try (Spool earlier = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            for (long n = 1; n <= EARLIER_RUN_SPOOLED; n++) {
                earlier.append(CODEC.toMessagePack(tenKilobytes(n)));
            }
        }
        AsyncDelivery delivery = delivery(sink, 3, Optional.of(spool), stats, log, counters, Duration.ofHours(1));
        await().atMost(Waits.GENEROUS).until(() -> held.size() == 4); // max-in-flight
        for (long n = EARLIER_RUN_SPOOLED + 1; stats.counter("spool-dropped").count() == 0; n++) {
            assertThat(n).as("1 MiB outgrown").isLessThan(200);
            delivery.submit(tenKilobytes(n), () -> { });
        }
        assertThat(held).hasSize(4);
        return delivery;
    }

    private List<String> spoolEmptiedLines() {
        return log.messages(Level.INFO).stream().filter(line -> line.startsWith("spool emptied")).toList();
    }

    /**
     * A delivery that shows its outages in {@code stats} (running), to a destination that refuses
     * for good, answering {@code answer}, the messages {@code refused} picks, and takes the others.
     */
    private AsyncDelivery refusing(Predicate<SensorData> refused, String answer) {
        AsyncDelivery delivery = delivery(data -> refused.test(data)
                ? CompletableFuture.failedFuture(new IllegalStateException(answer))
                : CompletableFuture.completedFuture(null), 3, Optional.empty());
        delivery.reportOutagesTo(stats);
        stats.running();
        return delivery;
    }

    /** A message refused now and then among deliveries shows as the last error, and is no outage. */
    @Test
    void messagesGivenUpBetweenDeliveriesAreNoOutage() throws Exception {
        AsyncDelivery delivery = refusing(data -> data.metadata().frameId() % 3 == 0, "the server answered status 400");
        for (long n = 1; n <= 9; n++) {
            delivery.submit(frame(n), () -> { });
            assertThat(delivery.flush(Waits.GENEROUS)).isTrue(); // one at a time: two delivered between refusals
        }
        delivery.close();
        assertThat(stats.counter("failed").count()).isEqualTo(3);
        assertThat(stats.state()).isEqualTo(NodeStats.State.RUNNING);
        assertThat(stats.lastError()).isEqualTo("the server answered status 400");
        assertThat(log.messages(Level.WARN)).noneMatch(line -> line.startsWith("delivery failing"));
    }

    /** An outage is timed from the start of the attempt that failed first: a stuck one began its deadline before. */
    @Test
    void anOutageIsTimedFromTheStartOfTheAttemptThatFailedFirst() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncSinkNode stuckOnce = data -> attempts.incrementAndGet() == 1 ? new CompletableFuture<>()
                : CompletableFuture.completedFuture(null);
        AsyncDelivery delivery = delivery(stuckOnce, 3, Optional.empty(), stats, log, stats::counter,
                Duration.ofMillis(500));
        delivery.submit(frame(1), () -> { });
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(attempts).hasValue(2);
        assertThat(recoveredAfterSeconds()).as("seconds since the stuck attempt was sent").isGreaterThanOrEqualTo(0.5);
    }

    /** An attempt stuck while others are delivered is no outage of its length: the outage starts at the latest delivery. */
    @Test
    void anAttemptStuckWhileOthersAreDeliveredIsNoOutageOfItsLength() throws Exception {
        List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(data -> {
            if (data.metadata().frameId() == 1 && held.isEmpty()) {
                held.add(new CompletableFuture<>());
                return held.get(0);
            }
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.empty());
        delivery.submit(frame(1), () -> { });
        long firstSent = System.nanoTime();
        await().atMost(Waits.GENEROUS).until(() -> System.nanoTime() - firstSent >= Duration.ofMillis(500).toNanos());
        long secondSent = System.nanoTime();
        delivery.submit(frame(2), () -> { });
        await().atMost(Waits.GENEROUS).until(() -> stats.out().count() == 1);
        held.get(0).completeExceptionally(new RetriableException("stuck, then refused (on purpose)"));
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        double sinceSecondSent = (System.nanoTime() - secondSent) / 1e9;
        delivery.close();
        assertThat(recoveredAfterSeconds()).as("at most the time since frame 2 was sent, with the line's rounding")
                .isLessThanOrEqualTo(sinceSecondSent + 0.05);
    }

    /** A flood of messages given up for one reason hides no other reason's first line. */
    @Test
    void aMessageGivenUpForAnotherReasonHasALineOfItsOwn() throws Exception {
        AsyncDelivery delivery = delivery(data -> data.metadata().frameId() == 2
                ? CompletableFuture.failedFuture(new IllegalStateException("refused for good (on purpose)"))
                : AWAY.send(data), 0, Optional.empty());
        for (long n = 1; n <= 3; n++) {
            delivery.submit(frame(n), () -> { });
        }
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(stats.counter("failed").count()).isEqualTo(3);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).hasSize(2)
                .anySatisfy(line -> assertThat(line).startsWith("gave up on frame 1 ").contains("away (on purpose)"))
                .anySatisfy(line -> assertThat(line).startsWith("gave up on frame 2 ").contains("refused for good"));
    }

    /**
     * A sink with no memory left to make a request (a large image's body) makes it again after the
     * backoff: the message is sent once memory is back, no slot is lost on the way, and none of the
     * destination's retries is spent.
     */
    @Test
    void aRequestTheHeapHasNoRoomForIsRetriedAndKeepsNoSlot() throws Exception {
        AtomicInteger outOfMemory = new AtomicInteger(8); // twice the 4 slots
        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(data -> {
            if (outOfMemory.getAndDecrement() > 0) {
                throw new OutOfMemoryError("Java heap space (on purpose)");
            }
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 10, Optional.empty());
        for (long n = 1; n <= 8; n++) {
            delivery.submit(frame(n), () -> { });
        }
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(sent).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(stats.counter("retries").count()).isZero();
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .startsWith("No memory left in this process to make a request");
    }

    /**
     * A sink whose send throws an Error (a bug of its own) fails that attempt as if it threw an
     * exception: the message is given up and said, and its slot and the flush's wait are freed,
     * on the node's thread as on a retry's. An Error out of submit left both taken for good.
     */
    @Test
    void anErrorTheSinkThrowsGivesItsMessageUpAndKeepsNoSlot() throws Exception {
        AtomicInteger attemptsOfFrame2 = new AtomicInteger();
        AsyncDelivery delivery = delivery(data -> {
            if (data.metadata().frameId() == 2 && attemptsOfFrame2.incrementAndGet() == 1) {
                return AWAY.send(data);
            }
            throw new AssertionError("a bug (on purpose)");
        }, 3, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1")); // thrown on the node's thread
        delivery.submit(frame(2), () -> finished.add("frame 2")); // thrown on its retry, on the timer's

        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(finished).containsExactlyInAnyOrder("frame 1", "frame 2");
        assertThat(stats.counter("failed").count()).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).contains("gave up on frame 1 after 1 attempt: AssertionError: a bug (on purpose)");
    }

    /**
     * A failed message the heap has no room to write to the spool (its record is as large as its
     * image) is given up, said and finished, as one the disk has no room for: the timer thread's
     * OutOfMemoryError left it never finished (an at-least-once bus's commits stuck behind it) and
     * the flush waiting for it its whole drain time.
     */
    @Test
    void aFailedMessageTheHeapHasNoRoomToSpoolIsGivenUp(@TempDir Path spool) throws Exception {
        MsightFormats noRoomForARecord = codec(data -> {
            throw new OutOfMemoryError("Java heap space (on purpose)");
        }, CODEC::fromMessagePack);
        AsyncDelivery delivery = unopened(AWAY, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1),
                noRoomForARecord);
        delivery.sinkOpened();
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));

        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(finished).containsExactly("frame 1");
        assertThat(stats.counter("failed").count()).isOne();
        assertThat(log.messages(Level.WARN)).anyMatch(line -> line.startsWith(
                "gave up on frame 1: spool: no memory left in this process to store it. Give the process a larger heap"));
    }

    /**
     * A message whose data type cannot be written to the spool (a plugin's type whose two encoding
     * passes differ) is given up, counted, said and finished, on the node's thread (spooled behind
     * others) as on the timer's (failed into the spool). On the node's thread the exception came out
     * of submit, the node restarting to hit the same message for good; on the timer's, the flush
     * waited its whole drain time for it.
     */
    @Test
    void aMessageItsDataTypeCannotWriteToTheSpoolIsGivenUp(@TempDir Path spool) throws Exception {
        try (Spool earlier = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            earlier.append(CODEC.toMessagePack(frame(1)));
        }
        MsightFormats unwritable = codec(data -> {
            if (data.metadata().frameId() > 1) {
                throw new IllegalStateException("wrote 10 of 12 bytes (on purpose)");
            }
            return CODEC.toMessagePack(data);
        }, CODEC::fromMessagePack);
        AsyncDelivery delivery = unopened(AWAY, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1),
                unwritable);
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(2), () -> finished.add("frame 2")); // behind frame 1, unsent: spooled on the node's thread
        assertThat(finished).containsExactly("frame 2");

        delivery.sinkOpened();
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("retries").count() >= 1); // frame 1 under way
        delivery.submit(frame(3), () -> finished.add("frame 3")); // straight, then failed into the spool on the timer's
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(finished).containsExactly("frame 2", "frame 3");
        assertThat(stats.counter("failed").count()).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).containsExactly(
                "gave up on frame 2: spool: cannot store it: wrote 10 of 12 bytes (on purpose)");
    }

    /**
     * A spooled message the heap has no room to read back (decoding a large image) is read again
     * after the backoff, in its turn, and sent: the timer thread's OutOfMemoryError kept its slot
     * and left it unacknowledged for good, so nothing more was sent from the spool, which never
     * emptied.
     */
    @Test
    void aSpooledMessageTheHeapHasNoRoomToReadIsReadAgainAndSent(@TempDir Path spool) throws Exception {
        AtomicLong noRoomFor = new AtomicLong(-1);
        List<Long> sent = sentWithNoRoomToReadTheFirst(spool, Duration.ofHours(1), false, noRoomFor,
                "spool emptied: 3 spooled messages sent");
        assertThat(sent).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(sent.get(0)).as("the oldest, in its turn").isEqualTo(noRoomFor.get());
        assertThat(stats.counter("failed").count()).isZero();
    }

    /**
     * A spooled message the heap never has room to read back is given up after attempt-timeout, as
     * a request that never fits is: counted as failed, said with what to do, and the messages behind
     * it are sent. It was read again after the backoff without end, holding them all.
     */
    @Test
    void aSpooledMessageTheHeapNeverHasRoomToReadIsGivenUpAndTheRestIsSent(@TempDir Path spool) throws Exception {
        AtomicLong noRoomFor = new AtomicLong(-1);
        List<Long> sent = sentWithNoRoomToReadTheFirst(spool, Duration.ofMillis(200), true, noRoomFor,
                "spool emptied: 2 spooled messages sent, 1 given up (counted as 'failed')");
        assertThat(sent).doesNotContain(noRoomFor.get()).hasSize(2);
        assertThat(stats.counter("failed").count()).isOne();
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("spool: gave up")).singleElement()
                .asString().startsWith("spool: gave up on a message the heap had no room to read back within"
                        + " attempt-timeout (200ms), counted as 'failed'; the messages behind it are sent: Give the"
                        + " process a larger heap (MSIGHT_JAVA_OPTS=");
    }

    /**
     * A spooled message the heap has no room to read back has all of attempt-timeout from its own
     * first try: when the one before it, which the heap had no room for either, is dropped for room,
     * the clock starts anew. It went on with the dropped one's, and was given up once that ran out.
     */
    @Test
    void aSpooledMessageTheHeapHasNoRoomToReadHasItsOwnAttemptTimeoutWhenTheOneBeforeIsDropped(@TempDir Path spool)
            throws Exception {
        AtomicBoolean noRoom = new AtomicBoolean(true);
        List<Long> noRoomFor = new CopyOnWriteArrayList<>();
        List<Long> sent = new CopyOnWriteArrayList<>();
        AtomicLong movedOn = new AtomicLong();
        AsyncDelivery delivery = noRoomToReadWhile(noRoom, noRoomFor, sent, spool, Duration.ofMillis(10),
                () -> System.nanoTime() + movedOn.get());
        await().atMost(Waits.GENEROUS).until(() -> noRoomFor.contains(1L));
        movedOn.addAndGet(Duration.ofMinutes(30).toNanos()); // frame 1 has had no room for half of its hour
        long last = 1;
        while (stats.counter("spool-dropped").count() == 0) {
            assertThat(last).as("1 MiB outgrown").isLessThan(200);
            delivery.submit(tenKilobytes(++last), () -> { });
        }
        long oldest = stats.counter("spool-dropped").count() + 1; // the first segment's, frame 1's, were dropped
        await().atMost(Waits.GENEROUS).until(() -> noRoomFor.contains(oldest));
        movedOn.addAndGet(Duration.ofMinutes(31).toNanos()); // frame 1's hour is over, the oldest has had 31 minutes
        awaitTriesWhollyAfterNow(noRoomFor);
        assertThat(stats.counter("failed").count()).as("given up").isZero();
        List<Long> tried = List.copyOf(noRoomFor); // a view of a list still growing would throw
        assertThat(tried.subList(tried.indexOf(oldest), tried.size())).as("tried again").containsOnly(oldest);

        movedOn.addAndGet(Duration.ofMinutes(30).toNanos()); // the oldest's own hour is over
        await().atMost(Waits.GENEROUS).until(() -> noRoomFor.contains(oldest + 1));
        assertThat(stats.counter("failed").count()).as("the oldest given up").isOne();
        noRoom.set(false);
        await().atMost(Waits.GENEROUS).until(() -> !spoolEmptiedLines().isEmpty());
        assertThat(sent).containsExactlyElementsOf(LongStream.rangeClosed(oldest + 1, last).boxed().toList());
        delivery.close();
    }

    /**
     * While the heap has no room to read the oldest spooled message back, it is read again once a
     * backoff, however many messages are spooled behind it meanwhile. Each message spooled started
     * another read of it, each repeated after the backoff for good: reads of a large image, and the
     * heap they ask for, grew with every message spooled.
     */
    @Test
    void aSpooledMessageTheHeapHasNoRoomToReadIsReadAgainOnceABackoffHoweverManyAreSpooledBehind(@TempDir Path spool)
            throws Exception {
        List<Long> noRoomFor = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = noRoomToReadWhile(new AtomicBoolean(true), noRoomFor, new CopyOnWriteArrayList<>(),
                spool, Duration.ofHours(1), System::nanoTime);
        await().atMost(Waits.GENEROUS).until(() -> noRoomFor.size() == 1);
        for (long n = 2; n <= 4; n++) {
            delivery.submit(tenKilobytes(n), () -> { });
        }
        assertThat(stats.counter("spooled").count()).isEqualTo(3);
        await().during(Duration.ofSeconds(1)).atMost(Waits.GENEROUS).until(() -> noRoomFor.size() == 1);
        delivery.close();
    }

    /**
     * An opened delivery with attempt-timeout 1 hour and retries {@code backoff} apart on {@code spool},
     * where an earlier run left frame 1 (10 kB), to a destination that takes everything ({@code sent});
     * the heap has no room to read a spooled message back while {@code noRoom} (the frames it had no
     * room for in {@code noRoomFor}). It times the waits for memory by {@code readBackClock}.
     */
    private AsyncDelivery noRoomToReadWhile(AtomicBoolean noRoom, List<Long> noRoomFor, List<Long> sent, Path spool,
            Duration backoff, LongSupplier readBackClock) throws IOException {
        try (Spool earlier = Spool.open(spool, DeliverySettings.MIN_SPOOL_BYTES, log)) {
            earlier.append(CODEC.toMessagePack(tenKilobytes(1)));
        }
        AsyncDelivery delivery = unopened(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1), codec(CODEC::toMessagePack, record -> {
            SensorData data = CODEC.fromMessagePack(record);
            if (noRoom.get()) {
                noRoomFor.add(data.metadata().frameId());
                throw new OutOfMemoryError("Java heap space (on purpose)");
            }
            return data;
        }), backoff, readBackClock);
        delivery.sinkOpened();
        return delivery;
    }

    /** Waits until a read begun after this call has ended: the timer, one thread, began the second one after it. */
    private static void awaitTriesWhollyAfterNow(List<Long> noRoomFor) {
        int before = noRoomFor.size();
        await().atMost(Waits.GENEROUS).until(() -> noRoomFor.size() >= before + 2);
    }

    /**
     * Sends frames 1 to 3, which an earlier run left in {@code spool}, with {@code attemptTimeout},
     * to a destination that takes everything, until the spool empties saying {@code emptied}; the
     * heap has no room to read back the first message read (its frame then in {@code noRoomFor}):
     * the first time only, or {@code always}.
     *
     * @return the frames sent, in order
     */
    private List<Long> sentWithNoRoomToReadTheFirst(Path spool, Duration attemptTimeout, boolean always,
            AtomicLong noRoomFor, String emptied) throws InterruptedException {
        AsyncDelivery away = delivery(AWAY, 3, Optional.of(spool));
        for (long n = 1; n <= 3; n++) {
            away.submit(frame(n), () -> { });
        }
        assertThat(away.flush(Waits.GENEROUS)).isTrue();
        away.close();

        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = unopened(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool), stats, log, stats::counter, attemptTimeout, codec(CODEC::toMessagePack, record -> {
            SensorData data = CODEC.fromMessagePack(record);
            long frame = data.metadata().frameId();
            if (noRoomFor.compareAndSet(-1, frame) || always && noRoomFor.get() == frame) {
                throw new OutOfMemoryError("Java heap space (on purpose)");
            }
            return data;
        }));
        next.sinkOpened();
        await().atMost(Waits.GENEROUS).until(() -> spoolEmptiedLines().equals(List.of(emptied)));
        assertThat(next.flush(Waits.GENEROUS)).isTrue();
        next.close();
        return sent;
    }

    /**
     * A bus whose acknowledgement throws (a plugin's bug; an at-least-once bus's done() on a
     * closed connection) costs no slot: thrown in the callback of the attempt's outcome, it was
     * swallowed there with the slot kept, and once max-in-flight such messages went, the node's
     * thread waited for a slot for good.
     */
    @Test
    void aFinishedCallbackThatThrowsKeepsNoSlot() throws Exception {
        AsyncDelivery delivery = delivery(data -> CompletableFuture.completedFuture(null), 3, Optional.empty());
        CompletableFuture<Void> moreThanMaxInFlight = CompletableFuture.runAsync(() -> {
            for (long n = 1; n <= 5; n++) {
                try {
                    delivery.submit(frame(n), () -> {
                        throw new IllegalStateException("acknowledging failed (on purpose)");
                    });
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });

        moreThanMaxInFlight.get(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
        assertThat(stats.out().count()).isEqualTo(5);
    }

    /** A spool on a full disk gives up every failed message: one line for them all, and each is counted. */
    @Test
    void aSpoolOnAFullDiskGivesUpMessagesWithOneLine(@TempDir Path dir) throws Exception {
        outageWithASpoolOn64KiB(dir, (delivery, disk) -> {
            for (long n = 1; n <= 20; n++) { // 200 KB for a 64 KiB disk
                delivery.submit(tenKilobytes(n), () -> { });
            }
            await().atMost(Waits.GENEROUS).until(() -> stats.counter("failed").count() >= 2);
        });
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.contains("spool: cannot store it"))
                .singleElement().asString().matches("gave up on frame \\d+: spool: cannot store it: No space left on device");
    }

    /**
     * An outage whose messages the spool cannot store (its disk is full) is not said to keep them
     * there; once the disk has room, the first message stored says how many could not be.
     */
    @Test
    void anOutageOnAFullSpoolDiskSaysItsMessagesAreGivenUpAndWhenTheSpoolWritesAgain(@TempDir Path dir)
            throws Exception {
        outageWithASpoolOn64KiB(dir, (delivery, disk) -> {
            SpoolTest.fill(disk);
            for (long n = 1; n <= 3; n++) {
                delivery.submit(frame(n), () -> { });
            }
            await().atMost(Waits.GENEROUS).until(() -> stats.counter("failed").count() == 3);
            assertThat(stats.counter("spooled").count()).isZero();
            Files.delete(disk.resolve("filler"));
            for (long n = 4; n <= 5; n++) {
                delivery.submit(frame(n), () -> { });
            }
            await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == 2);
        });
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("delivery failing")).containsExactly(
                "delivery failing: destination away (on purpose); the spool cannot store messages: they are given"
                        + " up (counted as 'failed')");
        assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("spool: writing")).containsExactly(
                "spool: writing works again after 3 messages could not be spooled (counted as 'failed')");
    }

    /**
     * A spool disk whose room comes and goes (another program writes and deletes there) says the
     * spool writes again as often as a line said it could not: not at every message stored after
     * one that could not be.
     */
    @Test
    void aSpoolDiskWhoseRoomComesAndGoesSaysItWritesAgainNoMoreOftenThanItSaidItCouldNot(@TempDir Path dir)
            throws Exception {
        outageWithASpoolOn64KiB(dir, (delivery, disk) -> {
            for (long n = 1; n <= 3; n++) { // 8 KB frames: more than the room left in the pages the spool has
                long round = n;
                SpoolTest.fill(disk);
                delivery.submit(new BytesData(new Metadata("s", 1, 1, 2 * n - 1, "d"), new byte[8_000]), () -> { });
                await().atMost(Waits.GENEROUS).until(() -> stats.counter("failed").count() == round);
                Files.delete(disk.resolve("filler"));
                delivery.submit(new BytesData(new Metadata("s", 1, 1, 2 * n, "d"), new byte[8_000]), () -> { });
                await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == round);
            }
        });
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.contains("cannot store it")).hasSize(1);
        assertThat(log.messages(Level.INFO)).filteredOn(line -> line.startsWith("spool: writing")).containsExactly(
                "spool: writing works again after 1 message could not be spooled (counted as 'failed')");
    }

    /**
     * A spool an earlier version left without a cursor, started on a full disk: every message is
     * sent, and the cursor, which has no room for its line, is said once a minute, not once a delivery.
     */
    @Test
    void aCursorWithNoRoomForItsLineIsSaidOnceAMinute(@TempDir Path dir) throws Throwable {
        onAFullDiskWithoutACursor(dir, 20, spool -> assertThat(sentByTheNextRun(spool, 20))
                .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 20).boxed().toList()));
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.contains("cursor")).containsExactly(
                "spool: cannot move its cursor: No space left on device; a restart sends the messages delivered since"
                        + " it last moved again (at least once)");
    }

    /** A stop that cannot write the cursor (it has no room for its line) says what that means for the next run. */
    @Test
    void aStopThatCannotWriteTheCursorSaysARestartSendsMessagesAgain(@TempDir Path dir) throws Throwable {
        onAFullDiskWithoutACursor(dir, 3, spool -> {
            AsyncDelivery next = delivery(AWAY, 3, Optional.of(spool));
            assertThat(next.flush(Waits.GENEROUS)).isTrue();
            next.close();
        });
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("spool: closing")).containsExactly(
                "spool: closing failed: No space left on device; a restart sends the messages delivered since the"
                        + " cursor last moved again (at least once)");
    }

    /**
     * Runs {@code nextRun} on a spool of {@code count} frames left without a cursor (as versions
     * before 4ffdd55 left a spool nothing was sent from) on a 64 KiB disk under {@code dir}, filled
     * to its last byte.
     */
    private void onAFullDiskWithoutACursor(Path dir, int count, ThrowingConsumer<Path> nextRun) throws Throwable {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "64k");
        Path spool = disk.resolve("spool");
        try {
            AsyncDelivery earlier = delivery(AWAY, 3, Optional.of(spool));
            for (long n = 1; n <= count; n++) {
                earlier.submit(frame(n), () -> { });
            }
            await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == count);
            earlier.flush(Waits.GENEROUS);
            earlier.close();
            Files.delete(spool.resolve("cursor"));
            SpoolTest.fill(disk);
            nextRun.accept(spool);
        } finally {
            Mounts.unmount(disk);
        }
    }

    /** What a test does with a delivery to a destination away and the disk of its spool. */
    private interface Outage {
        void run(AsyncDelivery delivery, Path disk) throws Exception;
    }

    /** Runs {@code outage} with its spool on a 64 KiB disk under {@code dir}; closes the delivery before the disk goes. */
    private void outageWithASpoolOn64KiB(Path dir, Outage outage) throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "64k");
        try {
            AsyncDelivery delivery = delivery(AWAY, 3, Optional.of(disk.resolve("spool")));
            try {
                outage.run(delivery, disk);
            } finally {
                delivery.close();
            }
        } finally {
            Mounts.unmount(disk);
        }
    }

    /** What an earlier run left in the spool waits for the sink to open: sent before, it would only fail. */
    @Test
    void messagesOfAnEarlierRunAreSentOnceTheSinkHasOpened(@TempDir Path spool) throws Exception {
        AsyncDelivery earlier = delivery(AWAY, 3, Optional.of(spool));
        earlier.submit(frame(1), () -> { });
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == 1);
        earlier.flush(Waits.GENEROUS);
        earlier.close();

        List<Long> sent = new CopyOnWriteArrayList<>();
        AsyncDelivery next = unopened(data -> {
            sent.add(data.metadata().frameId());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1), CODEC);
        await().during(Duration.ofSeconds(1)).atMost(Waits.GENEROUS).until(sent::isEmpty);
        next.sinkOpened();
        await().atMost(Waits.GENEROUS).until(() -> sent.equals(List.of(1L)));
        next.close();
    }

    /** The seconds of the one "deliveries recovered after" line. */
    private double recoveredAfterSeconds() {
        String prefix = "deliveries recovered after ";
        String line = log.messages(Level.INFO).stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> {
            throw new AssertionError("more than one line: " + a + " / " + b);
        }).orElseThrow(() -> new AssertionError("no line starting " + prefix));
        return Double.parseDouble(line.substring(prefix.length(), line.indexOf(" s", prefix.length())));
    }

    /** A destination asking to wait for ages (or past what a long holds) is waited five minutes at most. */
    @Test
    void aRetryAfterBeyondFiveMinutesIsWaitedFiveMinutes() throws Exception {
        AsyncDelivery delivery = delivery(data -> CompletableFuture.failedFuture(new RetryAfterException(
                "503 (Retry-After: 10000000000 s)", Duration.ofSeconds(10_000_000_000L))), 3, Optional.empty());
        delivery.submit(frame(1), () -> { });
        await().atMost(Waits.GENEROUS).until(() -> log.messages(Level.DEBUG).stream()
                .anyMatch(line -> line.contains("retry after")));
        assertThat(log.messages(Level.DEBUG)).filteredOn(line -> line.contains("retry after")).singleElement()
                .asString().endsWith("retry after " + AsyncDelivery.MAX_RETRY_AFTER.toMillis() + " ms");
        assertThat(delivery.flush(Duration.ofMillis(100))).as("the retry, due in five minutes, is abandoned").isFalse();
        delivery.close();
    }

    /**
     * A flush does not wait for a message whose retry is due after its drain time (a long
     * Retry-After): it is abandoned at once, unfinished, as one the drain time ran out on. The
     * flush waited its drain time out for it.
     */
    @Test
    void aFlushDoesNotWaitForARetryDueAfterItsDrainTime() throws Exception {
        AsyncDelivery delivery = delivery(data -> CompletableFuture.failedFuture(new RetryAfterException(
                "503 (Retry-After: 600 s)", Duration.ofMinutes(10))), 3, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("retries").count() == 1);

        CompletableFuture<Boolean> flushed = CompletableFuture.supplyAsync(() -> {
            try { // a drain time longer than the test waits: waited out, the flush would not return in time
                return delivery.flush(Waits.GENEROUS.multipliedBy(2));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(flushed.get(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
        delivery.close();
        assertThat(finished).as("an at-least-once bus must not commit it").isEmpty();
        assertThat(stats.counter("failed").count()).as("abandoned, not given up").isZero();
        assertThat(log.messages(Level.WARN)).contains(
                "1 deliveries waited for a retry due after the drain time; they are abandoned");
    }

    @Test
    void withoutASpoolAFlushWaitsForAMessageBeingRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncDelivery delivery = delivery(data -> attempts.incrementAndGet() <= 3 ? AWAY.send(data)
                : CompletableFuture.completedFuture(null), 10, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));

        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        assertThat(finished).containsExactly("frame 1");
        assertThat(attempts).hasValue(4);
        assertThat(stats.out().count()).isOne();
        delivery.close();
    }

    /**
     * A flush the stop interrupts (the node's thread not done within the drain time and a second)
     * abandons what is under way, as one that ran out of time, and says how much: the sink,
     * closing, aborts it, and it was given up and finished, so an at-least-once bus committed
     * messages never delivered; and no line said so.
     */
    @Test
    void anInterruptedFlushAbandonsWhatIsStillUnderWay() throws Exception {
        List<CompletableFuture<Void>> underWay = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(keepingAnswers(underWay), 3, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));

        Thread.currentThread().interrupt(); // the stop's, come while the node's thread was busy
        assertThatThrownBy(() -> delivery.flush(Waits.GENEROUS)).isInstanceOf(InterruptedException.class);
        underWay.forEach(answer -> answer.cancel(true)); // the sink, closing, aborts its requests
        delivery.close();
        assertThat(finished).as("an at-least-once bus must not commit it").isEmpty();
        assertThat(stats.counter("failed").count()).as("abandoned, not given up").isZero();
        assertThat(log.messages(Level.WARN)).containsExactly(
                "1 deliveries still under way when the stop cut the drain short; they are abandoned");
    }

    @Test
    void aFlushAbandonsWhatIsStillUnderWayAtItsDeadlineAndSaysHowMuch() throws Exception {
        List<CompletableFuture<Void>> underWay = new CopyOnWriteArrayList<>();
        AsyncDelivery delivery = delivery(keepingAnswers(underWay), 3, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));
        delivery.submit(frame(2), () -> finished.add("frame 2"));

        assertThat(delivery.flush(Duration.ofMillis(200))).isFalse();
        underWay.forEach(answer -> answer.cancel(true)); // the sink, closing, aborts its requests
        delivery.close();
        assertThat(finished).as("an at-least-once bus must not commit them").isEmpty();
        assertThat(stats.counter("failed").count()).as("abandoned, not given up").isZero();
        assertThat(log.messages(Level.WARN)).containsExactly("2 deliveries still under way when the drain time ran out; they are abandoned");
    }

    /**
     * Closing does not interrupt the timer's task under way: the JDK closes a {@code FileChannel}
     * whose thread is interrupted in it, so a spool write or the cursor's would be cut, the cursor
     * then not written at close, and what was delivered since it last moved sent again.
     */
    @Test
    void closingLetsTheTimersTaskUnderWayEndUninterrupted() throws Exception {
        CountDownLatch retrying = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        CompletableFuture<Boolean> interruptedThen = new CompletableFuture<>();
        AtomicInteger attempts = new AtomicInteger();
        AsyncDelivery delivery = delivery(data -> {
            if (attempts.incrementAndGet() == 1) {
                return AWAY.send(data);
            }
            retrying.countDown(); // the retry, on the timer's thread
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            interruptedThen.complete(Thread.currentThread().isInterrupted());
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.empty());
        delivery.submit(frame(1), () -> { });
        assertThat(retrying.await(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        delivery.close();
        closed.countDown();
        assertThat(interruptedThen.get(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS))
                .as("the timer's thread interrupted by close").isFalse();
    }

    /**
     * A failed message on its way to the spool when the delivery closes (a node's restart) is set
     * aside, as one whose outcome comes after the close: not given up, nor finished, so an
     * at-least-once bus delivers it again. It was written to the closed spool, which failed, and
     * counted as 'failed' and finished: committed, never delivered.
     */
    @Test
    void aFailedMessageOnItsWayToTheSpoolWhenTheDeliveryClosesIsSetAside(@TempDir Path spool) throws Exception {
        List<CompletableFuture<Void>> underWay = new CopyOnWriteArrayList<>();
        List<Thread> timersBefore = timerThreads(); // of deliveries of earlier tests, maybe ending still
        AsyncDelivery delivery = delivery(keepingAnswers(underWay), 3, Optional.of(spool));
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));
        await().atMost(Waits.GENEROUS).until(() -> underWay.size() == 1);
        Thread timer = timerThreads().stream().filter(thread -> !timersBefore.contains(thread)).findFirst()
                .orElseThrow();
        synchronized (delivery) { // the outage's lock: the failure's way to the spool waits there, after its check of close
            underWay.get(0).completeExceptionally(new RetriableException("destination away (on purpose)"));
            await().atMost(Waits.GENEROUS).until(() -> timer.getState() == Thread.State.BLOCKED);
            delivery.close();
        }
        await().atMost(Waits.GENEROUS).until(() -> timer.getState() != Thread.State.BLOCKED
                && timer.getState() != Thread.State.RUNNABLE);
        assertThat(finished).as("an at-least-once bus must not commit it").isEmpty();
        assertThat(stats.counter("failed").count()).as("set aside, not given up").isZero();
    }

    /** The timer threads of node upload's deliveries. */
    private static List<Thread> timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("node-upload-delivery")).toList();
    }

    /**
     * A sink that does not match this runtime (a {@link LinkageError} from its send) found by a
     * retry, on the timer's thread, stops the node at its next message, keeping no slot and no
     * party of the flush, and the message is not finished (an at-least-once bus delivers it
     * again): it was logged on the timer's thread, its slot and party kept for good.
     */
    @Test
    void aSinkThatDoesNotMatchFoundByARetryStopsTheNodeAtItsNextMessage() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncDelivery delivery = delivery(data -> {
            int attempt = attempts.incrementAndGet();
            if (attempt == 1) {
                return AWAY.send(data);
            }
            if (attempt == 2) { // the retry
                throw new NoClassDefFoundError("org/example/Gone (on purpose)");
            }
            return CompletableFuture.completedFuture(null);
        }, 3, Optional.empty());
        List<String> finished = new CopyOnWriteArrayList<>();
        delivery.submit(frame(1), () -> finished.add("frame 1"));
        await().atMost(Waits.GENEROUS).until(() -> attempts.get() == 2);

        await().atMost(Waits.GENEROUS).untilAsserted(() -> assertThatThrownBy(() -> delivery.submit(frame(2), () -> { }))
                .isInstanceOf(NoClassDefFoundError.class));
        assertThat(delivery.flush(Waits.GENEROUS)).as("no party of the flush kept").isTrue();
        delivery.close();
        assertThat(finished).as("an at-least-once bus must not commit it").isEmpty();
    }

    /**
     * A spooled message being sent keeps no copy of its record's bytes beside the message decoded
     * from them: with max-in-flight large images read back from the spool, each was in the heap twice.
     */
    @Test
    void aSpooledMessageUnderWayDoesNotKeepItsRecordsBytes(@TempDir Path spool) throws Exception {
        List<WeakReference<byte[]>> records = new CopyOnWriteArrayList<>();
        MsightFormats watching = codec(CODEC::toMessagePack, record -> {
            records.add(new WeakReference<>(record));
            return CODEC.fromMessagePack(record);
        });
        AtomicBoolean away = new AtomicBoolean(true);
        List<CompletableFuture<Void>> answers = new CopyOnWriteArrayList<>();
        AsyncSinkNode keeping = keepingAnswers(answers);
        AsyncDelivery delivery = unopened(data -> away.get() ? AWAY.send(data) : keeping.send(data), 3,
                Optional.of(spool), stats, log, stats::counter, Duration.ofHours(1), watching);
        delivery.sinkOpened();
        delivery.submit(tenKilobytes(1), () -> { });
        await().atMost(Waits.GENEROUS).until(() -> stats.counter("spooled").count() == 1);
        away.set(false);
        await().atMost(Waits.GENEROUS).until(() -> answers.size() == 1); // sent from the spool, unanswered

        await().atMost(Waits.GENEROUS).until(() -> {
            System.gc();
            return records.stream().allMatch(record -> record.get() == null);
        });
        answers.get(0).complete(null);
        await().atMost(Waits.GENEROUS).until(() -> stats.out().count() == 1);
        assertThat(delivery.flush(Waits.GENEROUS)).isTrue();
        delivery.close();
    }
}

package org.msight.runtime.node;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.msight.api.AsyncSinkNode;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.KeyedLogThrottle;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.RetriableException;
import org.msight.api.Setting;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * Delivers the messages of an {@link AsyncSinkNode} as its {@link DeliverySettings} say: at most
 * {@code max-in-flight} attempts under way ({@link #submit} blocks for a free slot, so the
 * node's inbox in front drops its oldest when the destination is slow), a deadline per attempt,
 * retries after a jittered backoff or the destination's {@code Retry-After}, and, with a spool,
 * messages kept on disk while the destination is away and sent in order when it is back.
 *
 * <p>Threads: {@link #submit} runs on the node's thread and starts the attempt there; outcomes
 * arrive on the sink's own threads (an HTTP client's I/O reactor); one timer thread per node
 * runs deadlines, retries and the spool, and takes over the outcomes that touch the spool's
 * disk, so a slow disk never holds up the sink's threads. Counters: {@code retries},
 * {@code timeouts}, {@code failed} (given up), {@code spooled}, {@code unspooled},
 * {@code spool-dropped} (dropped unsent as the spool outgrew max-size); each message counts
 * once: one being sent from a segment dropped meanwhile counts as what becomes of it before the
 * delivery closes, else as dropped.
 */
public final class AsyncDelivery {

    private static final Duration SPOOL_SYNC_PERIOD = Duration.ofSeconds(1);
    /** How often a message waiting for a slot looks whether the spool began to fill. */
    private static final Duration SPOOL_RECHECK = Duration.ofMillis(20);
    /** How often a message waiting for a slot without a spool looks whether a stop began, whose drain time ends the wait. */
    private static final Duration STOP_RECHECK = Duration.ofMillis(100);
    /** The longest Retry-After waited: a destination asking for more (a day, or past what a long holds) waits this. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);
    /** Messages given up in a row, none delivered between, that make an outage, and for how long at least. */
    static final int GIVEN_UP_FOR_OUTAGE = 3;
    static final Duration GIVEN_UP_SPAN = Duration.ofSeconds(10);

    private final AsyncSinkNode sink;
    private final DeliverySettings settings;
    private final MsightFormats formats;
    private final Logger log;
    /**
     * The clock of how long a message has waited for memory (to make its request, or to be read
     * back from the spool): {@link System#nanoTime()}, but in a test that moves it on.
     */
    private final LongSupplier readBackClock;
    private final Semaphore slots;
    private final ScheduledThreadPoolExecutor timer;
    private final AttemptDeadlines deadlines;
    private final Consumer<SensorData> delivered;
    private final LongConsumer attemptTimes;
    private final Counter retries;
    private final Counter timeouts;
    private final Counter failed;
    private final Counter spooled;
    private final Counter unspooled;
    private final Counter spoolDropped;
    /** Messages delivered, whatever their way: a spooled message failing while this grows is refused, not in an outage. */
    private final LongAdder successes = new LongAdder();
    private final Spool spool;
    /**
     * One party for each message sent straight (not from the spool) until it is delivered, given
     * up or spooled, and one for {@link #flush}, which arrives and waits for the others.
     */
    private final Phaser unsettled = new Phaser(1);
    /** What became of the messages spooled since the spool was last empty; guarded by the spool. */
    private long sentSinceSpoolEmpty;
    private long givenUpSinceSpoolEmpty;
    private long spoolDroppedBefore;
    /** Whether a fill from the spool is waiting for the timer thread. */
    private final AtomicBoolean fillScheduled = new AtomicBoolean();
    /** Reading the oldest unread message back with no room for it in the heap; guarded by the spool. */
    private final ReadBackFailures noRoomToRead = new ReadBackFailures();
    /** Reading the oldest unread message back failing (an I/O error); guarded by the spool. */
    private final ReadBackFailures unreadable = new ReadBackFailures();
    /**
     * One line a minute at most for messages given up for one reason (without a spool, an outage
     * gives up every message); the line of an outage's end says how many it gave up.
     */
    private final KeyedLogThrottle givenUpLines = new KeyedLogThrottle(Duration.ofMinutes(1), 16);
    /** One line a minute at most for requests the heap had no room to make. */
    private final LogThrottle outOfMemoryLines = new LogThrottle(Duration.ofMinutes(1));
    /** One line a minute at most for spooled messages dropped as the spool outgrew max-size. */
    private final LogThrottle spoolDroppedLines = new LogThrottle(Duration.ofMinutes(1));
    /**
     * One line a minute at most for each spool failure that can come at every read or every
     * second: reading (a failing device), messages it cannot decode, no memory to read them, fsync.
     */
    private final KeyedLogThrottle spoolFailureLines = new KeyedLogThrottle(Duration.ofMinutes(1), 4);
    /** One line a minute at most for a cursor that cannot be written (a full disk): it fails at every delivery. */
    private final LogThrottle cursorLines = new LogThrottle(Duration.ofMinutes(1));
    /** Messages the spool could not store since the line that says it writes again; guarded by the spool. */
    private long notSpooled;
    /**
     * Whether a line said the spool could not store a message since then: the line that it writes
     * again answers one, so it comes no more often than they do (once a minute at most).
     */
    private volatile boolean notSpooledSaid;
    /** Whether deliveries fail now; since when, and how many were given up before. Guarded by this. */
    private boolean inOutage;
    /** Messages given up since the latest delivery, and when the first of them was sent. Guarded by this. */
    private int givenUpInARow;
    private long firstGivenUpStart;
    private long outageStartNanos;
    private long failedBeforeOutage;
    /** When the latest message was delivered, or this was made ({@link System#nanoTime()}). Guarded by this. */
    private long lastDeliveredNanos = System.nanoTime();
    private boolean timeoutLogged;
    /** Set by {@link #flush}: spooled messages are no longer sent, nor given up; they stay for the next run. */
    private volatile boolean stopping;
    /** Set when a flush ran out of time: what is still under way is abandoned, whatever becomes of it. */
    private volatile boolean abandoned;
    /**
     * Messages sent straight that wait for a retry, and when it is due ({@link System#nanoTime()}):
     * once a stop has begun, those due after its drain time are abandoned. Removing one claims it,
     * for its retry or to abandon it.
     */
    private final Map<Delivery, Long> retriesDue = new ConcurrentHashMap<>();
    /** Set by {@link #drainBy}; when the stop's drain time runs out ({@link System#nanoTime()}). */
    private volatile boolean draining;
    private volatile long drainDeadline;
    /** Messages abandoned as their retry was due after the drain time. */
    private final AtomicInteger retriesAbandoned = new AtomicInteger();
    private volatile boolean closed;
    /** Whether close() closed the spool: what it counted then stands. Guarded by the spool. */
    private boolean spoolClosed;
    /** What the sink's {@code send} threw as it does not match this runtime, if it did. */
    private volatile LinkageError sinkMismatch;
    /** Where the deliveries' outages show, as the node's state and last error; {@code null} for nowhere. */
    private volatile NodeStats health;

    /**
     * @param delivered told of every message delivered (the node's {@code out})
     * @param attemptTimes told how long each attempt took, in nanoseconds, from send to its outcome
     * @param counters the node's own counters by name
     * @throws IllegalArgumentException when the spool cannot be opened
     */
    public AsyncDelivery(String nodeName, AsyncSinkNode sink, DeliverySettings settings, MsightFormats formats,
            Logger log, Consumer<SensorData> delivered, LongConsumer attemptTimes, Function<String, Counter> counters) {
        this(nodeName, sink, settings, formats, log, delivered, attemptTimes, counters, System::nanoTime);
    }

    /**
     * As the public constructor, timing the waits to read a spooled message back (no memory for it,
     * an I/O error) by {@code readBackClock} (a test's, which it moves on).
     */
    AsyncDelivery(String nodeName, AsyncSinkNode sink, DeliverySettings settings, MsightFormats formats, Logger log,
            Consumer<SensorData> delivered, LongConsumer attemptTimes, Function<String, Counter> counters,
            LongSupplier readBackClock) {
        this.readBackClock = readBackClock;
        this.sink = sink;
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.slots = new Semaphore(settings.maxInFlight());
        // DaemonThreads' scheduler: the spool's fsync runs on past a run that failed, a task's failure is said
        this.timer = (ScheduledThreadPoolExecutor) DaemonThreads.scheduler("node-" + nodeName + "-delivery");
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() drops the retries waiting
        this.deadlines = new AttemptDeadlines(this::schedule, settings.attemptTimeout());
        this.delivered = delivered;
        this.attemptTimes = attemptTimes;
        this.retries = counters.apply("retries");
        this.timeouts = counters.apply("timeouts");
        this.failed = counters.apply("failed");
        this.spooled = counters.apply("spooled");
        this.unspooled = counters.apply("unspooled");
        this.spoolDropped = counters.apply("spool-dropped");
        this.spool = settings.spool().map(this::openSpool).orElse(null);
        if (spool != null) {
            timer.scheduleWithFixedDelay(this::syncSpool, SPOOL_SYNC_PERIOD.toMillis(), SPOOL_SYNC_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Tells that the sink has opened: what an earlier run left in the spool is sent from now on
     * (before, it would only fail, and look like an outage).
     */
    public void sinkOpened() {
        if (spool != null) {
            fillFromSpoolSoon();
        }
    }

    /**
     * Starts delivering {@code data}, first waiting (interruptibly) for a free slot, once a stop
     * has begun ({@link #drainBy}) only until its drain time runs out; while the spool holds
     * messages, appends it there instead so the order is kept.
     *
     * @param finished run once the message is delivered, given up or safe in the spool, so an
     *     at-least-once bus commits only then; not run for a message abandoned at stop
     * @return whether it was taken: not when the drain time ran out before a slot was free
     */
    public boolean submit(SensorData data, Runnable finished) throws InterruptedException {
        LinkageError mismatch = sinkMismatch;
        if (mismatch != null) { // found by a retry on the timer's thread: the node stops for good now
            throw mismatch;
        }
        Way way = spool != null ? spoolUnlessSentStraight(data)
                : slotWithinTheDrainTime() ? Way.STRAIGHT : Way.NOT_TAKEN;
        if (way == Way.SPOOLED) {
            finished.run();
        } else if (way == Way.STRAIGHT) {
            unsettled.register();
            attempt(new Delivery(data, null, finished));
        }
        return way != Way.NOT_TAKEN;
    }

    /** How a message submitted went. */
    private enum Way { SPOOLED, STRAIGHT, NOT_TAKEN }

    /** Waits for a free slot, without a spool; @return whether one was taken before the drain time ran out */
    private boolean slotWithinTheDrainTime() throws InterruptedException {
        while (!tryAcquireSlot(STOP_RECHECK)) {
            if (drainTimeRanOut()) {
                return false;
            }
        }
        return true;
    }

    /** Waits up to {@code wait} for a free slot, once a stop has begun no longer than its drain time. */
    private boolean tryAcquireSlot(Duration wait) throws InterruptedException {
        long nanos = draining ? Math.min(wait.toNanos(), drainDeadline - System.nanoTime()) : wait.toNanos();
        return slots.tryAcquire(nanos, TimeUnit.NANOSECONDS);
    }

    private boolean drainTimeRanOut() {
        return draining && System.nanoTime() - drainDeadline > 0;
    }

    /**
     * Tells that a stop has begun, whose drain time runs out at {@code deadline}
     * ({@link System#nanoTime()}): a message sent straight whose retry is due later (a long
     * {@code Retry-After}) is abandoned now, as a flush would abandon it then, unfinished (an
     * at-least-once bus delivers it again), and its slot freed, so neither the node's next
     * message nor the flush waits for it.
     */
    public void drainBy(long deadline) {
        drainDeadline = deadline;
        draining = true;
        retriesDue.forEach(this::abandonIfDueAfterTheDrain);
    }

    /**
     * Waits, at most {@code timeout}, until every message sent straight is delivered, given up or
     * spooled; one whose retry is due after that is not waited for ({@link #drainBy}). Spooled
     * messages are not waited for, and no more are sent: they stay in the spool (one under way
     * whose answer comes in time is removed), and the next run sends them.
     *
     * @return whether nothing was left unsettled, nor abandoned for its retry; if something was, a warning says how much
     * @throws InterruptedException when interrupted, having abandoned what is still under way and said how much
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        drainBy(System.nanoTime() + timeout.toNanos());
        stopping = true;
        int phase = unsettled.arrive();
        try {
            unsettled.awaitAdvanceInterruptibly(phase, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandonUnderWay("the drain time ran out");
            sayRetriesAbandoned();
            return false;
        } catch (InterruptedException e) { // a stop out of time
            abandonUnderWay("the stop cut the drain short");
            sayRetriesAbandoned();
            throw e;
        }
        return sayRetriesAbandoned() == 0;
    }

    /** Abandons the deliveries a flush did not see settle, and says how many. */
    private void abandonUnderWay(String when) {
        abandoned = true;
        log.warn("{} deliveries still under way when {}; they are abandoned", unsettled.getUnarrivedParties(), when);
    }

    /** @return how many deliveries were abandoned as their retry was due after the drain time; said if any */
    private int sayRetriesAbandoned() {
        int notRetried = retriesAbandoned.get();
        if (notRetried > 0) {
            log.warn("{} deliveries waited for a retry due after the drain time; they are abandoned", notRetried);
        }
        return notRetried;
    }

    /**
     * Stops retries and the spool's sending; messages left in the spool are sent by the next run.
     * The timer's task under way is not interrupted: the JDK closes a {@code FileChannel} whose
     * thread is interrupted in it, so a spool file being written would be closed, the cursor not
     * written at close, and what was delivered since it last moved sent again by the next run.
     */
    public void close() {
        closed = true;
        timer.shutdown();
        if (spool != null) {
            synchronized (spool) {
                spoolClosed = true;
                long droppedBefore = spool.dropped();
                try {
                    spool.close();
                } catch (IOException e) {
                    log.warn("spool: closing failed: {}; a restart sends the messages delivered since the cursor last"
                            + " moved again (at least once)", NodeRunner.describe(e));
                }
                spoolDropped.increment(spool.dropped() - droppedBefore); // under way from a dropped segment at the stop
            }
        }
    }

    private void attempt(Delivery delivery) {
        if (setAside(delivery)) { // a retry due after the flush: not sent
            slots.release();
            return;
        }
        long start = System.nanoTime();
        CompletableFuture<Void> outcome;
        try {
            outcome = sink.send(delivery.data).toCompletableFuture();
        } catch (OutOfMemoryError e) { // making the request: no attempt of the destination's
            shortOfMemory(delivery);
            return;
        } catch (LinkageError e) { // the plugin does not match this runtime: its node stops for good
            sinkMismatch = e; // for the node's next message when this is a retry, on the timer's thread
            slots.release(); // set aside, unfinished: an at-least-once bus delivers it again
            flushWaitsNoMoreFor(delivery);
            throw e;
        } catch (RuntimeException | Error e) { // a bug of the sink's (an AssertionError) fails its attempt, keeping no slot
            outcome = CompletableFuture.failedFuture(e);
        }
        delivery.shortOfMemoryTries = 0;
        delivery.attempts++;
        delivery.timedOut = false;
        CompletableFuture<Void> attempt = outcome;
        AttemptDeadlines.Watched deadline = deadlines.watch(() -> {
            delivery.timedOut = true;
            attempt.cancel(true);
        });
        attempt.whenComplete((ignored, failure) -> {
            attemptTimes.accept(System.nanoTime() - start);
            deadline.end();
            if (spool == null || failure == null && delivery.spooled == null) {
                finished(delivery, failure, start);
            } else if (!schedule(() -> finished(delivery, failure, start), Duration.ZERO)) { // to spool, or to acknowledge
                slots.release(); // closed: set aside
            }
        });
    }

    /**
     * The heap had no room for the sink to make its request (a large image's body while others
     * are under way): this process's memory, not the destination's fault, so neither one of the
     * destination's {@code retries} nor an outage of it. The request is made again after the
     * backoff, keeping the slot, until memory is back or for {@code attempt-timeout} at most: a
     * message that never fits is then given up, rather than holding its slot while newer ones
     * are dropped. Said once a minute at most.
     */
    private void shortOfMemory(Delivery delivery) {
        long now = readBackClock.getAsLong();
        if (delivery.shortOfMemoryTries++ == 0) {
            delivery.shortOfMemorySince = now;
        }
        long times = outOfMemoryLines.occurred();
        if (times > 0) {
            log.warn("No memory left in this process to make a request{}, not the destination's fault: each is made"
                    + " again with backoff, for up to attempt-timeout ({}), then its message is given up. {}",
                    times == 1 ? "" : " (" + times + " times since the last such line)",
                    Setting.written(settings.attemptTimeout()), NodeRunner.memoryAdvice(true));
        }
        if (now - delivery.shortOfMemorySince < settings.attemptTimeout().toNanos()) {
            if (!schedule(() -> attempt(delivery), settings.backoff().afterFailures(delivery.shortOfMemoryTries))) {
                slots.release();
            }
            return;
        }
        String reason = "no memory left in this process to make its request within attempt-timeout ("
                + Setting.written(settings.attemptTimeout()) + "). " + NodeRunner.memoryAdvice(true);
        settle(delivery, () -> {
            failed.increment();
            NodeStats stats = health;
            if (stats != null) {
                stats.error(reason);
            }
            logGivenUp(delivery.frameId(), "", reason);
            done(delivery, false);
        });
    }

    /** @param attemptStart when the attempt was sent ({@link System#nanoTime()}) */
    private void finished(Delivery delivery, Throwable failure, long attemptStart) {
        if (failure == null) {
            if (delivery.spooled == null) { // as settle() would, without a lambda per message sent straight
                succeeded(delivery);
            } else {
                settle(delivery, () -> {
                    unspooled.increment();
                    succeeded(delivery);
                });
            }
            return;
        }
        if (setAside(delivery)) { // closing the sink aborted it: not given up (an at-least-once bus would commit it)
            slots.release();
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        boolean retriable = delivery.timedOut || cause instanceof RetriableException;
        String reason = delivery.timedOut ? "no complete answer within attempt-timeout ("
                + settings.attemptTimeout().toMillis() + " ms)" : NodeRunner.describe(cause);
        if (delivery.timedOut) {
            timedOut(delivery, reason);
        }
        if (retriable && spool != null && delivery.spooled == null) {
            // To the spool: it keeps the order, and retries without limit while the destination takes nothing.
            // the outage starts before the spool's write, which may take an fsync: an answer meanwhile ends it
            boolean started = outage(reason, attemptStart, 0);
            Spooled spooledAs;
            try {
                spooledAs = spool(delivery.data);
            } finally { // only once it is in the spool: a message waiting for the slot then goes behind it
                slots.release();
            }
            if (spooledAs == Spooled.SET_ASIDE) {
                return;
            }
            logFailing(started && !delivery.timedOut, reason, spooledAs == Spooled.STORED);
            settled(delivery);
        } else if (retriable && (delivery.spooled == null ? delivery.attempts <= settings.retries()
                : !refusedPastItsRetries(delivery))) {
            logFailing(outage(reason, attemptStart, 0) && !delivery.timedOut, reason, true);
            retry(delivery, reason, cause);
        } else {
            settle(delivery, () -> {
                countGivenUp(reason, attemptStart);
                logGivenUp(delivery.frameId(), " after " + delivery.attempts + " attempt"
                        + (delivery.attempts == 1 ? "" : "s"), reason);
                done(delivery, false);
            });
        }
    }

    /**
     * Whether a spooled message has now failed more than {@code retries} times while the
     * destination took others (one delivered since its failure before, each time): refused (a
     * server failing on that one image, or never answering it in time), not kept out by an outage,
     * it is given up as one sent straight is. Retried without limit, it held the spool's cursor:
     * every message sent after it was kept, and sent again by the next run.
     */
    private boolean refusedPastItsRetries(Delivery delivery) {
        long now = successes.sum();
        if (now > delivery.successesAtLastFailure) {
            delivery.refusedWhileOthersWent++;
        }
        delivery.successesAtLastFailure = now;
        return delivery.refusedWhileOthersWent > settings.retries();
    }

    /**
     * Runs {@code outcome}, which counts what became of a message and finishes it; for a message
     * from the spool, under the spool's lock and only until close() closes the spool. From then
     * on, close() has counted the message as dropped (its segment gone) or the next run sends it:
     * it is set aside, as an answer arriving after close is, so that it counts once.
     */
    private void settle(Delivery delivery, Runnable outcome) {
        if (delivery.spooled == null) {
            outcome.run();
            return;
        }
        synchronized (spool) {
            if (spoolClosed) {
                slots.release();
            } else {
                outcome.run();
            }
        }
    }

    /**
     * Logs a message given up (counted as failed already), once a minute at most for each reason.
     *
     * @return whether a line was logged
     */
    private boolean logGivenUp(long frameId, String after, String reason) {
        long times = givenUpLines.occurred(reason);
        if (times > 0) {
            log.warn("gave up on frame {}{}: {}{}", frameId, after, reason, times == 1 ? "" : " (" + times
                    + " frames given up for this reason since its last line, counted as 'failed')");
        }
        return times > 0;
    }

    /** Counts a delivered message (the node's out), ends an outage, and finishes it. */
    private void succeeded(Delivery delivery) {
        successes.increment();
        delivered.accept(delivery.data);
        recovered();
        done(delivery, true);
    }

    /**
     * Whether a delivery is set aside by a stop, never to be given up nor finished: once the flush
     * ran out of time (abandoned) or the delivery closed, any; after the flush, a spooled one, which
     * stays in the spool for the next run.
     */
    private boolean setAside(Delivery delivery) {
        return closed || abandoned || stopping && delivery.spooled != null;
    }

    /** Tells the message's owner it is delivered, given up or spooled; a flush waits for no more of it. */
    private void settled(Delivery delivery) {
        try {
            delivery.finished.run();
        } finally {
            flushWaitsNoMoreFor(delivery);
        }
    }

    /** A flush waits for the messages sent straight only: one of them is over. */
    private void flushWaitsNoMoreFor(Delivery delivery) {
        if (delivery.spooled == null) {
            unsettled.arriveAndDeregister();
        }
    }

    /**
     * Tries again after the backoff, or the destination's Retry-After when longer (up to
     * {@link #MAX_RETRY_AFTER}), keeping the slot.
     */
    private void retry(Delivery delivery, String reason, Throwable cause) {
        Duration wait = RetryWait.after(settings.backoff().afterFailures(delivery.attempts), cause, MAX_RETRY_AFTER);
        if (delivery.spooled == null) { // a stop's flush waits for it: noted first, so a stop beginning meanwhile sees it
            long due = System.nanoTime() + wait.toNanos();
            retriesDue.put(delivery, due);
            if (abandonIfDueAfterTheDrain(delivery, due)) {
                return;
            }
        }
        retries.increment();
        log.debug("delivery of frame {} failed ({}); retry after {} ms", delivery.frameId(), reason, wait.toMillis());
        if (!schedule(() -> {
            if (claimRetry(delivery)) {
                attempt(delivery);
            }
        }, wait) && claimRetry(delivery)) {
            slots.release();
        }
    }

    /** @return whether the retry of {@code delivery} is still to be made (or set aside): not abandoned at a stop */
    private boolean claimRetry(Delivery delivery) {
        return delivery.spooled != null || retriesDue.remove(delivery) != null;
    }

    /**
     * Abandons a message sent straight whose retry is due after the drain time of a stop begun,
     * unless its retry or another call claimed it: set aside, unfinished, as one under way when the
     * flush runs out of time.
     *
     * @return whether it was abandoned
     */
    private boolean abandonIfDueAfterTheDrain(Delivery delivery, long due) {
        if (!draining || due - drainDeadline <= 0 || retriesDue.remove(delivery) == null) {
            return false;
        }
        retriesAbandoned.incrementAndGet();
        slots.release();
        flushWaitsNoMoreFor(delivery);
        return true;
    }

    /** The delivery is over, whatever came of it: frees its slot and, for a spooled one, its record. */
    private void done(Delivery delivery, boolean delivered) {
        slots.release(); // first: a finished callback that throws keeps none
        settled(delivery);
        if (delivery.spooled != null) {
            acknowledge(delivery.spooled, delivered);
            fillFromSpoolSoon();
        }
    }

    private synchronized void timedOut(Delivery delivery, String reason) {
        timeouts.increment();
        if (!timeoutLogged) {
            timeoutLogged = true;
            log.warn("delivery of frame {} stuck: {}; such attempts are aborted, counted as 'timeouts' and retried",
                    delivery.frameId(), reason);
        }
    }

    /**
     * Shows the deliveries' outages in {@code stats}: while they fail, the node is in an outage
     * with their last error (in {@code /nodes}, {@code /ready} and the metrics); the first message
     * delivered ends it.
     */
    public void reportOutagesTo(NodeStats stats) {
        this.health = stats;
    }

    /**
     * Counts a message given up, shown as the node's last error. {@value #GIVEN_UP_FOR_OUTAGE} or
     * more in a row, none delivered between nor for {@link #GIVEN_UP_SPAN}, are an outage (a server
     * that refuses every upload: a revoked token), logged once, which the next delivery ends; a
     * message refused now and then among deliveries never is.
     */
    private synchronized void countGivenUp(String reason, long attemptStart) {
        failed.increment();
        if (givenUpInARow++ == 0) {
            firstGivenUpStart = attemptStart;
        }
        if (givenUpInARow >= GIVEN_UP_FOR_OUTAGE && System.nanoTime() - lastDeliveredNanos >= GIVEN_UP_SPAN.toNanos()) {
            if (outage(reason, firstGivenUpStart, givenUpInARow)) {
                log.warn("delivery failing: {} messages in a row given up, the last: {}", givenUpInARow, reason);
            }
        } else if (health != null) {
            health.error(reason);
        }
    }

    /**
     * The line of an outage of retriable failures that {@code started} (a timeout has its own
     * line), unless it ended meanwhile: never after the line of its end.
     *
     * @param stored whether the message is safe (retried, or in the spool); not when the spool could not store it
     */
    private synchronized void logFailing(boolean started, String reason, boolean stored) {
        if (started && inOutage) {
            log.warn("delivery failing: {}; {}", reason, spool == null ? "retrying with backoff"
                    : stored ? "retrying with backoff, keeping messages in the spool"
                    : "the spool cannot store messages: they are given up (counted as 'failed')");
        }
    }

    /**
     * Shows an outage with its latest reason; when one starts, times it from {@code start} (the
     * attempt that failed: a stuck one began its attempt-timeout before; or the first message given
     * up), but no earlier than the latest delivery.
     *
     * @param givenUpAlready messages of the outage counted as failed before it started
     * @return whether the outage starts now
     */
    private synchronized boolean outage(String reason, long start, long givenUpAlready) {
        NodeStats stats = health;
        if (stats != null) { // a node that has ended stays so (NodeStats)
            stats.outage(reason);
        }
        if (inOutage) {
            return false;
        }
        inOutage = true;
        outageStartNanos = start - lastDeliveredNanos > 0 ? start : lastDeliveredNanos;
        failedBeforeOutage = failed.count() - givenUpAlready;
        return true;
    }

    private synchronized void recovered() {
        lastDeliveredNanos = System.nanoTime();
        timeoutLogged = false;
        givenUpInARow = 0;
        if (inOutage) {
            inOutage = false;
            long givenUp = failed.count() - failedBeforeOutage;
            log.info("deliveries recovered after {}{}", NodeRunner.seconds(lastDeliveredNanos - outageStartNanos),
                    givenUp == 0 ? ""
                    : "; " + givenUp + " frame" + (givenUp == 1 ? "" : "s") + " given up meanwhile (counted as 'failed')");
            NodeStats stats = health;
            if (stats != null) {
                stats.running();
            }
        }
    }

    // The spool: appended to by failed deliveries, and by submit while it is not empty; its oldest
    // records are read ahead and sent up to max-in-flight at once, by the timer thread.

    private Spool openSpool(java.nio.file.Path path) {
        try {
            return Spool.open(path, settings.spoolMaxBytes(), log);
        } catch (IOException e) {
            throw new IllegalArgumentException("spool.path: cannot use " + path + ": " + NodeRunner.describe(e));
        }
    }

    /**
     * Spools {@code data} while older messages wait there unsent, or while every slot is busy
     * (retrying spooled ones); otherwise takes a slot for it, waiting for one only when the spool
     * is empty, and once a stop has begun only until its drain time runs out. Once all spooled
     * messages are on their way (as concurrent as any max-in-flight sends), new ones go straight:
     * a spool that had to be empty first never emptied while they kept coming at its send rate.
     *
     * @return how it went: not taken when the drain time ran out first
     */
    private Way spoolUnlessSentStraight(SensorData data) throws InterruptedException {
        boolean slotTaken = false;
        while (true) {
            synchronized (spool) {
                if (spool.records() > 0) {
                    if (spool.unread() == 0 && (slotTaken || slots.tryAcquire())) {
                        return Way.STRAIGHT;
                    }
                    if (slotTaken) { // freed by a message that failed into the spool: this one goes behind it
                        slots.release();
                    }
                    spool(data);
                    return Way.SPOOLED;
                }
                if (slotTaken) {
                    return Way.STRAIGHT;
                }
            }
            // The messages under way may fail meanwhile and fill the spool, their retries keeping
            // every slot: from then on this one belongs in the spool, behind them.
            slotTaken = tryAcquireSlot(SPOOL_RECHECK);
            if (!slotTaken && drainTimeRanOut()) {
                return Way.NOT_TAKEN;
            }
        }
    }

    /**
     * Appends {@code data} to the spool, which drops its oldest messages when it outgrows max-size
     * (said once a minute at most). The first message stored after a line said one could not be
     * says so.
     *
     * @return whether {@code data} is in the spool; given up (a full disk, no memory for its record, a data
     *     type that cannot be written); or set aside, the delivery closed meanwhile (the spool with it), to be
     *     neither given up nor finished
     */
    private Spooled spool(SensorData data) {
        Throwable notStored = null;
        long dropped = 0;
        long notSpooledBefore = 0;
        synchronized (spool) {
            if (closed) {
                return Spooled.SET_ASIDE;
            }
            try {
                long droppedBefore = spool.dropped();
                spool.append(formats.toMessagePack(data));
                spooled.increment();
                dropped = spool.dropped() - droppedBefore;
                spoolDropped.increment(dropped);
                if (notSpooledSaid) {
                    notSpooledSaid = false;
                    notSpooledBefore = notSpooled;
                    notSpooled = 0;
                }
            } catch (IOException | RuntimeException | OutOfMemoryError e) { // no room on the disk or for its record,
                // or a data type that cannot be written (a plugin's, whose two passes differ: "wrote X of Y bytes")
                failed.increment();
                notSpooled++;
                notStored = e;
            }
        }
        // logged outside the spool's lock
        if (notStored != null // a full disk: every message
                && logGivenUp(data.metadata().frameId(), "", notStored instanceof OutOfMemoryError
                        ? "spool: no memory left in this process to store it. " + NodeRunner.memoryAdvice(true)
                        : "spool: cannot store it: " + NodeRunner.describe(notStored))) {
            notSpooledSaid = true;
        }
        if (notSpooledBefore > 0) {
            log.info("spool: writing works again after {} message{} could not be spooled (counted as 'failed')",
                    notSpooledBefore, notSpooledBefore == 1 ? "" : "s");
        }
        if (dropped > 0 && spoolDroppedLines.occurred() > 0) {
            log.warn("spool {} outgrew max-size ({} bytes): its oldest messages are dropped for room, {} so far"
                    + " (counted as 'spool-dropped'); raise spool.max-size to keep more", settings.spool().orElseThrow(),
                    settings.spoolMaxBytes(), spoolDropped.count());
        }
        fillFromSpoolSoon();
        return notStored == null ? Spooled.STORED : Spooled.GIVEN_UP;
    }

    /** What became of a message given to the spool. */
    private enum Spooled { STORED, GIVEN_UP, SET_ASIDE }

    private void fillFromSpoolSoon() {
        fillFromSpoolAfter(Duration.ZERO);
    }

    /** Schedules a fill from the spool after {@code wait}, unless one is waiting already: one at a time. */
    private void fillFromSpoolAfter(Duration wait) {
        if (fillScheduled.compareAndSet(false, true) && !schedule(this::fillFromSpool, wait)) {
            fillScheduled.set(false);
        }
    }

    /** Starts sending spooled records, oldest first, while slots are free. */
    private void fillFromSpool() {
        fillScheduled.set(false);
        List<Delivery> starting = new ArrayList<>();
        synchronized (spool) {
            while (!stopping && !closed && slots.tryAcquire()) {
                Spool.Entry entry;
                try {
                    entry = spool.read();
                } catch (IOException | RuntimeException e) {
                    cannotRead(e);
                    entry = null;
                } catch (OutOfMemoryError e) {
                    noRoomToRead(null);
                    break;
                }
                if (entry == null) {
                    slots.release();
                    break;
                }
                if (!entry.intact) {
                    skipUnreadable(entry, "skipping a message whose bytes on disk are not those written (a bad"
                            + " block?), counted as 'failed'", "its checksum does not match");
                    continue;
                }
                try {
                    Delivery spooledOne = new Delivery(formats.fromMessagePack(entry.record), entry, () -> { });
                    entry.record = null; // decoded: the message's bytes are not kept twice while it is under way
                    spooledOne.successesAtLastFailure = successes.sum();
                    starting.add(spooledOne);
                } catch (OutOfMemoryError e) {
                    noRoomToRead(entry);
                    break;
                } catch (RuntimeException | Error e) { // malformed, or a data type's plugin that fails to read it
                    skipUnreadable(entry, "skipping an unreadable message (counted as 'failed')", NodeRunner.describe(e));
                }
            }
        }
        starting.forEach(this::attempt);
    }

    /**
     * The oldest unread message cannot be read (an I/O error: a bad block, a file cut short): it is
     * read again after the backoff, {@code retries} times and for {@code attempt-timeout} at least;
     * then it is given up (counted as 'failed') where its length still can be read, so a bad block
     * in its bytes costs it alone; else the rest of its segment is dropped as a full spool drops one
     * (counted as 'spool-dropped'). Either way the messages behind it are sent, where they waited
     * until max-size dropped the segment. Under the spool's lock.
     */
    private void cannotRead(Exception failure) {
        long now = readBackClock.getAsLong();
        unreadable.failed(spool.oldestUnread(), now);
        if (failure instanceof IOException && unreadable.times > settings.retries()
                && now - unreadable.since >= settings.attemptTimeout().toNanos()) {
            try {
                giveUpOldestUnread("gave up on a message whose bytes cannot be read (a bad block?), counted as"
                        + " 'failed'; the messages behind it are sent", NodeRunner.describe(failure));
                fillFromSpoolSoon();
                return;
            } catch (IOException | RuntimeException headerToo) {
                // its length cannot be read either: the rest of its segment goes
            }
            long droppedBefore = spool.dropped();
            boolean droppedIt = false;
            try {
                droppedIt = spool.dropUnreadable();
            } catch (IOException e) {
                failure = e;
            }
            spoolDropped.increment(spool.dropped() - droppedBefore); // counted though closing a file failed after
            if (droppedIt) {
                log.warn("spool: gave up the rest of a segment that cannot be read ({}): {} message(s) dropped"
                        + " (counted as 'spool-dropped'); the messages behind them are sent",
                        NodeRunner.describe(failure), spool.dropped() - droppedBefore);
                if (spool.emptied()) {
                    spoolEmptied();
                }
                fillFromSpoolSoon();
                return;
            }
        }
        spoolFailed("cannot read", NodeRunner.describe(failure) + "; read again after the backoff");
        fillFromSpoolAfter(settings.backoff().afterFailures(unreadable.times));
    }

    /**
     * Gives the oldest unread message up without reading its bytes (its header only), counted as
     * 'failed' and said; under the spool's lock.
     *
     * @throws IOException when its header cannot be read either
     */
    private void giveUpOldestUnread(String what, String reason) throws IOException {
        Spool.Entry skipped = spool.skip();
        failed.increment();
        spoolFailed(what, reason);
        acknowledge(skipped, false);
    }

    /** Gives a spooled message up that cannot be sent as it was written, with its slot; under the spool's lock. */
    private void skipUnreadable(Spool.Entry entry, String what, String reason) {
        spoolFailed(what, reason);
        failed.increment();
        slots.release();
        acknowledge(entry, false);
    }

    /**
     * The heap had no room to read the oldest unread message back (a large image): it is put
     * back, its slot freed, and read again after the backoff, in its turn, for up to
     * {@code attempt-timeout}, as a request the heap has no room to make; one that never fits is
     * then given up, so the messages behind it are sent. Under the spool's lock.
     *
     * @param read the message if it was read, not decoded; {@code null} if it was not read
     */
    private void noRoomToRead(Spool.Entry read) {
        if (read != null) {
            spool.unread(read);
        }
        slots.release();
        long now = readBackClock.getAsLong();
        noRoomToRead.failed(spool.oldestUnread(), now);
        if (now - noRoomToRead.since < settings.attemptTimeout().toNanos()) {
            spoolFailed("no memory left in this process to read a message back, read again after the backoff for up"
                    + " to attempt-timeout (" + Setting.written(settings.attemptTimeout()) + ")",
                    NodeRunner.memoryAdvice(true));
            fillFromSpoolAfter(settings.backoff().afterFailures(1)); // the messages spooled meanwhile wait for it
            return;
        }
        try {
            giveUpOldestUnread("gave up on a message the heap had no room to read back within attempt-timeout ("
                    + Setting.written(settings.attemptTimeout()) + "), counted as 'failed'; the messages behind it"
                    + " are sent", NodeRunner.memoryAdvice(true));
        } catch (IOException | RuntimeException e) {
            spoolFailed("cannot read", NodeRunner.describe(e));
        }
        fillFromSpoolSoon();
    }

    /** Moves the spool past a message delivered or given up; once it is empty, says what became of what it held. */
    private void acknowledge(Spool.Entry entry, boolean delivered) {
        synchronized (spool) {
            if (spoolClosed) {
                return; // an answer after close: the spool's files are no longer ours to change
            }
            try {
                spool.acknowledge(entry);
            } catch (IOException e) { // at every delivery while it lasts
                long times = cursorLines.occurred();
                if (times > 0) {
                    log.warn("spool: cannot move its cursor: {}; a restart sends the messages delivered since it last"
                            + " moved again (at least once){}", NodeRunner.describe(e),
                            times == 1 ? "" : " (" + times + " deliveries could not move it since the last such line)");
                }
            }
            if (delivered) {
                sentSinceSpoolEmpty++;
            } else {
                givenUpSinceSpoolEmpty++;
            }
            if (spool.emptied()) {
                spoolEmptied();
            }
        }
    }

    /** Logs what became of the messages spooled since it was last empty, and counts anew. Under the spool's lock. */
    private void spoolEmptied() {
        long dropped = spoolDropped.count() - spoolDroppedBefore;
        log.info("spool emptied: {} spooled message{} sent{}{}", sentSinceSpoolEmpty,
                sentSinceSpoolEmpty == 1 ? "" : "s",
                givenUpSinceSpoolEmpty == 0 ? "" : ", " + givenUpSinceSpoolEmpty + " given up (counted as 'failed')",
                dropped == 0 ? "" : ", " + dropped + " dropped as it outgrew max-size or could not be read (counted as"
                        + " 'spool-dropped')");
        sentSinceSpoolEmpty = 0;
        givenUpSinceSpoolEmpty = 0;
        spoolDroppedBefore = spoolDropped.count();
    }

    private void syncSpool() {
        synchronized (spool) {
            try {
                spool.sync();
            } catch (IOException e) {
                spoolFailed("fsync failed", NodeRunner.describe(e));
            }
        }
    }

    /** Says that the spool failed at {@code what}, once a minute at most, with how often since the last line. */
    private void spoolFailed(String what, String reason) {
        long times = spoolFailureLines.occurred(what);
        if (times > 0) {
            log.warn("spool: {}: {}{}", what, reason, times == 1 ? "" : " (" + times + " times since the last such line)");
        }
    }

    /** @return whether {@code task} will run; not once the delivery is closed */
    private boolean schedule(Runnable task, Duration wait) {
        try {
            timer.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) { // a bug: said, not lost in the executor's future
                    log.error("delivery timer task failed: {}", LogSafe.text(e), e);
                }
            }, wait.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Since when ({@link #readBackClock}), and how often, reading one spooled message back has
     * failed for one reason: they start anew with another message (the one before was read, given
     * up or dropped).
     */
    private static final class ReadBackFailures {
        private long message = -1;
        long since;
        int times;

        /** Notes a failure to read {@code oldestUnread} ({@link Spool#oldestUnread()}) back, at {@code now}. */
        void failed(long oldestUnread, long now) {
            if (message != oldestUnread) {
                message = oldestUnread;
                since = now;
                times = 0;
            }
            times++;
        }
    }

    /** One message on its way; it is the same across retries. */
    private static final class Delivery {
        final SensorData data;
        /** The spool's record of it, or {@code null} for a message sent straight. */
        final Spool.Entry spooled;
        /** Told once the message is delivered, given up or safe in the spool; not when abandoned at close. */
        final Runnable finished;
        /** Attempts of the destination's: requests made. */
        int attempts;
        volatile boolean timedOut;
        /** How many times in a row, and since when, the heap has had no room to make its request. */
        int shortOfMemoryTries;
        long shortOfMemorySince;
        /** For a spooled one: the deliveries counted at its start, then at its last failure. */
        long successesAtLastFailure;
        /** For a spooled one: its failures with a message delivered since the one before. */
        int refusedWhileOthersWent;

        Delivery(SensorData data, Spool.Entry spooled, Runnable finished) {
            this.data = data;
            this.spooled = spooled;
            this.finished = finished;
        }

        long frameId() {
            return data.metadata().frameId();
        }
    }
}

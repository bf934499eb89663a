package org.msight.runtime.node;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.msight.api.Backoff;
import org.msight.api.EndOfInputException;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.Node;
import org.msight.api.NodeKind;
import org.msight.api.RetriableException;
import org.msight.api.RetryAfterException;
import org.msight.api.Setting;
import org.msight.api.UnrecoverableException;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * Runs one node on its own thread through the lifecycle of {@link Node}: open, work step by
 * step, and on failure close, wait with backoff (or as long as a {@link RetryAfterException}
 * asks, up to an hour) and open again; the backoff starts over once the node has worked for
 * {@link #SETTLED} after an outage. An outage is logged once when
 * it starts (a stack trace only for unexpected exceptions), at most once a minute while it
 * lasts, and once with its duration when the node works again. A node that fails again, in a
 * retriable way, before it has worked {@link #SETTLED} after each recovery (a camera that sends a
 * frame, then drops the session) is flapping: such outages and their ends are said once a minute
 * at most, and once more when it has worked {@link #SETTLED} on end. A source whose input ended, or a
 * node failing with an {@link UnrecoverableException}, ends for good, logged once. Its
 * {@link NodeStats} follow every step.
 */
public abstract class NodeRunner {

    private static final Duration REMINDER_PERIOD = Duration.ofMinutes(1);
    /**
     * How long a node must work after an outage before its backoff starts over: one failing again
     * sooner (a camera that sends a frame and then drops the session) waits longer each time,
     * rather than reconnecting, and logging it, a few times a second for good.
     */
    static final Duration SETTLED = Duration.ofSeconds(10);
    /** The longest wait a {@link RetryAfterException} gets before the node is opened or stepped again. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    private static final long PAUSE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How often a pause that ends once something is ready asks whether it is. */
    private static final long READY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    protected final String name;
    protected final Node node;
    protected final Logger log;
    protected final NodeStats stats;
    private final ClassLoader pluginLoader;
    private final Backoff backoff;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Runnable onEnd = () -> { };
    private Thread thread;
    private boolean open;
    private volatile long outageStartNanos = -1;
    private long lastOutageLogNanos;
    private volatile int failedAttempts;
    /** Whether the stop itself failed (a sink's flush threw): not a clean stop, so the process exits 1. */
    private volatile boolean stopFailed;
    private volatile String lastFailure;
    /** When the last outage ended, until the node settled or failed again; -1 when none ended since. On the node's thread. */
    private long recoveredNanos = -1;
    /**
     * Outages that began before the node had worked {@link #SETTLED} after a recovery, since it
     * last settled: flapping. On the node's thread.
     */
    private int flaps;

    protected NodeRunner(String name, Node node, Logger log, NodeStats stats, ClassLoader pluginLoader,
            Backoff backoff) {
        this.name = name;
        this.node = node;
        this.log = log;
        this.stats = stats;
        this.pluginLoader = pluginLoader;
        this.backoff = backoff;
    }

    /** Starts the node's thread. */
    public final void start() {
        thread = new Thread(this::run, "node-" + name);
        thread.setContextClassLoader(pluginLoader);
        thread.start();
    }

    /** Asks the node to stop; see the subclasses for what stopping means for each kind. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Waits for the node's thread to end; whether it did within the timeout. */
    public final boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Interrupts a node that did not stop in time. */
    public final void interrupt() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    public final String name() {
        return name;
    }

    /** What is known about the node: counts, state, last error. */
    public final NodeStats stats() {
        return stats;
    }

    /** Runs {@code action} on the node's thread when the node ends by itself (finished or failed). */
    public final void onEnd(Runnable action) {
        this.onEnd = action;
    }

    /** Whether this runs a source, a processor or a sink. */
    public abstract NodeKind kind();

    /**
     * What keeps the node from stopping, for the line logged while it holds up a shutdown, such
     * as {@code 12 messages queued; failing for 3.2 s (16 attempts): cannot connect}.
     */
    public String stopState() {
        return outage().orElse("busy in its current step");
    }

    /** Lets go of what the runner holds though it never started: its pipeline failed to start. */
    public void discard() {
    }

    /**
     * Whether the node stopped without losing work; false when it ran out of drain time with messages
     * their bus does not deliver again, or its stop failed.
     */
    public boolean stoppedCleanly() {
        return !stopFailed;
    }

    /** The outage under way, if any: how long, how many attempts, and the latest failure. */
    protected final Optional<String> outage() {
        long start = outageStartNanos;
        return start < 0 ? Optional.empty() : Optional.of("failing for "
                + seconds(System.nanoTime() - start) + " (" + failedAttempts + " attempts): " + lastFailure);
    }

    protected final boolean stopRequested() {
        return stopRequested.getCount() == 0;
    }

    private void run() {
        MDC.put("node", name);
        try {
            while (!isDone()) {
                if (!open && !tryOpen()) {
                    continue;
                }
                try {
                    if (step() && outageStartNanos >= 0) {
                        recovered();
                    } else if (recoveredNanos >= 0) {
                        settleIfDue();
                    }
                } catch (EndOfInputException | UnrecoverableException e) {
                    endForGood(e);
                    return;
                } catch (LinkageError e) {
                    endForGood(mismatch(e));
                    return;
                } catch (Exception | Error e) {
                    boolean interrupted = Thread.interrupted() | e instanceof InterruptedException; // the flag cleared
                    if (stopRequested() && (interrupted || isDone())) {
                        break; // cut short by the stop (its interrupt may come wrapped): no failure of the node's
                    }
                    handleFailure(interrupted ? notByAStop(e) : e); // from a library, say: the node is restarted
                }
            }
            if (open) {
                finish();
            }
            stats.ended(NodeStats.State.STOPPED, null);
        } catch (UnrecoverableException e) {
            endForGood(e);
        } catch (InterruptedException e) { // stopped() says what it held: lost, or delivered again by its bus
            log.warn("interrupted while stopping");
            stats.ended(NodeStats.State.STOPPED, null);
        } catch (Throwable e) {
            if (stopRequested()) { // a flush that failed: what it held may be lost
                stopFailed = true;
                log.error("failed while stopping: {}", describe(e), e);
                stats.ended(NodeStats.State.STOPPED, null);
            } else { // handling a failure failed (no heap left to say it): the node ends for good, the pipeline told
                endForGood(new UnrecoverableException("handling a failure failed: " + describe(e), e));
            }
        } finally {
            try {
                closeNode();
                stopped();
            } finally {
                finished.countDown();
            }
        }
    }

    /** An interrupt that is no stop's, as the failure it is: the node is restarted. */
    private static IllegalStateException notByAStop(Throwable interrupt) {
        return new IllegalStateException("interrupted, not by a stop (" + describe(interrupt) + ")", interrupt);
    }

    /**
     * A class the node's plugin needs is missing, broken or has changed (NoSuchMethodError,
     * NoClassDefFoundError, UnsatisfiedLinkError...): no retry can help, as the JVM links a class
     * once. The hint comes first, as a long message is cut in the log.
     */
    private static UnrecoverableException mismatch(LinkageError e) {
        boolean api = e instanceof IncompatibleClassChangeError
                || String.valueOf(e.getMessage()).replace('.', '/').contains("org/msight/api/");
        return new UnrecoverableException((api ? "the plugin does not match this runtime (rebuild it against the"
                + " msight-api in the distribution's sdk/ folder): " : "the plugin cannot run here (a class or native"
                + " library it needs is missing or failed to load): ") + describe(e), e);
    }

    /** Logs why the node ends without being asked to, once, and lets the pipeline know. */
    private void endForGood(Exception reason) {
        String why = LogSafe.text(reason.getMessage());
        if (reason instanceof EndOfInputException) {
            log.info("finished: {}", why);
            stats.ended(NodeStats.State.FINISHED, null);
        } else {
            log.error("stopped for good: {}", why);
            stats.errors().increment();
            stats.ended(NodeStats.State.FAILED, why);
        }
        closeNode();
        onEnd.run();
    }

    /** Whether the loop is over; sources end on stop, sinks when drained. */
    protected abstract boolean isDone();

    /**
     * One unit of work: a poll, or one message.
     *
     * @return whether the node did work (a message handled, a poll that returned), which ends an outage
     */
    protected abstract boolean step() throws Exception;

    /** Called each time the node has opened, on the node's thread. */
    protected void opened() {
    }

    /** What happens after a failed step; by default the node is restarted. */
    protected void handleFailure(Throwable failure) throws InterruptedException {
        restartAfter(failure);
    }

    /** Last work before close at shutdown: sinks flush. */
    protected void finish() throws Exception {
    }

    /** Last step, after the node is closed for good: releases what the runner itself holds. */
    protected void stopped() {
    }

    /** Logs the failure as part of an outage, closes the node and waits before it is opened again. */
    protected final void restartAfter(Throwable failure) throws InterruptedException {
        if (!(failure instanceof RetriableException)) {
            stats.errors().increment();
        }
        Duration wait = nextWait(failure);
        noteFailure(failure, wait);
        if (open) {
            stats.restarts().increment();
        }
        closeNode();
        pause(wait, null);
    }

    /** Logs the failure as part of an outage and waits, leaving the node open. */
    protected final void retryAfter(Throwable failure) throws InterruptedException {
        retryAfter(failure, null);
    }

    /**
     * Logs the failure as part of an outage and waits, leaving the node open, less when {@code ready}
     * says yes (see {@link #pause}).
     */
    protected final void retryAfter(Throwable failure, BooleanSupplier ready) throws InterruptedException {
        Duration wait = nextWait(failure);
        noteFailure(failure, wait);
        pause(wait, ready);
    }

    private Duration nextWait(Throwable failure) {
        if (recoveredNanos >= 0) { // failing again before a step ended SETTLED after the recovery: flapping
            flaps++;
            recoveredNanos = -1;
        }
        return RetryWait.after(backoff.next(), failure, MAX_RETRY_AFTER);
    }

    /**
     * After a step: once the node has worked {@link #SETTLED} since its last recovery, its backoff
     * starts over, and the end of its flapping, if it was, is said. (A step that fails after
     * blocking that long has not worked: a camera silent for a long read-timeout.)
     */
    private void settleIfDue() {
        if (recoveredNanos < 0 || System.nanoTime() - recoveredNanos < SETTLED.toNanos()) {
            return;
        }
        recoveredNanos = -1;
        backoff.reset();
        if (flaps > 0) {
            log.info("works steadily again: {} without failing, after {} outage{} that began before it had worked"
                    + " {} after a recovery", Setting.written(SETTLED), flaps, flaps == 1 ? "" : "s", Setting.written(SETTLED));
            flaps = 0;
        }
    }

    private boolean tryOpen() throws InterruptedException, UnrecoverableException {
        try {
            openNode();
            open = true;
            stats.opened(outageStartNanos >= 0);
            opened();
            return true;
        } catch (UnrecoverableException e) {
            throw e;
        } catch (LinkageError e) {
            throw mismatch(e);
        } catch (Exception | Error e) {
            boolean interrupted = Thread.interrupted() | e instanceof InterruptedException; // the flag cleared
            if (interrupted && stopRequested()) {
                throw new InterruptedException("opening cut short by the stop's interrupt");
            }
            if (e instanceof RetriableException && isDone()) { // the stop woke a node still opening: no outage
                log.debug("opening cut short by the stop: {}", describe(e));
            } else {
                restartAfter(interrupted ? notByAStop(e) : e);
            }
            return false;
        }
    }

    /** Opens the node; a source's open is watched as its polls are, a sink's may wait by design (a start delay). */
    private void openNode() throws Exception {
        if (kind() != NodeKind.SOURCE) {
            node.open();
            return;
        }
        stats.handling("open");
        try {
            node.open();
        } finally {
            stats.handled();
        }
    }

    /**
     * Waits {@code wait}, or less when the node is done meanwhile (stopped, or out of drain time) or
     * when {@code ready}, unless {@code null}, says yes: it is asked at once and every 5 ms.
     *
     * @return whether {@code ready} said yes
     */
    protected final boolean pause(Duration wait, BooleanSupplier ready) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        long slice = ready == null ? PAUSE_SLICE_NANOS : READY_POLL_NANOS;
        while (true) {
            if (ready != null && ready.getAsBoolean()) {
                return true;
            }
            long left = end - System.nanoTime();
            if (left <= 0 || isDone()) {
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, slice));
        }
    }

    private void noteFailure(Throwable failure, Duration wait) {
        String described = describe(failure);
        lastFailure = described;
        failedAttempts++;
        long now = System.nanoTime();
        stats.outage(described);
        if (outageStartNanos < 0 && flaps > 0 && failure instanceof RetriableException
                && !(failure instanceof RetryAfterException)) { // said once a minute: the first, then reminders
            outageStartNanos = now;
            if (flaps == 1 || now - lastOutageLogNanos >= REMINDER_PERIOD.toNanos()) {
                lastOutageLogNanos = now;
                log.warn("failing again before it worked {} after a recovery ({} time{} since it last worked"
                        + " steadily): {}; retrying with backoff, said once a minute while it goes on",
                        Setting.written(SETTLED), flaps, flaps == 1 ? "" : "s", described);
            } else {
                log.debug("failing again soon after a recovery: {}", described);
            }
        } else if (outageStartNanos < 0) {
            outageStartNanos = now;
            lastOutageLogNanos = now;
            if (failure instanceof RetryAfterException) {
                log.warn("{}; retrying in {}", described, Setting.written(wait));
            } else if (failure instanceof RetriableException) {
                log.warn("{}; retrying with backoff", described);
            } else {
                log.error("failed: {}; restarting with backoff", described, failure);
            }
        } else if (now - lastOutageLogNanos >= REMINDER_PERIOD.toNanos()) {
            lastOutageLogNanos = now;
            log.warn("still failing after {} ({} attempts): {}", seconds(now - outageStartNanos), failedAttempts,
                    described);
        } else {
            log.debug("attempt {} failed: {}", failedAttempts, described);
        }
    }

    private void recovered() {
        long lasted = System.nanoTime() - outageStartNanos;
        // a flapping node's short outages end unsaid: its steady work is said once it has settled
        log.atLevel(flaps > 0 && lasted < REMINDER_PERIOD.toNanos() ? Level.DEBUG : Level.INFO)
                .log("recovered after {} ({} failed attempts)", seconds(lasted), failedAttempts);
        outageStartNanos = -1;
        failedAttempts = 0;
        stats.running();
        recoveredNanos = System.nanoTime(); // the backoff starts over only once the node has settled
    }

    private void closeNode() {
        if (!open) {
            return;
        }
        open = false;
        try {
            node.close();
        } catch (Exception | Error e) { // a plugin that does not match fails here too, often; a bug's Error is said too
            log.warn("close failed: {}", describe(e));
        }
    }

    /** A duration in a log line: {@code 4.2 s}. */
    static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /**
     * What to do when the heap has no room for a node's messages, as a sentence:
     * {@code delivers} for a node whose deliveries the runtime makes (an asynchronous sink).
     */
    static String memoryAdvice(boolean delivers) {
        return "Give the process a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower this node's queue-max-bytes"
                + (delivers ? ", queue-capacity or max-in-flight" : " or queue-capacity");
    }

    /**
     * A failure in one line, with credentials in URLs masked, and escaped and bounded: its message
     * may quote a value from a message. Its message alone says it, in words for an I/O failure
     * ({@link IoFailures}); a failure without one, or a programming error ({@link #isBug}), is
     * named by its class too, for the plugin's developer. A wrapper with nothing of its own to say
     * ({@code new UncheckedIOException(cause)}, whose message is its cause's class and message) is
     * said by what it wraps; one with a message of its own by that message. A class whose static
     * initializer threw is named, with what it threw ({@link ExceptionInInitializerError} says neither).
     */
    public static String describe(Throwable failure) {
        if (failure instanceof ExceptionInInitializerError && failure.getCause() != null) {
            return staticInitializer(failure.getCause()) + " failed: " + describe(failure.getCause());
        }
        Throwable shown = failure;
        while (shown.getCause() != null && shown.getCause().toString().equals(shown.getMessage())) {
            shown = shown.getCause();
        }
        String message = shown.getMessage();
        String text = shown instanceof IOException io ? IoFailures.describe(io)
                : message != null && !isBug(shown) ? message
                : shown.getClass().getSimpleName() + (message != null ? ": " + message : "");
        return LogSafe.text(text);
    }

    /** Whose static initializer threw {@code thrown}: the class of the first {@code <clinit>} frame. */
    private static String staticInitializer(Throwable thrown) {
        return Arrays.stream(thrown.getStackTrace()).filter(frame -> frame.getMethodName().equals("<clinit>"))
                .findFirst().map(frame -> "the static initializer of " + LogSafe.text(frame.getClassName()))
                .orElse("a static initializer");
    }

    /**
     * An Error, or one of java.lang's exceptions that code throws by mistake rather than to say
     * something (NullPointerException, ClassCastException, NumberFormatException...): not
     * IllegalArgumentException or IllegalStateException themselves, which plugins throw with a
     * message for the user.
     */
    private static boolean isBug(Throwable failure) {
        Class<?> type = failure.getClass();
        return failure instanceof Error || failure instanceof RuntimeException
                && type.getPackageName().equals("java.lang")
                && type != IllegalArgumentException.class && type != IllegalStateException.class;
    }
}

package org.msight.runtime.node;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.msight.api.Backoff;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.Node;
import org.msight.api.NodeKind;
import org.msight.api.ProcessorNode;
import org.msight.api.RetriableException;
import org.msight.api.Setting;
import org.msight.api.SinkNode;
import org.msight.api.UnrecoverableException;
import org.msight.api.bus.Delivery;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import org.slf4j.Logger;

/**
 * Runs a sink or a processor: takes messages from its inbox, applies gap, decodes the admitted
 * ones (a malformed one is counted and skipped) and hands them over (to an asynchronous sink
 * through its {@link AsyncDelivery}); one the heap has no room for, to decode or to handle, is
 * counted as dropped. Each delivery is {@linkplain Delivery#done() done} at most
 * once: handled (by an asynchronous sink: delivered, given up or spooled, so an at-least-once bus
 * commits only then), skipped by gap, malformed, dropped, or given up after a failure; what is left when the
 * drain time runs out or the node stops for good is not done, so such a bus delivers it again. A
 * processor's input with a result its bus could not take, in an outage, is not done either: it is
 * handed over again as soon as the bus can take messages, its results taken before published again;
 * the node is in an outage, after a backoff, only when the bus cannot for {@link #OUTPUT_GRACE}. At
 * shutdown it keeps going until the inbox is empty or the drain deadline passes, then a sink flushes
 * what is in flight with the time left. A node that stops for good ends its subscription.
 */
public final class InboxRunner extends NodeRunner {

    private static final long POLL_MILLIS = 100;
    /**
     * How long a processor's output bus may be unable to take its results (a buffer or queue full
     * under load, a stream still looked up) before it is an outage: until then the input is handed
     * over again as soon as the bus can take them, without a line or a longer backoff.
     */
    static final Duration OUTPUT_GRACE = Duration.ofSeconds(1);
    private static final long FIRST_OUTPUT_RETRY = TimeUnit.MILLISECONDS.toNanos(5);

    private final Inbox inbox;
    private final String topic;
    /** How log lines name the bus of {@link #topic}. */
    private final String bus;
    private final LogThrottle malformedLines = new LogThrottle(Duration.ofSeconds(10));
    private final LogThrottle outOfMemoryLines = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle unacknowledgedLines = new LogThrottle(Duration.ofMinutes(1));
    private final Gap gap;
    private final MessageHandler handler;
    /** A sink's out counts handled messages, a processor's its published results. */
    private final boolean sink;
    private final Duration drainTimeout;
    private final Consumer<SensorData> received;
    private final Output output;
    private final Runnable unsubscribe;
    /** The delivery of an asynchronous sink, which counts out itself when a message arrives; otherwise null. */
    private final AsyncDelivery delivery;
    private volatile long drainDeadlineNanos;
    private volatile Delivery pending;
    private volatile boolean flushing;
    private volatile int lostAtStop;
    /**
     * Whether an asynchronous sink's flush ran out of drain time with deliveries under way, whose
     * messages' bus does not deliver them again: lost.
     */
    private volatile boolean abandonedAtStop;
    /** Whether every message handed to {@link #delivery} came from a bus that delivers it again unless done. */
    private volatile boolean everySubmittedRedelivered = true;
    /** Since when the pending input's results have found their bus unable to take them; -1 when not. */
    private long outputStalledNanos = -1;
    /**
     * The least wait before the pending input is handed over again after its results were not all
     * taken, doubling from {@link #FIRST_OUTPUT_RETRY} to {@link #OUTPUT_GRACE} with each retry: a bus
     * that frees room one message at a time would otherwise have a processor of several results
     * publish its first again and again, and re-run its work for each message's room.
     */
    private long outputRetryNanos;

    /**
     * @param topic the topic the inbox is subscribed to, for log lines
     * @param bus how log lines name the topic's bus ({@code bus 'kafka' (kafka-bus)})
     * @param received sees each message gap admitted, once decoded (the latest one per topic)
     * @param output the publishing of a processor's results, told of each input it handles
     * @param delivery the delivery of an asynchronous sink, its messages' way; {@code null} for others
     * @param unsubscribe ends the inbox's subscription on its bus, once the node has stopped for good
     */
    public InboxRunner(String name, Node node, Logger log, NodeStats stats, ClassLoader loader, Backoff backoff,
            Inbox inbox, String topic, String bus, int gap, Duration drainTimeout, Consumer<SensorData> received,
            Output output, AsyncDelivery delivery, Runnable unsubscribe) {
        super(name, node, log, stats, loader, backoff);
        this.inbox = inbox;
        this.topic = topic;
        this.bus = bus;
        this.gap = new Gap(gap);
        this.delivery = delivery;
        this.handler = delivery != null ? null
                : node instanceof SinkNode sink ? sink::put : ((ProcessorNode) node)::process;
        this.sink = !(node instanceof ProcessorNode);
        this.drainTimeout = drainTimeout;
        this.received = received;
        this.output = output;
        this.unsubscribe = unsubscribe;
        stats.queueDepth(inbox::size);
    }

    @Override
    public NodeKind kind() {
        return sink ? NodeKind.SINK : NodeKind.PROCESSOR;
    }

    @Override
    public void requestStop() {
        drainDeadlineNanos = System.nanoTime() + drainTimeout.toNanos();
        if (delivery != null) {
            delivery.drainBy(drainDeadlineNanos); // frees the slots of retries due after it, which the node may wait for
        }
        inbox.close();
        super.requestStop();
    }

    @Override
    public String stopState() {
        if (flushing) {
            return "flushing what it has in flight";
        }
        int queued = queued();
        String state = queued + (queued == 1 ? " message" : " messages") + " queued";
        return outage().map(outage -> state + "; " + outage).orElse(state);
    }

    @Override
    public boolean stoppedCleanly() {
        return super.stoppedCleanly() && lostAtStop == 0 && !abandonedAtStop;
    }

    private int queued() {
        return inbox.size() + (pending != null ? 1 : 0);
    }

    @Override
    protected boolean isDone() {
        return stopRequested() && (pending == null && inbox.size() == 0 || pastDeadline());
    }

    @Override
    protected boolean step() throws Exception {
        if (pending == null) {
            Delivery next = inbox.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (next == null) {
                return false;
            }
            stats.in().increment();
            if (!gap.admit()) {
                done(next);
                return false;
            }
            pending = next;
        }
        SensorData data;
        try {
            data = pending.data();
        } catch (OutOfMemoryError e) {
            droppedForMemory();
            return false;
        } catch (RuntimeException | Error e) {
            // any other failure to decode: a bus plugin's payload it cannot read, a data type's bug
            inbox.countMalformed();
            long skipped = malformedLines.occurred();
            if (skipped > 0) {
                log.warn("Skipped {} malformed message(s) on topic '{}'; latest: {}", skipped, topic,
                        LogSafe.text(e instanceof MalformedDataException ? e.getMessage() : e.toString()));
            }
            finishPending();
            return false;
        }
        received.accept(data);
        if (delivery != null) {
            // done once the delivery finishes, not now: an at-least-once bus commits after the upload
            Delivery submitted = pending;
            if (!delivery.submit(data, () -> done(submitted))) {
                return false; // the drain time ran out before a slot was free: kept
            }
            everySubmittedRedelivered &= submitted.redeliveredUnlessDone();
            pending = null;
            return true;
        }
        try {
            handle(data);
            if (sink) {
                stats.out().increment();
                stats.handled(data);
            }
        } catch (RetriableException | UnrecoverableException | LinkageError e) {
            throw e; // left pending, not done: handed over again, or an at-least-once bus delivers it to the next run
        } catch (OutOfMemoryError e) {
            droppedForMemory();
            return false;
        } catch (Exception | Error e) {
            if (!(e instanceof InterruptedException || Thread.currentThread().isInterrupted()
                    || stopRequested() && pastDeadline())) { // a library may clear the flag, wrapping the interrupt
                finishPending(); // given up; one cut short by an interrupt is not handled: left pending, not done
            }
            throw e;
        }
        finishPending();
        return true;
    }

    /**
     * Hands {@code data} to the node. An input a result of which found its bus unable to take it is
     * kept, an {@link OutputOutage}, whatever the processor did then (threw, as it was not published).
     */
    private void handle(SensorData data) throws Exception {
        stats.handling(sink ? "put" : "process");
        output.inputStarted();
        try {
            handler.handle(data);
        } catch (UnrecoverableException | LinkageError e) {
            output.inputEnded(); // the node ends, or its plugin cannot run: kept pending, not retried here
            throw e;
        } catch (Exception | Error e) {
            throwIfOutputOutage(e);
            throw e;
        } finally {
            stats.handled();
        }
        throwIfOutputOutage(null);
    }

    /** Ends the input's handling: an {@link OutputOutage} if a result was not taken, what was thrown said at DEBUG. */
    private void throwIfOutputOutage(Throwable thrown) throws OutputOutage {
        String outage = output.inputEnded();
        if (outage == null) {
            return;
        }
        if (thrown != null) {
            log.debug("its process threw after a result was not taken, the input kept all the same: {}",
                    NodeRunner.describe(thrown));
        }
        throw new OutputOutage(outage);
    }

    /**
     * Drops the pending message, which the heap had no room to decode or handle (the memory is
     * back once its arrays are let go): counted as dropped, not malformed, and the node goes on.
     */
    private void droppedForMemory() {
        long size = pending.size();
        inbox.countDropped();
        finishPending();
        long times = outOfMemoryLines.occurred();
        if (times > 0) {
            log.warn("Dropped {} message(s) on topic '{}' for want of memory{} (counted as 'dropped'). {}",
                    times, topic, size > 0 ? ", the latest of " + megabytes(size) : "",
                    NodeRunner.memoryAdvice(delivery != null));
        }
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private void finishPending() {
        Delivery finished = pending;
        pending = null;
        outputStalledNanos = -1;
        outputRetryNanos = 0;
        done(finished);
    }

    /**
     * Tells the bus that {@code finished} is done with; an acknowledgement that fails (on a
     * connection the bus lost) is said, and the node goes on: the bus may deliver it again.
     */
    private void done(Delivery finished) {
        try {
            finished.done();
        } catch (RuntimeException | LinkageError e) {
            long times = unacknowledgedLines.occurred();
            if (times > 0) {
                log.warn("Failed to acknowledge {} message(s) to the bus of topic '{}', which may deliver them again;"
                        + " latest: {}", times, topic, NodeRunner.describe(e));
            }
        }
    }

    @Override
    protected void opened() {
        if (delivery != null) {
            delivery.sinkOpened();
        }
    }

    /**
     * A sink is handed the same message again after a RetriableException, as a processor is when its
     * output's bus can take results again; a processor is reopened first after its own RetriableException.
     */
    @Override
    protected void handleFailure(Throwable failure) throws InterruptedException {
        if (failure instanceof OutputOutage) {
            awaitOutput(failure);
        } else if (failure instanceof RetriableException && sink) {
            retryAfter(failure);
        } else {
            restartAfter(failure);
        }
    }

    /**
     * Waits for the output's bus to take results again, at least {@link #outputRetryNanos}, then asking
     * it every few ms: a stall shorter than
     * {@link #OUTPUT_GRACE} since the input's first is said nowhere, nor counts towards the backoff
     * or flapping; a longer one is an outage, its wait ended as soon as the bus can take them.
     */
    private void awaitOutput(Throwable outage) throws InterruptedException {
        if (outputStalledNanos < 0) {
            outputStalledNanos = System.nanoTime();
        }
        outputRetryNanos = Math.min(Math.max(FIRST_OUTPUT_RETRY, 2 * outputRetryNanos), OUTPUT_GRACE.toNanos());
        pause(Duration.ofNanos(outputRetryNanos), null);
        Duration graceLeft = OUTPUT_GRACE.minusNanos(System.nanoTime() - outputStalledNanos);
        if (!isDone() && !pause(graceLeft, output::canTakeResults) && !isDone()) {
            retryAfter(outage, output::canTakeResults);
        }
    }

    @Override
    protected void finish() throws Exception {
        long left = Math.max(0, drainDeadlineNanos - System.nanoTime());
        flushing = true;
        try {
            if (delivery != null) {
                boolean abandoned = !delivery.flush(Duration.ofNanos(left));
                if (abandoned && everySubmittedRedelivered) {
                    log.info("left the deliveries abandoned unacknowledged: {} delivers them again at the next start",
                            bus);
                }
                abandonedAtStop = abandoned && !everySubmittedRedelivered;
            } else if (node instanceof SinkNode sink) {
                sink.flush(Duration.ofNanos(left));
            }
        } finally {
            flushing = false;
        }
    }

    /**
     * Closes the inbox, which takes no more messages, and drops what was not handled, left in the
     * inbox when the drain ran out or the node stopped for good, or pending, without acknowledging
     * it (an at-least-once bus delivers it again, to the next run or to another member of the
     * node's group: said in a line, it is not lost). A node that stopped for good also ends its
     * subscription, so that its group's other members take its share.
     */
    @Override
    protected void stopped() {
        inbox.close();
        boolean forGood = stats.state() == NodeStats.State.FAILED;
        if (forGood) {
            unsubscribe.run();
        }
        Inbox.Left left = inbox.clear();
        if (pending != null) {
            left = left.and(pending);
            pending = null;
        }
        int lost = left.lost();
        if (lost > 0) {
            lostAtStop = lost;
            String notHandled = lost == 1 ? "1 queued message was not handled" : lost + " queued messages were not handled";
            if (forGood) {
                log.warn(notHandled);
            } else {
                log.warn("drain time of {} ran out; {}", Setting.written(drainTimeout), notHandled);
            }
        }
        if (left.redelivered() > 0) {
            log.info("left {} message(s) unacknowledged: {} delivers them again {}", left.redelivered(), bus,
                    forGood ? "to another member of its group, or at the next start" : "at the next start");
        }
        if (delivery != null) {
            delivery.close();
        }
    }

    /** Closes an asynchronous sink's delivery, and with it its spool: another start in this process may take it. */
    @Override
    public void discard() {
        if (delivery != null) {
            delivery.close();
        }
    }

    private boolean pastDeadline() {
        return System.nanoTime() - drainDeadlineNanos > 0;
    }

    /** A processor's result its bus could not take, in an outage: its input is kept, and handed over again. */
    private static final class OutputOutage extends RetriableException {
        OutputOutage(String message) {
            super(message);
        }
    }

    /** The publishing of a processor's results, as its runner sees it ({@link RuntimeNodeContext}). */
    public interface Output {

        /** The node's thread starts handling an input: from now on, a result its bus cannot take keeps it. */
        void inputStarted();

        /**
         * The input is handled: why a result of it found its bus unable to take it, in an outage, in a
         * line; the runner then keeps the input, unacknowledged, and hands it over again.
         *
         * @return {@code null} when every result was taken or refused alone (counted as lost)
         */
        String inputEnded();

        /** Whether the bus can take a result now. */
        boolean canTakeResults();
    }

    @FunctionalInterface
    private interface MessageHandler {
        void handle(SensorData data) throws Exception;
    }
}

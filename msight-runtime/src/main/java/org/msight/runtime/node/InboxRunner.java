package org.msight.runtime.node;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.msight.api.Node;
import org.msight.api.NodeKind;
import org.msight.api.ProcessorNode;
import org.msight.api.RetriableException;
import org.msight.api.SinkNode;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import org.slf4j.Logger;

/**
 * Runs a sink or a processor: takes messages from its inbox, applies gap, and hands the
 * admitted ones over (to an asynchronous sink through its {@link AsyncDelivery}). At shutdown it
 * keeps going until the inbox is empty or the drain deadline passes, then a sink flushes what is
 * in flight with the time left.
 */
public final class InboxRunner extends NodeRunner {

    private static final long POLL_MILLIS = 100;

    private final Inbox inbox;
    private final Gap gap;
    private final MessageHandler handler;
    /**
     * Sinks get a message again after a RetriableException, processors are restarted; a sink's
     * out counts handled messages, a processor's its published results.
     */
    private final boolean sink;
    private final Duration drainTimeout;
    private final Consumer<SensorData> received;
    /** The delivery of an asynchronous sink, which counts out itself when a message arrives; otherwise null. */
    private final AsyncDelivery delivery;
    private volatile long drainDeadlineNanos;
    private volatile SensorData pending;
    private volatile boolean flushing;
    private volatile int lostAtStop;

    /**
     * @param received sees every message taken from the inbox, before gap
     * @param delivery the delivery of an asynchronous sink, its messages' way; {@code null} for others
     */
    public InboxRunner(String name, Node node, Logger log, NodeStats stats, ClassLoader loader, Backoff backoff,
            Inbox inbox, int gap, Duration drainTimeout, Consumer<SensorData> received, AsyncDelivery delivery) {
        super(name, node, log, stats, loader, backoff);
        this.inbox = inbox;
        this.gap = new Gap(gap);
        this.delivery = delivery;
        this.handler = delivery != null ? delivery::submit
                : node instanceof SinkNode sink ? sink::put : ((ProcessorNode) node)::process;
        this.sink = !(node instanceof ProcessorNode);
        this.drainTimeout = drainTimeout;
        this.received = received;
        stats.queueDepth(inbox::size);
    }

    @Override
    public NodeKind kind() {
        return sink ? NodeKind.SINK : NodeKind.PROCESSOR;
    }

    /** Messages waiting in the inbox. */
    public Inbox inbox() {
        return inbox;
    }

    @Override
    public void requestStop() {
        drainDeadlineNanos = System.nanoTime() + drainTimeout.toNanos();
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
        return lostAtStop == 0;
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
            SensorData next = inbox.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (next == null) {
                return false;
            }
            stats.in().increment();
            received.accept(next);
            if (!gap.admit()) {
                return false;
            }
            pending = next;
        }
        try {
            handler.handle(pending);
            if (sink && delivery == null) {
                stats.out().increment();
                stats.handled(pending);
            }
            pending = null;
            return true;
        } catch (RetriableException e) {
            if (!sink) {
                pending = null;
            }
            throw e;
        } catch (Exception | Error e) {
            pending = null;
            throw e;
        }
    }

    @Override
    protected void handleFailure(Throwable failure) throws InterruptedException {
        if (failure instanceof RetriableException && sink) {
            retryAfter(failure);
        } else {
            restartAfter(failure);
        }
    }

    @Override
    protected void finish() throws Exception {
        long left = Math.max(0, drainDeadlineNanos - System.nanoTime());
        flushing = true;
        if (delivery != null) {
            delivery.flush(Duration.ofNanos(left));
        } else if (node instanceof SinkNode sink) {
            sink.flush(Duration.ofNanos(left));
        }
        flushing = false;
        int lost = queued();
        if (lost > 0) {
            lostAtStop = lost;
            log.warn("drain time of {} ran out; {} queued messages were not handled", drainTimeout, lost);
        }
    }

    @Override
    protected void stopped() {
        if (delivery != null) {
            delivery.close();
        }
    }

    private boolean pastDeadline() {
        return System.nanoTime() - drainDeadlineNanos > 0;
    }

    @FunctionalInterface
    private interface MessageHandler {
        void handle(SensorData data) throws Exception;
    }
}

package org.msight.testkit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.data.SensorData;

/**
 * A {@link Receiver} for bus tests, with a bounded queue that drops its oldest message when full,
 * as the runtime's. Either it handles each message as it arrives ({@link #handling()}: decodes it,
 * keeps it, and calls {@link Delivery#done()}), or it holds them until the test {@link #handle}s
 * them ({@link #holding(int)}), to test what a bus does with messages not done yet. Thread-safe.
 */
public final class TestReceiver implements Receiver {

    private final int capacity;
    private final boolean handleOnArrival;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final List<SensorData> handled = new ArrayList<>();
    private long dropped;
    private long malformed;

    private TestReceiver(int capacity, boolean handleOnArrival) {
        this.capacity = capacity;
        this.handleOnArrival = handleOnArrival;
    }

    /** A receiver that handles every message as it arrives. */
    public static TestReceiver handling() {
        return new TestReceiver(Integer.MAX_VALUE, true);
    }

    /** A receiver that keeps up to {@code capacity} messages until the test handles them. */
    public static TestReceiver holding(int capacity) {
        return new TestReceiver(capacity, false);
    }

    @Override
    public synchronized void deliver(Delivery delivery) {
        if (handleOnArrival) {
            finish(delivery);
            return;
        }
        if (queue.size() >= capacity) {
            queue.poll().done();
            dropped++;
        }
        queue.add(delivery);
    }

    @Override
    public synchronized int remainingCapacity() {
        return handleOnArrival ? Integer.MAX_VALUE : capacity - queue.size();
    }

    @Override
    public synchronized void countMalformed() {
        malformed++;
    }

    /** Handles (decodes, keeps and finishes) up to {@code count} queued messages; returns how many. */
    public synchronized int handle(int count) {
        int n = 0;
        while (n < count && !queue.isEmpty()) {
            finish(queue.poll());
            n++;
        }
        return n;
    }

    private void finish(Delivery delivery) {
        try {
            handled.add(delivery.data());
        } catch (RuntimeException e) {
            malformed++;
        } finally {
            delivery.done();
        }
    }

    /** The messages handled so far, in order. */
    public synchronized List<SensorData> handled() {
        return List.copyOf(handled);
    }

    /** Messages queued and not handled yet. */
    public synchronized int queued() {
        return queue.size();
    }

    /** Messages dropped from the full queue. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Messages that were not MSight messages. */
    public synchronized long malformed() {
        return malformed;
    }
}

package org.msight.runtime.bus;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.msight.api.Counter;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.runtime.node.LongCounter;

/**
 * The bounded queue in front of one subscribing node. Live sensor data loses value with age,
 * so a full inbox drops its oldest message to take the new one; drops are counted. Messages a
 * bus could not decode are counted through it too, both in the node's stats. Once its node stops,
 * it is closed: what arrives later is dropped, so a drain ends with what was queued when the
 * stop came. A delivery dropped for a newer one is {@linkplain Delivery#done() done} at once; one
 * dropped because the node stopped is not, so an at-least-once bus delivers it again to the next
 * run, as what {@link #clear()} drops. Those it hands out are the taker's to finish.
 */
public final class Inbox implements Receiver {

    private final int capacity;
    private final ArrayDeque<Delivery> queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Counter dropped;
    private final Counter malformed;
    private boolean closed;

    /** An inbox with counters of its own, read with {@link #dropped()} and {@link #malformed()}. */
    public Inbox(int capacity) {
        this(capacity, new LongCounter(), new LongCounter());
    }

    /**
     * @param capacity how many messages wait at most
     * @param dropped counts the messages dropped
     * @param malformed counts the messages that could not be decoded
     */
    public Inbox(int capacity, Counter dropped, Counter malformed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.dropped = dropped;
        this.malformed = malformed;
        this.queue = new ArrayDeque<>(capacity);
    }

    /** Adds a message, dropping the oldest one when full (or the message, once closed). Never blocks for long. */
    @Override
    public void deliver(Delivery delivery) {
        Delivery older;
        lock.lock();
        try {
            if (closed) {
                dropped.increment(); // not done: its node never had it
                return;
            }
            older = queue.size() == capacity ? queue.pollFirst() : null;
            queue.addLast(delivery);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        if (older != null) {
            dropped.increment();
            older.done();
        }
    }

    @Override
    public int remainingCapacity() {
        lock.lock();
        try {
            return closed ? 0 : capacity - queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest message, waiting up to {@code timeout}; {@code null} when none came. */
    public Delivery poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Takes no more messages; those queued can still be polled. */
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops what is still queued (a drain that ran out of time) and returns how many. They are not
     * {@linkplain Delivery#done() done}: an at-least-once bus delivers them again to the next run.
     */
    public int clear() {
        lock.lock();
        try {
            int left = queue.size();
            queue.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void countMalformed() {
        malformed.increment();
    }

    /** Messages waiting now. */
    public int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Messages dropped because the inbox was full or closed. */
    public long dropped() {
        return dropped.count();
    }

    /** Messages that could not be decoded. */
    public long malformed() {
        return malformed.count();
    }
}

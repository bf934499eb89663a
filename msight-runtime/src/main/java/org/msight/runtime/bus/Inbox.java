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
 * The bounded queue in front of one subscribing node, by count and by the payloads' bytes
 * ({@link Delivery#size()}). Live sensor data loses value with age, so a full inbox drops its
 * oldest messages to take the new one; drops are counted. A message that comes while the bytes
 * are under the budget is taken without a drop, so the queue holds at most its budget and the
 * message last come, and a message larger than the budget still flows. Messages a
 * bus could not decode are counted through it too, both in the node's stats. Once its node stops,
 * it is closed: what arrives later is refused, so a drain ends with what was queued when the
 * stop came. A delivery dropped for a newer one is {@linkplain Delivery#done() done} at once; one
 * refused because the node stopped is not, so an at-least-once bus delivers it again to the next
 * run, as what {@link #clear()} drops: such ones are not counted as dropped, the others are.
 * Those it hands out are the taker's to finish.
 */
public final class Inbox implements Receiver {

    private final int capacity;
    private final long maxBytes;
    private final ArrayDeque<Delivery> queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Counter dropped;
    private final Counter malformed;
    private boolean closed;
    /** Messages refused since the close whose bus delivers them again ({@link Delivery#redeliveredUnlessDone()}). */
    private int refusedRedelivered;
    /** The sizes of the queued messages, added up. */
    private long bytes;

    /**
     * An inbox without a byte budget, with counters of its own, read with {@link #dropped()} and
     * {@link #malformed()}.
     */
    public Inbox(int capacity) {
        this(capacity, Long.MAX_VALUE, new LongCounter(), new LongCounter());
    }

    /**
     * @param capacity how many messages wait at most
     * @param maxBytes how many bytes of payload wait at most, besides the message last come
     * @param dropped counts the messages dropped
     * @param malformed counts the messages that could not be decoded
     */
    public Inbox(int capacity, long maxBytes, Counter dropped, Counter malformed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.dropped = dropped;
        this.malformed = malformed;
        this.queue = new ArrayDeque<>(capacity + 1); // one more, for the new message before the oldest goes
    }

    /**
     * Adds a message, dropping the oldest ones while over capacity or bytes (or the message, once
     * closed). Never blocks for long.
     */
    @Override
    public void deliver(Delivery delivery) {
        Delivery older;
        lock.lock();
        try {
            if (closed) { // not done: its node never had it
                if (delivery.redeliveredUnlessDone()) {
                    refusedRedelivered++;
                } else {
                    dropped.increment();
                }
                return;
            }
            queue.addLast(delivery);
            bytes += delivery.size();
            older = overflow();
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        while (older != null) { // done outside the lock: a bus may acknowledge over the network
            dropped.increment();
            older.done();
            older = dropOverflow();
        }
    }

    /**
     * The oldest message, taken off when the queue holds too many, or when those before the newest
     * reach the byte budget; else {@code null}. A message that came while there was room (which
     * {@link #remainingCapacity()} told a bus that promises delivery) drops nothing.
     */
    private Delivery overflow() {
        return queue.size() > capacity || queue.size() > 1 && bytes - queue.peekLast().size() >= maxBytes
                ? takeOldest() : null;
    }

    private Delivery dropOverflow() {
        lock.lock();
        try {
            return overflow();
        } finally {
            lock.unlock();
        }
    }

    private Delivery takeOldest() {
        Delivery oldest = queue.pollFirst();
        bytes -= oldest.size();
        return oldest;
    }

    @Override
    public int remainingCapacity() {
        lock.lock();
        try {
            return closed || bytes >= maxBytes ? 0 : capacity - queue.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long remainingBytes() {
        lock.lock();
        try {
            return closed ? 0 : Math.max(0, maxBytes - bytes);
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
            return takeOldest();
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
     * Drops what is still queued (a drain that ran out of time) without making it
     * {@linkplain Delivery#done() done}, and says what the stop left: those and the messages refused
     * since the close whose bus delivers them again.
     */
    public Left clear() {
        lock.lock();
        try {
            Left left = new Left(0, refusedRedelivered);
            for (Delivery queued : queue) {
                left = left.and(queued);
            }
            queue.clear();
            bytes = 0;
            refusedRedelivered = 0;
            return left;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Messages a stop left not done: {@code lost} ones, and {@code redelivered} ones, which their bus
     * delivers again ({@link Delivery#redeliveredUnlessDone()}).
     */
    public record Left(int lost, int redelivered) {

        /** These and {@code delivery}, left not done too. */
        public Left and(Delivery delivery) {
            return delivery.redeliveredUnlessDone() ? new Left(lost, redelivered + 1) : new Left(lost + 1, redelivered);
        }
    }

    /** Counts a message dropped after it was taken: one the heap had no room for. */
    public void countDropped() {
        dropped.increment();
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

    /** Messages dropped because the inbox was full (of messages or bytes), or closed and they do not come again. */
    public long dropped() {
        return dropped.count();
    }

    /** Messages that could not be decoded. */
    public long malformed() {
        return malformed.count();
    }
}

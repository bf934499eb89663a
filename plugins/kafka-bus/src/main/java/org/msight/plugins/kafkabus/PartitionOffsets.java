package org.msight.plugins.kafkabus;

import java.util.TreeSet;

/**
 * The offsets of one partition handed to a node and not yet done, so that only what the node has
 * finished is committed: the committable offset is the lowest one still outstanding, or the one
 * after the last handed over (before any, where the partition started). Thread-safe: the
 * consumer thread hands over and commits, node threads call {@link #done}. A partition that starts
 * anew (its log cut back, its topic made again) gets a new one: the old log's messages still in
 * the node, and commits of them still answered, then change only the old one.
 */
final class PartitionOffsets {

    private final TreeSet<Long> outstanding = new TreeSet<>();
    private long next = -1;
    private long committed = -1;
    private boolean stopWaiting;

    /** Notes a message handed to the node (fetched before a later start, it does not move the next one back). */
    synchronized void handedOver(long offset) {
        outstanding.add(offset);
        next = Math.max(next, offset + 1);
    }

    /**
     * Notes where the partition's messages start (its position as it was assigned, or the oldest
     * the topic keeps when it no longer had the position): the offset to commit until one is handed
     * over, so a group that has committed nothing does not start again at the latest message, past
     * those published meanwhile. An earlier start than the one noted is not taken.
     */
    synchronized void startsAt(long position) {
        next = Math.max(next, position);
    }

    /** Notes that the message last handed over, at {@code offset}, was not taken: it is the next to hand over. */
    synchronized void takenBack(long offset) {
        outstanding.remove(offset);
        next = offset;
    }

    /** Notes a message the node is done with. */
    synchronized void done(long offset) {
        if (outstanding.remove(offset) && outstanding.isEmpty()) {
            notifyAll();
        }
    }

    /** The offset to commit when it moved since the last {@link #committed}, else -1. */
    synchronized long toCommit() {
        long offset = outstanding.isEmpty() ? next : outstanding.first();
        return offset > committed ? offset : -1;
    }

    /** Notes that {@code offset} was committed. */
    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** Ends every wait in {@link #awaitDone}, now and later: the member is closing, and its nodes have stopped. */
    synchronized void stopWaiting() {
        stopWaiting = true;
        notifyAll();
    }

    /**
     * Waits until the node is done with every message handed over, at most {@code timeoutNanos},
     * or until {@link #stopWaiting}.
     *
     * @return how many messages it is still not done with
     */
    synchronized int awaitDone(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (long left = timeoutNanos; !outstanding.isEmpty() && !stopWaiting && left > 0;
                left = deadline - System.nanoTime()) {
            wait(Math.max(1, left / 1_000_000));
        }
        return outstanding.size();
    }
}

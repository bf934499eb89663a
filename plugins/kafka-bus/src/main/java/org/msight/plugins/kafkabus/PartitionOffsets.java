package org.msight.plugins.kafkabus;

import java.util.TreeSet;

/**
 * The offsets of one partition handed to a node and not yet done, so that only what the node has
 * finished is committed: the committable offset is the lowest one still outstanding, or the one
 * after the last handed over (before any, where the partition started), past those the topic
 * deleted before they were fetched ({@link #skips}). Thread-safe: the consumer thread hands over
 * and commits, node threads call {@link #done}. A partition that starts anew (its log cut back,
 * its topic made again) gets a new one ({@link #restartAt}), which takes over the messages still in
 * the node that both logs have: those of the old log only, and commits still answered, then change
 * only the old one.
 */
final class PartitionOffsets {

    private final TreeSet<Long> outstanding = new TreeSet<>();
    private long next = -1;
    /**
     * The offsets last skipped, [skippedFrom, skippedTo): from the first not fetched (deleted, or
     * holding no record) to the oldest the topic keeps; passed once {@link #next} reaches them.
     */
    private long skippedFrom;
    private long skippedTo;
    private long committed = -1;
    private boolean stopWaiting;
    /** Once the partition started anew: its new offsets, to which {@link #done} passes those below passedBelow. */
    private PartitionOffsets successor;
    private long passedBelow = Long.MIN_VALUE;

    /** Notes a message handed to the node (fetched before a later start, it does not move the next one back). */
    synchronized void handedOver(long offset) {
        outstanding.add(offset);
        next = Math.max(next, offset + 1);
        passSkipped();
    }

    /**
     * Notes where the partition's messages start (its position as it was assigned, or past a
     * record that cannot be read): the offset to commit until one is handed over, so a group that
     * has committed nothing does not start again at the latest message, past those published
     * meanwhile. An earlier start than the one noted is not taken.
     */
    synchronized void startsAt(long position) {
        next = Math.max(next, position);
    }

    /**
     * Notes that the topic deleted the partition's messages after those fetched up to {@code oldest}
     * (the oldest it keeps) before they were fetched: the next to hand over is {@code oldest} once
     * the records fetched and still waiting for room in the node, up to {@code waitingEnd} (-1 when
     * none waits), are handed over, so that no commit passes them first; at once when none waits,
     * also when the consumer's position was further on than the last record handed over (past a
     * transaction's markers, or records compacted away).
     */
    synchronized void skips(long waitingEnd, long oldest) {
        skippedFrom = Math.max(next, waitingEnd); // the first offset not fetched; -1 with no start noted
        skippedTo = oldest;
        passSkipped();
    }

    private void passSkipped() {
        if (next >= skippedFrom && next < skippedTo) {
            next = skippedTo;
        }
    }

    /** Notes that the message last handed over, at {@code offset}, was not taken: it is the next to hand over. */
    synchronized void takenBack(long offset) {
        outstanding.remove(offset);
        next = offset;
    }

    /**
     * New offsets for the partition, which starts anew at {@code start}. They take over what is
     * outstanding here below {@code keptBelow}, records the old log and the new one both have (up to
     * where a log cut back diverged; none, {@link Long#MIN_VALUE}, for a topic made again), and this
     * one passes them the node's {@link #done} of those; the rest, of the old log only, stays here.
     * A log cut back commits no further than the first record not handed over yet, when it is below
     * {@code start}: fetched while the node had no room, it is handed over still (in order).
     */
    synchronized PartitionOffsets restartAt(long start, long keptBelow) {
        PartitionOffsets anew = new PartitionOffsets();
        anew.outstanding.addAll(outstanding.headSet(keptBelow));
        anew.next = keptBelow == Long.MIN_VALUE || next < 0 ? start : Math.min(start, next);
        anew.stopWaiting = stopWaiting;
        outstanding.headSet(keptBelow).clear();
        successor = anew;
        passedBelow = keptBelow;
        return anew;
    }

    /** Notes a message the node is done with. */
    synchronized void done(long offset) {
        if (offset < passedBelow) { // locks the successor within this one: never the other way round
            successor.done(offset);
        } else if (outstanding.remove(offset) && outstanding.isEmpty()) {
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

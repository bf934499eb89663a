package org.msight.runtime.http;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;

/**
 * The newest JPEG image of each topic someone looks at ({@code latest.jpg}, the MJPEG preview,
 * the dashboard), kept by reference: no copy, no encoding. Topics nobody asked about for a
 * minute keep nothing, so a pipeline nobody watches pays one map lookup per message.
 */
public final class LatestImages {

    private static final long FORGET_AFTER_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Set<String> topics;
    private final LongSupplier nanoClock;
    private final Map<String, Slot> watched = new ConcurrentHashMap<>();

    /** @param topics the topics of the pipeline; others are never watched */
    public LatestImages(Set<String> topics) {
        this(topics, System::nanoTime);
    }

    /** As {@link #LatestImages(Set)}, on a clock of nanoseconds that tests set. */
    LatestImages(Set<String> topics, LongSupplier nanoClock) {
        this.topics = Set.copyOf(topics);
        this.nanoClock = nanoClock;
    }

    /** Keeps {@code data} when its topic is watched and it is a JPEG image; called for every message. */
    public void offer(String topic, SensorData data) {
        Slot slot = watched.get(topic);
        if (slot == null) {
            return;
        }
        if (slot.forgetIfIdle()) {
            watched.remove(topic, slot);
        } else {
            ImageData.in(data).filter(ImageData::encoded).ifPresent(slot::put);
        }
    }

    /**
     * The slot of a topic of the pipeline, watched from now on; {@code null} for unknown topics.
     * Never one forgotten meanwhile (which would get no image more).
     */
    Slot watch(String topic) {
        if (!topics.contains(topic)) {
            return null;
        }
        while (true) {
            Slot slot = watched.computeIfAbsent(topic, t -> new Slot(nanoClock.getAsLong(), nanoClock));
            if (slot.asked()) {
                return slot;
            }
            watched.remove(topic, slot);
        }
    }

    /** The newest image of one topic, and viewers waiting for the next. */
    static final class Slot {

        private final long createdNanos;
        private final LongSupplier nanoClock;
        private ImageData latest;
        private long version;
        private int viewers;
        private long lastAskedNanos;
        /** Set once nobody looked at the topic for a while: it is taken out of the map, and never handed out again. */
        private boolean forgotten;

        Slot() {
            this(System.nanoTime());
        }

        /** @param createdNanos when the topic began to be watched, as {@link System#nanoTime()} */
        Slot(long createdNanos) {
            this(createdNanos, System::nanoTime);
        }

        private Slot(long createdNanos, LongSupplier nanoClock) {
            this.createdNanos = createdNanos;
            this.nanoClock = nanoClock;
            this.lastAskedNanos = nanoClock.getAsLong();
        }

        synchronized void put(ImageData image) {
            if (image != latest) {
                latest = image;
                version++;
                notifyAll();
            }
        }

        /** Notes that someone asked about the topic; {@code false} when the slot was forgotten already. */
        synchronized boolean asked() {
            if (!forgotten) {
                lastAskedNanos = nanoClock.getAsLong();
            }
            return !forgotten;
        }

        /** Forgets the slot when nobody looks at the topic any more; whether it is forgotten. */
        synchronized boolean forgetIfIdle() {
            forgotten |= viewers == 0 && nanoClock.getAsLong() - lastAskedNanos > FORGET_AFTER_NANOS;
            return forgotten;
        }

        synchronized void viewerJoined() {
            viewers++;
        }

        synchronized void viewerLeft() {
            viewers--;
            lastAskedNanos = nanoClock.getAsLong();
        }

        /**
         * The newest image, waiting for the first one only until {@code timeoutNanos} after the
         * topic began to be watched (before, it kept none); {@code null} when there is none.
         */
        synchronized Versioned awaitFirst(long timeoutNanos) throws InterruptedException {
            return awaitNewer(-1, timeoutNanos - (System.nanoTime() - createdNanos));
        }

        /**
         * The newest image if it is newer than {@code seen}, waiting up to {@code timeoutNanos}
         * for one; {@code null} when none came.
         */
        synchronized Versioned awaitNewer(long seen, long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            for (long left = timeoutNanos; version == seen || latest == null; left = deadline - System.nanoTime()) {
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return new Versioned(latest, version);
        }
    }

    /** An image and its place in its topic's sequence. */
    record Versioned(ImageData image, long version) {
    }
}

package org.msight.runtime.http;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
        /** Ended by the first image. */
        private final CompletableFuture<Void> first = new CompletableFuture<>();

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

        void put(ImageData image) {
            synchronized (this) {
                if (image == latest) {
                    return;
                }
                latest = image;
                version++;
                notifyAll();
            }
            first.complete(null); // once: the callers of first() read the newest themselves
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
         * The newest image, at once when there is one; before the first, once it comes, but only
         * until {@code timeoutNanos} after the topic began to be watched (before, it kept none):
         * {@code null} then. No thread waits meanwhile: what the caller does next runs where the
         * future ends it (on the publisher's thread, or a timer's).
         */
        CompletableFuture<Versioned> first(long timeoutNanos) {
            Versioned now = newest();
            long left = timeoutNanos - (nanoClock.getAsLong() - createdNanos);
            if (now != null || left <= 0) {
                return CompletableFuture.completedFuture(now);
            }
            return first.thenApply(ignored -> newest()).completeOnTimeout(null, left, TimeUnit.NANOSECONDS);
        }

        /** How many callers of {@link #first} wait for the first image now (an estimate): for tests. */
        int waitingForTheFirst() {
            return first.getNumberOfDependents();
        }

        private synchronized Versioned newest() {
            return latest == null ? null : new Versioned(latest, version);
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

package org.msight.api;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits that start at {@code initial} and double up to {@code max}; the runtime restarts failed
 * nodes with it, and a bus plugin can reconnect to its server with it. A jittered backoff draws
 * each wait between half and all of that ("equal jitter"), so many clients that failed together
 * (every upload of a box when a server restarts) do not come back in step.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final boolean jittered;
    private int failures;

    /** A backoff without jitter, for one resource retried by one thread. */
    public Backoff(Duration initial, Duration max) {
        this(initial, max, false);
    }

    private Backoff(Duration initial, Duration max, boolean jittered) {
        this.initial = initial;
        this.max = max.compareTo(initial) < 0 ? initial : max;
        this.jittered = jittered;
    }

    /** A backoff whose waits are jittered. */
    public static Backoff jittered(Duration initial, Duration max) {
        return new Backoff(initial, max, true);
    }

    /** The wait before the next attempt; each call doubles the following one, up to max. */
    public synchronized Duration next() {
        return afterFailures(++failures);
    }

    /**
     * Waits {@link #next()} on this thread, for a thread that retries by itself.
     *
     * @return {@code false} when interrupted meanwhile (the thread's interrupt flag is set again):
     *     the caller should stop
     */
    public boolean pause() {
        return pause(max);
    }

    /**
     * As {@link #pause()}, waiting {@code atMost} if {@link #next()} is longer: for a thread that
     * retries until a deadline. Zero or less does not wait.
     */
    public boolean pause(Duration atMost) {
        try {
            Thread.sleep(Math.max(0, Math.min(next().toMillis(), atMost.toMillis())));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts over from {@code initial}. */
    public synchronized void reset() {
        failures = 0;
    }

    /**
     * The wait after the {@code failures}-th failure in a row (from 1), without changing this
     * backoff's own count: for callers that keep a count per message.
     */
    public Duration afterFailures(int failures) {
        Duration wait = initial;
        for (int i = 1; i < failures && wait.compareTo(max) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        long nanos = Math.min(wait.toNanos(), max.toNanos());
        if (jittered && nanos > 1) {
            nanos = nanos / 2 + ThreadLocalRandom.current().nextLong(nanos / 2 + 1);
        }
        return Duration.ofNanos(nanos);
    }
}

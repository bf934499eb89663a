package org.msight.api;

import java.time.Duration;

/**
 * Waits that start at {@code initial} and double up to {@code max}; reset after a success. The
 * runtime restarts failed nodes with it, and a bus plugin can reconnect to its server with it.
 * Not thread-safe.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;

    public Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max.compareTo(initial) < 0 ? initial : max;
        this.next = initial;
    }

    /** The wait before the next attempt; each call doubles the following one, up to max. */
    public Duration next() {
        Duration current = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return current;
    }

    /** Starts over from {@code initial}. */
    public void reset() {
        next = initial;
    }
}

package org.msight.api;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Lets a recurring warning through at most once per interval, so a condition that comes back
 * with every message (a malformed payload, an oversized frame, a full queue) is one line per
 * interval with a count, never a flood. The first occurrence always gets its line.
 *
 * <pre>{@code
 * long skipped = throttle.occurred();
 * if (skipped > 0) {
 *     log.warn("skipped {} malformed message(s); latest: {}", skipped, LogSafe.text(reason));
 * }
 * }</pre>
 */
public final class LogThrottle {

    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastLineNanos;
    private long sinceLastLine;
    private boolean anyLine;

    /** @param interval the least time between two lines */
    public LogThrottle(Duration interval) {
        this(interval, System::nanoTime);
    }

    LogThrottle(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = checked(interval).toNanos();
        this.clock = nanoClock;
    }

    /** {@code interval}, when positive. */
    static Duration checked(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        return interval;
    }

    /**
     * Counts one occurrence.
     *
     * @return 0 when no line is due now; otherwise the occurrences since the last line, this one
     *     included, for the line about to be logged
     */
    public synchronized long occurred() {
        sinceLastLine++;
        long now = clock.getAsLong();
        if (anyLine && now - lastLineNanos < intervalNanos) {
            return 0;
        }
        anyLine = true;
        lastLineNanos = now;
        long count = sinceLastLine;
        sinceLastLine = 0;
        return count;
    }
}

package org.msight.bench.upload;

import java.util.Arrays;
import org.msight.testkit.LineLogger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * The uploader's logger in the benchmark: it writes no upload lines (as with
 * {@code log-uploads-at = debug}) but times each attempt from its {@code Sending data} line to
 * its {@code Status:} line, which the uploader logs on the same worker thread around the
 * request, and keeps those latencies while recording. Other lines go to stderr.
 */
final class LatencyLog extends LineLogger {

    private final ThreadLocal<long[]> started = ThreadLocal.withInitial(() -> new long[1]);
    private long[] latencies = new long[1 << 16];
    private int count;
    private volatile boolean recording;

    LatencyLog() {
        super("uploader", Level.INFO);
    }

    synchronized void start() {
        count = 0;
        recording = true;
    }

    /** Stops recording; the recorded latencies in nanoseconds, sorted. */
    synchronized long[] stop() {
        recording = false;
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        return sorted;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
            Throwable throwable) {
        if (pattern.startsWith("Sending data")) {
            started.get()[0] = System.nanoTime();
        } else if (pattern.startsWith("Status:")) {
            if (recording) {
                record(System.nanoTime() - started.get()[0]);
            }
        } else if (level.toInt() >= Level.INFO.toInt()) {
            System.err.println(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
        }
    }

    private synchronized void record(long nanos) {
        if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = nanos;
    }
}

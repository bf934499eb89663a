package org.msight.bench.upload;

import java.util.Arrays;
import org.msight.testkit.LineLogger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * The uploader's logger in the benchmark, and the attempts' latencies (from {@code send} to its
 * completion) while recording. Lines at INFO and above go to stderr.
 */
final class LatencyLog extends LineLogger {

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
        if (level.toInt() >= Level.INFO.toInt()) {
            System.err.println(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
        }
    }

    /** Records one attempt's latency, while recording. */
    synchronized void record(long nanos) {
        if (!recording) {
            return;
        }
        if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = nanos;
    }
}

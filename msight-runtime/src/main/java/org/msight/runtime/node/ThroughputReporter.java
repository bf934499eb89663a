package org.msight.runtime.node;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.msight.api.Counter;
import org.msight.runtime.bus.Inbox;
import org.slf4j.Logger;

/**
 * Logs one throughput line per node every interval: messages in and out per second over the
 * interval, the totals of dropped messages and errors, and the node's own counters; and the
 * totals of each node when the pipeline stops.
 */
public final class ThroughputReporter implements AutoCloseable {

    /** What is reported of one node. */
    public record Subject(Logger log, NodeMetrics metrics, Inbox inbox) {
    }

    private final List<Subject> subjects;
    private final Duration interval;
    private final Map<Subject, long[]> previous = new HashMap<>();
    private final ScheduledExecutorService timer = DaemonThreads.scheduler("throughput-reporter");

    public ThroughputReporter(List<Subject> subjects, Duration interval) {
        this.subjects = subjects;
        this.interval = interval;
    }

    public void start() {
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(this::report, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void report() {
        double seconds = interval.toMillis() / 1000.0;
        for (Subject subject : subjects) {
            long in = subject.metrics().in().count();
            long out = subject.metrics().out().count();
            long[] last = previous.getOrDefault(subject, new long[2]);
            previous.put(subject, new long[] {in, out});
            subject.log().info("throughput: {}", counts(subject, String.format(Locale.ROOT, "in %.1f/s, out %.1f/s",
                    (in - last[0]) / seconds, (out - last[1]) / seconds)));
        }
    }

    /** In and out as given, then dropped, malformed, errors and the node's own counters, as totals. */
    private static String counts(Subject subject, String inAndOut) {
        StringBuilder line = new StringBuilder(inAndOut);
        if (subject.inbox() != null) {
            line.append(", dropped ").append(subject.inbox().dropped());
            line.append(", malformed ").append(subject.inbox().malformed());
        }
        line.append(", errors ").append(subject.metrics().errors().count());
        Map<String, Counter> own = new TreeMap<>(subject.metrics().all());
        own.keySet().removeAll(List.of("in", "out", "errors"));
        own.forEach((name, counter) -> line.append(", ").append(name).append(' ').append(counter.count()));
        return line.toString();
    }

    /** Stops the periodic lines and logs each node's totals. */
    @Override
    public void close() {
        timer.shutdownNow();
        for (Subject subject : subjects) {
            subject.log().info("totals: {}", counts(subject, "in " + subject.metrics().in().count() + ", out "
                    + subject.metrics().out().count()));
        }
    }
}

package org.msight.runtime.node;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.msight.api.DaemonThreads;
import org.msight.api.NodeKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one throughput line per node every interval: messages in and out per second over the
 * interval, then the node's other totals ({@link NodeStats#totals()}); and the totals of each
 * node when the pipeline stops. The rates are kept in the node's stats for the HTTP endpoint. A
 * node whose put or process has not returned for longer than an interval (a source's open or
 * poll: six intervals) is said to be stuck, at most once a minute for each call (a node slow at
 * every message too), and once more when it has returned.
 */
public final class ThroughputReporter implements AutoCloseable {

    private static final Duration STUCK_REMINDER = Duration.ofMinutes(1);
    /**
     * A source's open or poll waits up to its connect or read timeout by design (a slow camera's,
     * tens of seconds): it is stuck after this many intervals, a minute at the default interval.
     * A wait its timeouts cannot reach (a FIFO whose writer stalled or went: FFmpeg's read and
     * open of it cannot be interrupted) was otherwise never said.
     */
    private static final int SOURCE_STUCK_INTERVALS = 6;

    private final List<NodeStats> nodes;
    private final Duration interval;
    private final Map<NodeStats, long[]> previous = new HashMap<>();
    /** The nodes said to be stuck, with their call and how long it had been at the latest line about it. */
    private final Map<NodeStats, Said> stuck = new HashMap<>();
    /** When each node was last said to be stuck in each of its calls ({@link System#nanoTime()}). */
    private final Map<Stuck, Long> stuckLineAt = new HashMap<>();
    private final ScheduledExecutorService timer = DaemonThreads.scheduler("throughput-reporter");

    /** @param nodes the stats of each node, their loggers named after them */
    public ThroughputReporter(List<NodeStats> nodes, Duration interval) {
        this.nodes = nodes;
        this.interval = interval;
    }

    public void start() {
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(this::report, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void report() {
        double seconds = interval.toMillis() / 1000.0;
        for (NodeStats node : nodes) {
            long in = node.in().count();
            long out = node.out().count();
            long[] last = previous.getOrDefault(node, new long[2]);
            previous.put(node, new long[] {in, out});
            node.rates((in - last[0]) / seconds, (out - last[1]) / seconds);
            logOf(node).info("throughput: {}", counts(node, String.format(Locale.ROOT, "in %.1f/s, out %.1f/s",
                    node.inRate(), node.outRate())));
            noteStuck(node);
        }
    }

    private void noteStuck(NodeStats node) {
        Duration handling = node.handlingFor();
        String call = node.handlingCall();
        Said said = stuck.get(node);
        long now = System.nanoTime();
        boolean source = node.kind() == NodeKind.SOURCE;
        if (handling.compareTo(source ? interval.multipliedBy(SOURCE_STUCK_INTERVALS) : interval) > 0) {
            Stuck stuckIn = new Stuck(node, call);
            Long last = stuckLineAt.get(stuckIn);
            if (last == null || now - last >= STUCK_REMINDER.toNanos()) {
                stuck.put(node, new Said(call, handling));
                stuckLineAt.put(stuckIn, now);
                logOf(node).warn("stuck: its {} has not returned for {}{}", call,
                        NodeRunner.seconds(handling.toNanos()), source ? "; it publishes nothing until it does: its"
                                + " input may have stalled where the source's own timeouts cannot reach it (a pipe or"
                                + " device that stopped sending)" : " (one message); " + node.queueDepth() + " queued"
                                + " behind it, the oldest dropped when the queue is full");
            }
        } else if (said != null) {
            stuck.remove(node);
            logOf(node).info("its {} returned, after more than {}", said.call(), NodeRunner.seconds(said.handling()
                    .toNanos()));
        }
    }

    /** A node's call (open, poll, put, process). */
    private record Stuck(NodeStats node, String call) {
    }

    /** A call said to be stuck, and how long it had been at the latest line about it. */
    private record Said(String call, Duration handling) {
    }

    /** In and out as given, then the other totals. */
    private static String counts(NodeStats node, String inAndOut) {
        StringBuilder line = new StringBuilder(inAndOut);
        node.totals().forEach((name, total) -> {
            if (!name.equals("in") && !name.equals("out")) {
                line.append(", ").append(name).append(' ').append(total);
            }
        });
        return line.toString();
    }

    /** Stops the periodic lines and logs each node's totals. */
    @Override
    public void close() {
        timer.shutdownNow();
        for (NodeStats node : nodes) {
            logOf(node).info("totals: {}", counts(node, "in " + node.in().count() + ", out "
                    + node.out().count()));
        }
    }

    private static Logger logOf(NodeStats node) {
        return LoggerFactory.getLogger(RuntimeNodeContext.LOGGER_PREFIX + node.node());
    }
}

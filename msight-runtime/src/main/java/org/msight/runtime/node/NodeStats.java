package org.msight.runtime.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.msight.api.Counter;
import org.msight.api.NodeKind;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/**
 * Everything known about one node while it runs: its counts, its queue, its state and last
 * error. The one place they are kept: the throughput line, the Prometheus meters ({@code node}
 * tag) and the {@code /nodes} and {@code /ready} endpoints all read it.
 */
public final class NodeStats {

    /** Where a node is in its lifecycle. */
    public enum State {
        /** Created, not yet opened. */
        STARTING,
        /** Opened and working. */
        RUNNING,
        /** Failing and retrying with backoff. */
        OUTAGE,
        /** A source whose input ended; nothing more to do. */
        FINISHED,
        /** Stopped for good by a failure retrying cannot fix. */
        FAILED,
        /** Stopped at shutdown. */
        STOPPED
    }

    /** Buckets of the frame age histograms: from a few milliseconds to a stalled pipeline. */
    private static final Duration[] AGE_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final String node;
    private final NodeKind kind;
    private final MeterRegistry registry;
    private final Map<String, LongCounter> own = new ConcurrentHashMap<>();
    private final LongCounter in = new LongCounter();
    private final LongCounter out = new LongCounter();
    private final LongCounter dropped = new LongCounter();
    private final LongCounter malformed = new LongCounter();
    private final LongCounter lost = new LongCounter();
    private final LongCounter errors = new LongCounter();
    private final LongCounter restarts = new LongCounter();
    private final Timer ageAtPublish;
    private final Timer ageAtSink;
    private volatile Timer attempts;
    private volatile IntSupplier queueDepth = () -> 0;
    private volatile State state = State.STARTING;
    private volatile boolean opened;
    private volatile Instant outageSince;
    private volatile String lastError;
    private volatile double inRate;
    private volatile double outRate;
    /** {@link System#nanoTime()} when the node's current call began; 0 between calls. */
    private volatile long handlingSince;
    /** The node's current call, or its last: a source's open or poll, a put or a process. */
    private volatile String handlingCall = "";

    public NodeStats(String node, NodeKind kind, MeterRegistry registry) {
        this.node = node;
        this.kind = kind;
        this.registry = registry;
        meter("in", in, "messages a source offered, or a sink or processor received");
        meter("out", out, "messages a source published, a sink handled, or a processor published");
        meter("dropped", dropped, "messages dropped by a full inbox (count or bytes), or for want of memory");
        meter("malformed", malformed, "messages that could not be decoded, skipped");
        meter("lost", lost, "messages the bus could not carry: a source's while disconnected, or refused alone"
                + " (too large)");
        meter("errors", errors, "failures of the node");
        meter("restarts", restarts, "times the node was closed and opened again");
        Gauge.builder("msight.node.queue.depth", this, stats -> stats.queueDepth.getAsInt()).tag("node", node)
                .description("messages waiting in the node's inbox").register(registry);
        Gauge.builder("msight.node.outage", this, stats -> stats.state == State.OUTAGE ? 1 : 0).tag("node", node)
                .description("1 while the node is in an outage").register(registry);
        ageAtPublish = kind.publishes() ? frameAge("publish") : null;
        ageAtSink = kind == NodeKind.SINK ? frameAge("sink") : null;
    }

    private void meter(String name, LongCounter counter, String description) {
        FunctionCounter.builder("msight.node." + name, counter, LongCounter::count).tag("node", node)
                .description(description).register(registry);
    }

    private Timer frameAge(String stage) {
        return Timer.builder("msight.frame.age").tags("node", node, "stage", stage)
                .description("time from capture to " + stage).serviceLevelObjectives(AGE_BUCKETS).register(registry);
    }

    public String node() {
        return node;
    }

    public NodeKind kind() {
        return kind;
    }

    /** Messages a source offered, or a sink or processor received. */
    public Counter in() {
        return in;
    }

    /** Messages a source published, or a sink or processor handled. */
    public Counter out() {
        return out;
    }

    /** Notes that the node's {@code call} begins: a source's open or poll, a put or a process. */
    void handling(String call) {
        handlingCall = call;
        long now = System.nanoTime();
        handlingSince = now == 0 ? 1 : now; // 0 means between calls
    }

    /** Notes that the call under way has returned. */
    void handled() {
        handlingSince = 0;
    }

    /** The call under way ({@link #handlingFor()}), or the last one. */
    public String handlingCall() {
        return handlingCall;
    }

    /** How long the node has been in the call under way, or zero when it is in none. */
    public Duration handlingFor() {
        long since = handlingSince;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
    }

    /** Messages a full inbox dropped. */
    public Counter dropped() {
        return dropped;
    }

    /** Messages the bus could not decode for this node. */
    public Counter malformed() {
        return malformed;
    }

    /** Messages published while the bus could not carry them. */
    public Counter lost() {
        return lost;
    }

    /** Failures: exceptions from the node, messages it could not handle. */
    public Counter errors() {
        return errors;
    }

    /** Times the node was closed after a failure to be opened again. */
    public Counter restarts() {
        return restarts;
    }

    /** A counter of the node's own, made on first use; {@code msight_node_<name>_total} in Prometheus. */
    public Counter counter(String name) {
        return own.computeIfAbsent(name, n -> {
            LongCounter counter = new LongCounter();
            meter(n.replace('-', '.'), counter, "counted by the node");
            return counter;
        });
    }

    /**
     * The totals by name, in the order of the throughput line: in, out, dropped and malformed
     * (nodes that subscribe), errors, restarts, the node's own counters, lost (nodes that publish).
     */
    public Map<String, Long> totals() {
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("in", in.count());
        totals.put("out", out.count());
        if (kind.subscribes()) {
            totals.put("dropped", dropped.count());
            totals.put("malformed", malformed.count());
        }
        totals.put("errors", errors.count());
        totals.put("restarts", restarts.count());
        new TreeMap<>(own).forEach((name, counter) -> totals.putIfAbsent(name, counter.count()));
        if (kind.publishes()) {
            totals.put("lost", lost.count());
        }
        return totals;
    }

    /** Where the number of queued messages is read from (a sink's or processor's inbox). */
    public void queueDepth(IntSupplier depth) {
        this.queueDepth = depth;
    }

    public int queueDepth() {
        return queueDepth.getAsInt();
    }

    /** Notes the age of a message this node published. */
    public void published(SensorData data) {
        record(ageAtPublish, data);
    }

    /** Notes the age of a message this sink handled. */
    public void handled(SensorData data) {
        record(ageAtSink, data);
    }

    private static void record(Timer timer, SensorData data) {
        if (timer != null) {
            double seconds = Metadata.now() - data.metadata().captureTimestamp();
            timer.record(Math.max(0, (long) (seconds * 1e9)), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Notes how long one delivery attempt of an asynchronous sink took, send to outcome (an
     * upload's request and answer); {@code msight_sink_attempt_seconds} in Prometheus.
     */
    public void attemptTook(long nanos) {
        Timer timer = attempts;
        if (timer == null) {
            timer = Timer.builder("msight.sink.attempt").tag("node", node)
                    .description("time of one delivery attempt of an asynchronous sink, from send to its outcome")
                    .serviceLevelObjectives(AGE_BUCKETS).register(registry);
            attempts = timer;
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Messages in per second over the last stats interval. */
    public double inRate() {
        return inRate;
    }

    /** Messages out per second over the last stats interval. */
    public double outRate() {
        return outRate;
    }

    void rates(double in, double out) {
        inRate = in;
        outRate = out;
    }

    public State state() {
        return state;
    }

    /** Whether the node has opened at least once. */
    public boolean opened() {
        return opened;
    }

    /** When the current outage started, to the millisecond, or {@code null}. */
    public Instant outageSince() {
        return outageSince;
    }

    /** The last failure, in one line with credentials masked, or {@code null}. */
    public String lastError() {
        return lastError;
    }

    /** The node opened; it is running unless an outage goes on until it works. */
    synchronized void opened(boolean inOutage) {
        opened = true;
        if (!inOutage) {
            state = State.RUNNING;
        }
    }

    /** The node works (again); a node that has ended stays so. */
    synchronized void running() {
        if (ended()) {
            return;
        }
        outageSince = null;
        state = State.RUNNING;
    }

    /** A failure that is no outage (one message refused): shown as the last error; a node that has ended keeps its own. */
    synchronized void error(String error) {
        if (!ended()) {
            lastError = error;
        }
    }

    /**
     * The node fails and retries; a node that has ended stays so. (Synchronized with its end: an
     * asynchronous sink's deliveries call this and {@link #running} from their own threads.)
     */
    synchronized void outage(String error) {
        if (ended()) {
            return;
        }
        lastError = error;
        if (outageSince == null) {
            outageSince = Instant.now().truncatedTo(ChronoUnit.MILLIS); // as shown: no nanoseconds
        }
        state = State.OUTAGE;
    }

    private boolean ended() {
        State now = state;
        return now == State.FINISHED || now == State.FAILED || now == State.STOPPED;
    }

    synchronized void ended(State end, String error) {
        if (error != null) {
            lastError = error;
        }
        outageSince = null;
        state = end;
    }
}

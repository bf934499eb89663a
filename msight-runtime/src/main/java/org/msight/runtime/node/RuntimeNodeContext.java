package org.msight.runtime.node;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.bus.Bus;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.runtime.config.NodeSpec;
import org.msight.runtime.http.LatestImages;
import org.msight.runtime.plugin.PluginLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The context the runtime hands each node: its settings, logger, counters and publishing. */
public final class RuntimeNodeContext implements NodeContext {

    /** Prefix of node loggers; the log layout shows the rest as the node name. */
    public static final String LOGGER_PREFIX = "msight.node.";

    private final NodeSpec spec;
    private final String deviceName;
    private final Bus bus;
    private final String busDescription;
    private final MsightFormats formats;
    private final NodeStats stats;
    private final Logger logger;
    private final Gap sourceGap;
    private final String publishTopic;
    private final LatestImages latestImages;
    private final CountDownLatch stopping;
    private final int nodesOfType;
    private final LogThrottle busFailureLines = new LogThrottle(Duration.ofMinutes(1));
    /** Whether the node is a processor: its input is kept, not lost, while its bus cannot take its results. */
    private final boolean keepsInput;
    /** Whether a result of the processor's input found its bus unable to take it; see {@link #takeOutputOutage}. */
    private volatile boolean outputOutage;

    /**
     * @param bus the bus of the node's publish topic; {@code null} for sinks
     * @param busDescription how log lines name that bus ({@link org.msight.runtime.bus.Buses#describe})
     * @param latestImages where the latest image of each topic is kept for previews
     * @param stopping counted down once the pipeline is stopping
     * @param nodesOfType how many nodes of the node's type the pipeline runs, the node included
     */
    public RuntimeNodeContext(NodeSpec spec, String deviceName, Bus bus, String busDescription, MsightFormats formats,
            NodeStats stats, LatestImages latestImages, CountDownLatch stopping, int nodesOfType) {
        this.spec = spec;
        this.deviceName = deviceName;
        this.bus = bus;
        this.busDescription = busDescription;
        this.formats = formats;
        this.stats = stats;
        this.logger = LoggerFactory.getLogger(LOGGER_PREFIX + spec.name());
        this.sourceGap = spec.kind() == NodeKind.SOURCE ? new Gap(spec.gap()) : null;
        this.publishTopic = spec.publishTopic().orElse(null);
        this.latestImages = latestImages;
        this.stopping = stopping;
        this.nodesOfType = nodesOfType;
        this.keepsInput = spec.kind() == NodeKind.PROCESSOR;
    }

    @Override
    public String nodeName() {
        return spec.name();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public Optional<String> sensorName() {
        return spec.sensorName();
    }

    @Override
    public Config config() {
        return spec.config();
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public MsightFormats formats() {
        return formats;
    }

    @Override
    public int nodesOfType() {
        return nodesOfType;
    }

    @Override
    public Counter counter(String name) {
        return stats.counter(name);
    }

    @Override
    public boolean pauseUnlessStopping(Duration duration) throws InterruptedException {
        return !stopping.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        if (publishTopic == null) {
            throw new IllegalStateException("node '" + spec.name() + "' is a sink: it has no publish-topic");
        }
        if (sourceGap != null) {
            stats.in().increment();
            if (!sourceGap.admit()) {
                return false;
            }
        }
        if (outputOutage) { // an earlier result of this input was not taken: the input is handled again, whole
            return false;
        }
        try {
            if (!bus.canCarry(publishTopic)) {
                return notCarried();
            }
        } catch (RuntimeException | LinkageError e) {
            return busFailed(e);
        }
        SensorData data = message.get();
        if (data == null) {
            return false;
        }
        try {
            if (!bus.publish(publishTopic, data)) {
                // still able to carry the topic: this message alone was refused (too large, not allowed), lost
                return bus.canCarry(publishTopic) ? lost() : notCarried();
            }
        } catch (RuntimeException | LinkageError e) {
            return busFailed(e);
        }
        stats.out().increment();
        stats.published(data);
        latestImages.offer(publishTopic, data);
        return true;
    }

    /**
     * A message the bus cannot take now, in an outage (disconnected, its buffer or the topic's queue
     * full): a source's is lost, while a processor's input is kept and handled again (see
     * {@link #takeOutputOutage}).
     *
     * @return false: not published
     */
    private boolean notCarried() {
        if (!keepsInput) {
            return lost();
        }
        outputOutage = true;
        return false;
    }

    private boolean lost() {
        stats.lost().increment();
        return false;
    }

    /**
     * Whether a result of the processor's input handled last found its bus unable to take it, in
     * an outage, and if so why, in a line; the runner then keeps the input, unacknowledged, and
     * hands it over again after a backoff. Cleared by the call. Not escaped: the runner's line escapes it.
     *
     * @return {@code null} when every result was taken or refused alone (counted as lost)
     */
    public String takeOutputOutage() {
        if (!outputOutage) {
            return null;
        }
        outputOutage = false;
        String why;
        try {
            why = bus.outage().map(reason -> ": " + reason).orElse("");
        } catch (RuntimeException | LinkageError e) {
            why = "";
        }
        return "its " + busDescription + " cannot take messages on topic '" + publishTopic + "' now"
                + why + "; the input is kept, not acknowledged";
    }

    /**
     * A failure inside the bus's publish: its plugin's (a bug, a class missing from its jar), or the
     * message's data type's as the bus encodes it. The message is lost, said once a minute at most,
     * and the node goes on: a source does not reconnect its camera for it.
     *
     * @return false: not published
     */
    private boolean busFailed(Throwable e) {
        lost();
        long since = busFailureLines.occurred();
        if (since > 0) {
            logger.warn("a message could not be published on topic '{}' (by its {}, or as its data type was"
                    + " encoded): {}{}; it is counted as lost ({} since the last line)", LogSafe.text(publishTopic),
                    busDescription, NodeRunner.describe(e), PluginLoader.advice(e), since);
        }
        return false;
    }
}

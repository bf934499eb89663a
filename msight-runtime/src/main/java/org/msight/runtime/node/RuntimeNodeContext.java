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

/**
 * The context the runtime hands each node: its settings, logger, counters and publishing; for a
 * processor's runner, the {@link InboxRunner.Output} of the inputs it hands over.
 */
public final class RuntimeNodeContext implements NodeContext, InboxRunner.Output {

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
    /**
     * The node's thread while it handles an input ({@link #inputStarted}), whose publishes alone keep
     * the input when the bus cannot take them; {@code null} between inputs. Another thread reads
     * either value, never its own thread: its publishes are a source's.
     */
    private Thread handlingThread;
    /** Whether a result of the input being handled found its bus unable to take it. On the node's thread. */
    private boolean outputOutage;

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
        boolean keepsInput = handlingThread == Thread.currentThread(); // a processor's, in process()
        if (keepsInput && outputOutage) { // an earlier result of this input was not taken: handled again, whole
            return false;
        }
        try {
            if (!bus.canCarry(publishTopic)) {
                return notCarried(keepsInput);
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
                return bus.canCarry(publishTopic) ? lost() : notCarried(keepsInput);
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
     * full): lost, unless published while a processor's input is handled on the node's thread, whose
     * input is then kept and handed over again (see {@link #inputEnded}).
     *
     * @return false: not published
     */
    private boolean notCarried(boolean keepsInput) {
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

    @Override
    public void inputStarted() {
        outputOutage = false;
        handlingThread = Thread.currentThread();
    }

    /** Not escaped: the runner's line escapes it. */
    @Override
    public String inputEnded() {
        handlingThread = null;
        if (!outputOutage) {
            return null;
        }
        String says;
        try {
            says = bus.outage().map(reason -> " (the bus says: " + reason + ")").orElse("");
        } catch (RuntimeException | LinkageError e) {
            says = "";
        }
        return "its " + busDescription + " cannot take messages on topic '" + publishTopic + "' now" + says
                + "; the input is kept, not acknowledged";
    }

    /** Whether the bus can take a message on the publish topic now; not when it fails to say. */
    @Override
    public boolean canTakeResults() {
        try {
            return bus.canCarry(publishTopic);
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
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

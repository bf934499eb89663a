package org.msight.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.NodeProvider;
import org.msight.api.data.DataType;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NodeContext} for running one node without the runtime, in tests and benchmarks.
 *
 * <p>For testing a node's own methods; to test it as it runs (gap, restarts with backoff, the
 * settings checked by the runtime's loader), run it in a pipeline with {@code msight-test-driver}'s
 * {@code PipelineTestDriver}. Its config is the node's HOCON block, resolved (so {@code ${?ENV}}
 * works), over the defaults its plugin's {@code reference.conf} gives under
 * {@code msight.node-types.<type>}; nothing checks it. Every message offered to {@link #publish}
 * is built and kept, in order, unless {@link #publishTo} sends it elsewhere.
 *
 * <p>Names default to {@code test-node}, {@code test-device} and {@code test-sensor}, the logger
 * to {@code msight.node.<node name>}, as the runtime names it. Change them before handing the
 * context to a provider. Safe for nodes that publish and count from several threads.
 */
public final class TestNodeContext implements NodeContext {

    private final Config config;
    private final List<SensorData> published = new ArrayList<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private Consumer<? super SensorData> sink = this::keep;
    private String nodeName = "test-node";
    private String deviceName = "test-device";
    private String sensorName = "test-sensor";
    private int nodesOfType = 1;
    private Logger logger;
    private final CountDownLatch stopping = new CountDownLatch(1);

    private TestNodeContext(Config config) {
        this.config = config;
    }

    /**
     * A context for a node of {@code type} (as in {@code type = rtsp-receiver}) whose block is
     * {@code block}; the plugin's {@code reference.conf} must be on the class path.
     */
    public static TestNodeContext of(String type, String block) {
        Config defaults = ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + "." + type);
        return new TestNodeContext(ConfigFactory.parseString(block).resolve().withFallback(defaults));
    }

    /** Sets the node's name; it also names the default logger. */
    public TestNodeContext withNodeName(String name) {
        this.nodeName = name;
        return this;
    }

    /** Sets the edge device's name. */
    public TestNodeContext withDeviceName(String name) {
        this.deviceName = name;
        return this;
    }

    /** Sets the sensor's name; {@code null} for none, as for sinks. */
    public TestNodeContext withSensorName(String name) {
        this.sensorName = name;
        return this;
    }

    /**
     * Sets how many nodes of the node's type the pipeline runs, as {@link #nodesOfType()} tells; 1
     * unless set.
     *
     * @throws IllegalArgumentException when {@code count} is below 1: the node is one of them
     */
    public TestNodeContext withNodesOfType(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("nodesOfType: at least 1, the node itself; was " + count);
        }
        this.nodesOfType = count;
        return this;
    }

    /** Sets the node's logger, for example a {@link RecordingLogger} for tests that check log lines. */
    public TestNodeContext withLogger(Logger logger) {
        this.logger = logger;
        return this;
    }

    /**
     * Hands each published message to {@code sink} instead of keeping it, for runs too long to
     * keep every message; {@link #published()} then stays empty.
     */
    public TestNodeContext publishTo(Consumer<? super SensorData> sink) {
        this.sink = sink;
        return this;
    }

    /** Stops the pipeline, as far as the node can tell: {@link #pauseUnlessStopping} ends its waits. */
    public void stopPipeline() {
        stopping.countDown();
    }

    @Override
    public boolean pauseUnlessStopping(Duration duration) throws InterruptedException {
        return !stopping.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The messages published so far, in order. */
    public List<SensorData> published() {
        synchronized (published) {
            return List.copyOf(published);
        }
    }

    /** The messages published so far, in order, each checked to be a {@code type}. */
    public <T extends SensorData> List<T> published(Class<T> type) {
        return published().stream().map(type::cast).toList();
    }

    /**
     * Waits until {@code count} messages were published and returns the first {@code count},
     * each checked to be a {@code type}.
     *
     * @throws AssertionError when fewer were published within {@code timeout}
     */
    public <T extends SensorData> List<T> awaitPublished(Class<T> type, int count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (published) {
            while (published.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(String.format("expected %d published messages within %s, got %d",
                            count, timeout, published.size()));
                }
                TimeUnit.NANOSECONDS.timedWait(published, left);
            }
            return published.subList(0, count).stream().map(type::cast).toList();
        }
    }

    /** The total of the node's counter {@code name}; 0 if the node never asked for it. */
    public long count(String name) {
        return counter(name).count();
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public Optional<String> sensorName() {
        return Optional.ofNullable(sensorName);
    }

    @Override
    public int nodesOfType() {
        return nodesOfType;
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Logger logger() {
        return logger != null ? logger : LoggerFactory.getLogger("msight.node." + nodeName);
    }

    /** MSight's formats with the built-in data types and those listed as services on the class path. */
    @Override
    public MsightFormats formats() {
        return Formats.INSTANCE;
    }

    /**
     * Made on first use only, so a plugin whose tests never ask for formats needs nothing but the
     * API and this kit (the plugin starter builds against those two jars alone).
     */
    static final class Formats {
        static final MsightFormats INSTANCE = MsightCodec.withBuiltInTypesAnd(
                ServiceLoader.load(DataType.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new AdderCounter());
    }

    /** Builds the message and publishes it unless it is {@code null} (the runtime publishes no {@code null} either). */
    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        SensorData data = message.get();
        if (data == null) {
            return false;
        }
        sink.accept(data);
        return true;
    }

    private void keep(SensorData message) {
        synchronized (published) {
            published.add(message);
            published.notifyAll();
        }
    }

    /** A counter in memory. */
    static final class AdderCounter implements Counter {
        private final LongAdder total = new LongAdder();

        @Override
        public void increment(long amount) {
            total.add(amount);
        }

        @Override
        public long count() {
            return total.sum();
        }
    }
}

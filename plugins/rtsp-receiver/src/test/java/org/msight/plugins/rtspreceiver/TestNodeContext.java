package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.NodeProvider;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only stand-in for the runtime's node context (until end-to-end tests move onto the real
 * runtime): the node's block over the plugin's reference.conf defaults, gap applied to offers as
 * the runtime does, published images kept in memory.
 */
final class TestNodeContext implements NodeContext {

    private final Config config;
    private final int gap;
    private final AtomicLong offers = new AtomicLong();
    private final List<ImageData> published = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    private TestNodeContext(Config config) {
        this.config = config;
        this.gap = config.getInt("gap");
    }

    /** A context for a node of type rtsp-receiver whose block is {@code hocon}. */
    static TestNodeContext of(String hocon) {
        Config defaults = ConfigFactory.defaultReference()
                .getConfig(NodeProvider.DEFAULTS_PATH + ".rtsp-receiver")
                .withFallback(ConfigFactory.parseString("gap = 0"));
        return new TestNodeContext(ConfigFactory.parseString(hocon).withFallback(defaults).resolve());
    }

    /** Waits until {@code count} images were published, failing after {@code timeout}. */
    List<ImageData> awaitImages(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (published.size() < count) {
            assertThat(System.nanoTime()).as("%d images within %s, got %d", count, timeout, published.size())
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
        return List.copyOf(published).subList(0, count);
    }

    /** Images published so far. */
    List<ImageData> published() {
        return published;
    }

    /** Frames the node offered, published or not. */
    long offers() {
        return offers.get();
    }

    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        if (offers.incrementAndGet() % (gap + 1) != 0) {
            return false;
        }
        published.add((ImageData) message.get());
        return true;
    }

    @Override
    public String nodeName() {
        return "camera";
    }

    @Override
    public String deviceName() {
        return "test-device";
    }

    @Override
    public Optional<String> sensorName() {
        return Optional.of("test-sensor");
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Logger logger() {
        return LoggerFactory.getLogger("node.camera");
    }

    @Override
    public Counter counter(String name) {
        AtomicLong count = counters.computeIfAbsent(name, n -> new AtomicLong());
        return new Counter() {
            @Override
            public void increment(long amount) {
                count.addAndGet(amount);
            }

            @Override
            public long count() {
                return count.get();
            }
        };
    }
}

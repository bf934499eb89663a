package org.msight.plugins.httpuploader;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.NodeProvider;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * What the runtime would hand an http-uploader node: its block (in HOCON, with the plugin's
 * {@code reference.conf} defaults under it and environment substitution), a recording logger
 * and counters.
 */
final class TestContext implements NodeContext {

    private final Config config;
    private final RecordingLogger logger = new RecordingLogger("uploader");
    private final Map<String, SimpleCounter> counters = new ConcurrentHashMap<>();

    TestContext(String hocon) {
        Config defaults = ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".http-uploader");
        this.config = ConfigFactory.parseString(hocon).resolve().withFallback(defaults);
    }

    /** Creates the node through the provider, as the runtime does. */
    HttpUploader createNode() {
        return (HttpUploader) new HttpUploaderProvider().create(this);
    }

    RecordingLogger log() {
        return logger;
    }

    long count(String name) {
        return counter(name).count();
    }

    @Override
    public String nodeName() {
        return "uploader";
    }

    @Override
    public String deviceName() {
        return "edge-01";
    }

    @Override
    public Optional<String> sensorName() {
        return Optional.empty();
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new SimpleCounter());
    }

    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        throw new UnsupportedOperationException("a sink does not publish");
    }

    private static final class SimpleCounter implements Counter {
        private final AtomicLong total = new AtomicLong();

        @Override
        public void increment(long amount) {
            total.addAndGet(amount);
        }

        @Override
        public long count() {
            return total.get();
        }
    }
}

package org.msight.bench.upload;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.NodeProvider;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/** What the runtime hands the uploader, reduced to what the benchmark needs. */
final class BenchContext implements NodeContext {

    private final Config config;
    private final LatencyLog log;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    BenchContext(String hocon, LatencyLog log) {
        this.config = ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".http-uploader"));
        this.log = log;
    }

    @Override
    public String nodeName() {
        return "bench_uploader";
    }

    @Override
    public String deviceName() {
        return "bench";
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
        return log;
    }

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new Counter() {
            private final LongAdder total = new LongAdder();

            @Override
            public void increment(long amount) {
                total.add(amount);
            }

            @Override
            public long count() {
                return total.sum();
            }
        });
    }

    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        throw new UnsupportedOperationException("a sink does not publish");
    }
}

package org.msight.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.Counter;
import org.msight.api.bus.BusContext;
import org.msight.api.data.MsightFormats;

/**
 * A {@link BusContext} for running one bus without the runtime, in tests and benchmarks. Its
 * config is the block {@code msight.<bus name>} of the given HOCON over the defaults of every
 * {@code reference.conf} on the class path, resolved; its logger records every line.
 */
public final class TestBusContext implements BusContext {

    private final Config config;
    private final RecordingLogger logger;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /**
     * @param busName the bus's name, such as {@code kafka}
     * @param block the settings of its block, such as {@code servers = "['127.0.0.1:9092']"}
     */
    public TestBusContext(String busName, String block) {
        this.config = ConfigFactory.parseString("msight." + busName + " {\n" + block + "\n}")
                .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("msight." + busName);
        this.logger = new RecordingLogger("msight.bus." + busName);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public String deviceName() {
        return "test-device";
    }

    /** MSight's formats with the built-in data types and those listed as services on the class path. */
    @Override
    public MsightFormats formats() {
        return TestNodeContext.FORMATS;
    }

    /** Every line the bus logged. */
    @Override
    public RecordingLogger logger() {
        return logger;
    }

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new TestNodeContext.AdderCounter());
    }

    /** The total of the bus's counter {@code name}; 0 if it never asked for it. */
    public long count(String name) {
        return counter(name).count();
    }
}

package org.msight.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.Counter;
import org.msight.api.bus.BusContext;
import org.msight.api.data.MsightFormats;
import org.slf4j.Logger;

/**
 * A {@link BusContext} for testing a bus plugin without the runtime: its block over the plugin's
 * defaults, MSight's formats, a {@link RecordingLogger}, and counters readable by name. The test
 * publishes on the bus ({@link #publishes()}) unless it made the context {@link #subscribeOnly()}.
 */
public final class TestBusContext implements BusContext {

    private final Config config;
    private final RecordingLogger logger;
    private final boolean publishes;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private TestBusContext(Config config, RecordingLogger logger, boolean publishes) {
        this.config = config;
        this.logger = logger;
        this.publishes = publishes;
    }

    /**
     * A context for the bus {@code name} (as in {@code msight.bus = nats}) whose block is
     * {@code block}; the plugin's {@code reference.conf} must be on the class path.
     */
    public static TestBusContext of(String name, String block) {
        Config reference = ConfigFactory.defaultReference();
        Config defaults = reference.hasPath("msight." + name) ? reference.getConfig("msight." + name)
                : ConfigFactory.empty(); // a bus without settings, such as memory
        return new TestBusContext(ConfigFactory.parseString(block).resolve().withFallback(defaults),
                new RecordingLogger("bus-" + name), true);
    }

    /** This context for a process none of whose nodes publishes on the bus, such as an uploader's alone. */
    public TestBusContext subscribeOnly() {
        return new TestBusContext(config, logger, false);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public String deviceName() {
        return "test-device";
    }

    @Override
    public MsightFormats formats() {
        return TestNodeContext.Formats.INSTANCE;
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public boolean publishes() {
        return publishes;
    }

    /** The bus's logger, with every line it logged. */
    public RecordingLogger log() {
        return logger;
    }

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new TestNodeContext.AdderCounter());
    }

    /** A counter's total; 0 when the bus never made it. */
    public long count(String name) {
        Counter counter = counters.get(name);
        return counter == null ? 0 : counter.count();
    }
}

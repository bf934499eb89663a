package org.msight.runtime.bus;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.Subscription;
import org.msight.api.data.MsightFormats;
import org.msight.runtime.config.BusSpec;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.NodeSpec;
import org.msight.runtime.config.PipelineSpec;
import org.msight.runtime.node.LongCounter;
import org.msight.runtime.node.NodeRunner;
import org.msight.runtime.plugin.PluginLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buses of one pipeline, one per bus name its topics use, and which topic is on which. Each
 * bus is created and started with its plugin's class loader as the thread's context loader.
 */
public final class Buses {

    /** Prefix of bus loggers, followed by the bus name. */
    public static final String LOGGER_PREFIX = "msight.bus.";
    /**
     * How long a bus may take to close at the stop: Kafka's and NATS's take 8 s at
     * most; with the nodes' stop, within the systemd unit's TimeoutStopSec=45.
     */
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(10);

    private final PipelineSpec spec;
    private final Map<String, Bus> byName;

    private Buses(PipelineSpec spec, Map<String, Bus> byName) {
        this.spec = spec;
        this.byName = byName;
    }

    /**
     * Creates every bus of {@code spec} that takes its settings; nothing connects yet.
     *
     * @param problems where each bus that rejects its settings is told, so the nodes' problems can
     *     be found in the same round; the caller closes the buses made and reports them all
     */
    public static Buses create(PipelineSpec spec, MsightFormats formats, MeterRegistry meters,
            List<ConfigProblem> problems) {
        Map<String, Bus> buses = new LinkedHashMap<>();
        for (BusSpec bus : spec.buses().values()) {
            Context context = new Context(bus, spec.deviceName(), formats, meters, publishesOn(spec, bus.name()),
                    new ConcurrentHashMap<>());
            try {
                buses.put(bus.name(), withLoaderOf(bus, () -> bus.type().provider().create(context)));
            } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
                problems.add(problem(spec.file(), bus, e.getMessage()));
            } catch (RuntimeException | LinkageError e) { // a plugin's bug, not the file's: still one line
                problems.add(problem(spec.file(), bus, "bus '" + bus.name() + "' (" + bus.type().plugin()
                        + ") failed to create the bus: " + failure(e)));
            }
        }
        return new Buses(spec, buses);
    }

    /** Whether a node of {@code spec} publishes on the bus named {@code bus} ({@link BusContext#publishes()}). */
    private static boolean publishesOn(PipelineSpec spec, String bus) {
        return spec.nodes().stream().flatMap(node -> node.publishTopic().stream())
                .anyMatch(topic -> bus.equals(spec.topicBuses().get(topic)));
    }

    /** The bus that carries {@code topic}. */
    public Bus of(String topic) {
        return byName.get(spec.topicBuses().get(topic));
    }

    /**
     * What the bus of each topic of {@code node} finds wrong with the topic's name
     * ({@link Bus#checkTopic}), each problem starting with the node's key that names the topic; a
     * topic on a bus that refused its settings is not checked (that bus's problem is reported).
     */
    public List<String> topicProblems(NodeSpec node) {
        List<String> problems = new ArrayList<>();
        node.publishTopic().flatMap(this::topicProblem).ifPresent(p -> problems.add("publish-topic: " + p));
        node.subscribeTopic().flatMap(this::topicProblem).ifPresent(p -> problems.add("subscribe-topic: " + p));
        return problems;
    }

    private Optional<String> topicProblem(String topic) {
        Bus bus = of(topic);
        if (bus == null) {
            return Optional.empty();
        }
        try {
            withLoaderOf(specOf(topic), () -> {
                bus.checkTopic(topic);
                return null;
            });
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        } catch (RuntimeException | LinkageError e) { // a plugin's bug: still the file's one line
            return Optional.of("the " + describe(topic) + " failed to check the topic: " + failure(e));
        }
    }

    /** How log lines name the bus that carries {@code topic}: its name, then its plugin in brackets. */
    public String describe(String topic) {
        BusSpec bus = specOf(topic);
        return "bus '" + bus.name() + "' (" + bus.type().plugin() + ")";
    }

    /** The settings of the bus that carries {@code topic}. */
    private BusSpec specOf(String topic) {
        return spec.buses().get(spec.topicBuses().get(topic));
    }

    /** Whether the connections of the bus named {@code bus} work now ({@link Bus#connected()}). */
    public boolean connected(String bus) {
        Bus named = byName.get(bus);
        return named != null && named.connected();
    }

    /** Why the bus named {@code bus} is not connected, if it says ({@link Bus#outage()}). */
    public Optional<String> outage(String bus) {
        Bus named = byName.get(bus);
        return named == null ? Optional.empty() : named.outage();
    }

    /** Subscribes on the bus of the subscription's topic; none on a bus that refused its settings (reported). */
    public void subscribe(Subscription subscription) {
        Bus bus = of(subscription.topic());
        if (bus != null) {
            bus.subscribe(subscription);
        }
    }

    /**
     * Ends a subscription on the bus of its topic, because its node stopped for good; a bus that
     * fails to is logged, and what it still delivers is dropped and counted.
     */
    public void unsubscribe(Subscription subscription) {
        String name = spec.topicBuses().get(subscription.topic());
        try {
            withLoaderOf(spec.buses().get(name), () -> {
                byName.get(name).unsubscribe(subscription);
                return null;
            });
        } catch (RuntimeException | LinkageError e) { // a plugin's bug: the node's stop goes on
            LoggerFactory.getLogger(LOGGER_PREFIX + name).warn("ending node {}'s subscription to topic '{}' failed: {}",
                    subscription.nodeName(), LogSafe.text(subscription.topic()), LogSafe.text(e));
        }
    }

    /**
     * Starts every bus.
     *
     * @throws BusStartException when a server refuses a bus's settings, a bus finds one it cannot
     *     use only now, or its plugin fails (a bug, a class missing from its jar): a one-line message
     */
    public void start() {
        for (Map.Entry<String, Bus> bus : byName.entrySet()) {
            BusSpec busSpec = spec.buses().get(bus.getKey());
            try {
                withLoaderOf(busSpec, () -> {
                    bus.getValue().start();
                    return null;
                });
            } catch (IllegalStateException e) {
                throw new BusStartException(bus.getKey(), e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new BusStartException(problem(spec.file(), busSpec, e.getMessage()));
            } catch (RuntimeException | LinkageError e) {
                throw new BusStartException(bus.getKey(), "failed to start (plugin " + busSpec.type().plugin() + "): "
                        + failure(e));
            }
        }
    }

    /**
     * Closes every bus at once, all within {@link #CLOSE_LIMIT}: the stop goes on past a bus that
     * takes longer (its close goes on meanwhile, on a daemon thread) or fails, said.
     *
     * @return whether every bus closed in time
     */
    public boolean close() {
        Map<String, Thread> closing = new LinkedHashMap<>();
        byName.forEach((name, bus) -> closing.put(name, DaemonThreads.start("bus-close-" + name, () -> {
            try {
                bus.close();
            } catch (RuntimeException | LinkageError e) { // a plugin's bug, or a class it misses
                LoggerFactory.getLogger(LOGGER_PREFIX + name).warn("close failed: {}", LogSafe.text(e));
            }
        })));
        long deadline = System.nanoTime() + CLOSE_LIMIT.toNanos();
        boolean interrupted = false;
        boolean inTime = true;
        for (Map.Entry<String, Thread> bus : closing.entrySet()) {
            try {
                if (!interrupted) {
                    bus.getValue().join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true; // no more waiting
            }
            if (bus.getValue().isAlive()) {
                String waited = interrupted ? "(the stop was interrupted)" : "within " + Setting.written(CLOSE_LIMIT);
                LoggerFactory.getLogger(LOGGER_PREFIX + bus.getKey()).warn(
                        "bus '{}' did not close {}; the stop goes on", bus.getKey(), waited);
                inTime = false;
            }
        }
        return inTime;
    }

    /** A plugin's failure in one line, with what to do when the runtime knows. */
    private static String failure(Throwable e) {
        return NodeRunner.describe(e) + PluginLoader.advice(e);
    }

    /** A bus's problem with its settings, at the line of the key it names (see {@link ConfigProblem#reported}). */
    private static ConfigProblem problem(String file, BusSpec bus, String message) {
        return ConfigProblem.reported(bus.config(), "msight." + bus.name(), file, message);
    }

    private static <T> T withLoaderOf(BusSpec bus, Callable<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(bus.type().classLoader());
        try {
            return action.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * What a bus gets from the runtime.
     *
     * @param counters the bus's own, by name: one for each name however often it is asked for
     *     (Micrometer keeps the meter registered first, so a second counter of a name went unread)
     */
    private record Context(BusSpec bus, String deviceName, MsightFormats formats, MeterRegistry meters,
            boolean publishes, Map<String, Counter> counters) implements BusContext {

        @Override
        public Config config() {
            return bus.config();
        }

        @Override
        public Logger logger() {
            return LoggerFactory.getLogger(LOGGER_PREFIX + bus.name());
        }

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> {
                LongCounter counter = new LongCounter();
                FunctionCounter.builder("msight.bus." + n, counter, LongCounter::count).tag("bus", bus.name())
                        .description("counted by the bus").register(meters);
                return counter;
            });
        }
    }
}

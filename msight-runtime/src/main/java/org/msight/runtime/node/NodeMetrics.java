package org.msight.runtime.node;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.Counter;

/**
 * The counts of one node, kept in Micrometer with the tag {@code node=<name>}: messages in
 * (received, or offered by a source), out (handled or published), dropped, errors, plus the
 * node's own counters.
 */
public final class NodeMetrics {

    private final String node;
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Counter in;
    private final Counter out;
    private final Counter errors;

    public NodeMetrics(String node, MeterRegistry registry) {
        this.node = node;
        this.registry = registry;
        this.in = counter("in");
        this.out = counter("out");
        this.errors = counter("errors");
    }

    /** Messages a source offered, or a sink or processor received. */
    public Counter in() {
        return in;
    }

    /** Messages a source published, or a sink or processor handled. */
    public Counter out() {
        return out;
    }

    /** Failures: exceptions from the node, messages it could not handle. */
    public Counter errors() {
        return errors;
    }

    /** A counter by name, made on first use. */
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new MicrometerCounter(
                io.micrometer.core.instrument.Counter.builder("msight.node." + n).tag("node", node).register(registry)));
    }

    /** Every counter by name, the built-in ones included. */
    public Map<String, Counter> all() {
        return Map.copyOf(counters);
    }

    /** A Micrometer counter seen as the API's {@link Counter}. */
    public record MicrometerCounter(io.micrometer.core.instrument.Counter meter) implements Counter {

        @Override
        public void increment(long amount) {
            meter.increment(amount);
        }

        @Override
        public long count() {
            return (long) meter.count();
        }
    }
}

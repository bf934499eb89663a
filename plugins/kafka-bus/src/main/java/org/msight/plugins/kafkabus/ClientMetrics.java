package org.msight.plugins.kafkabus;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** Finds one of a Kafka client's own metrics, which say what its background threads see. */
final class ClientMetrics {

    private ClientMetrics() {
    }

    /** The metric {@code name} of {@code group} among a client's {@code metrics()}, if it has one. */
    static Optional<Metric> find(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        return metrics.entrySet().stream()
                .filter(metric -> metric.getKey().group().equals(group) && metric.getKey().name().equals(name))
                .<Metric>map(Map.Entry::getValue).findFirst();
    }
}

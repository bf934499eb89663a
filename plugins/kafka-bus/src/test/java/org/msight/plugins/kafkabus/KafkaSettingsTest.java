package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.testkit.TestBusContext;

/** The client properties the bus's settings make. */
class KafkaSettingsTest {

    /**
     * A member giving up partitions waits for its node inside poll(), up to revoke-timeout (at most
     * an hour): Kafka puts a member that has not polled for max.poll.interval.ms (5 min by default)
     * out of its group, and refuses the commit of what its node finished.
     */
    @Test
    void aRevokeTimeoutPastFiveMinutesLengthensThePollInterval() {
        assertThat(consumer("revoke-timeout = 10m").get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG))
                .isEqualTo(11 * 60_000);
        assertThat(consumer("").get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)).as("Kafka's default kept")
                .isEqualTo(5 * 60_000);
        assertThat(consumer("revoke-timeout = 10m, properties { \"max.poll.interval.ms\" = 900000 }")
                .get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)).as("the user's own").isEqualTo("900000");
    }

    /**
     * Without the idempotent producer (acks 1 or 0), a batch retried after a later one was sent
     * lands after it: with one request in flight, each partition's messages keep their order.
     */
    @ParameterizedTest
    @CsvSource({"1, 1", "0, 1", "all, "})
    void withoutAcksFromAllOneRequestIsInFlightSoThatRetriesKeepTheOrder(String acks, Integer inFlight) {
        assertThat(KafkaSettings.from(TestBusContext.of("kafka", "acks = \"" + acks + "\"").config())
                .producerProperties("p").get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)).isEqualTo(inFlight);
    }

    /** Kafka's own reset would skip, unsaid, what a topic deleted before the group consumed it. */
    @Test
    void theConsumersResetNothingThemselvesAndAResetPropertyIsRefused() {
        assertThat(consumer("start-position = latest").get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)).isEqualTo("none");
        assertThatThrownBy(() -> consumer("properties { \"auto.offset.reset\" = earliest }"))
                .hasMessageContaining("properties.\"auto.offset.reset\": the bus places its consumers itself, saying"
                        + " what a topic deleted before its group consumed it: set start-position instead");
    }

    /**
     * Properties the bus's own work rests on are refused, naming what to set instead: a group.id
     * made all nodes one group, enable.auto.commit gave up at least once, and a buffer.memory smaller
     * than buffer-size kept the bus "not connected" after its buffer first filled.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "group.id = shared | each subscribing node is a member of its own group: set the node's group-id instead",
        "enable.auto.commit = true | the bus commits a message once its node is done with it (at least once); the"
                + " client's own commits would skip what was fetched but not handled",
        "buffer.memory = 8388608 | the bus hands messages over only while they fit in it: set buffer-size instead",
        "batch.size = 1000000 | the bus sizes batches from buffer-size and max-request-size, and hands messages over"
                + " only while a batch fits: set those instead",
        "session.timeout.ms = 3000 | the bus times its members' heartbeats from it, and names it when the brokers"
                + " refuse it: set session-timeout instead"})
    void aPropertyTheBusSetsItselfIsRefusedWithWhatToSetInstead(String property, String why) {
        String[] nameAndValue = property.split(" = ");
        assertThatThrownBy(() -> consumer("properties { \"" + nameAndValue[0] + "\" = " + nameAndValue[1] + " }"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("properties.\"" + nameAndValue[0] + "\": " + why);
    }

    /**
     * The fetches take 4 times max-request-size: from 512MiB on, that overflowed an int, and the start
     * failed on a negative fetch.max.bytes, a property the user never set, while --check passed. Up to
     * the largest max-request-size, 1GiB, the clients take their properties.
     */
    @ParameterizedTest
    @CsvSource({"1MiB, 4194304", "512MiB, 2147483647", "1GiB, 2147483647"})
    void theFetchOfALargeMaxRequestSizeIsCutToWhatKafkaTakes(String maxRequestSize, int fetchMaxBytes) {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "max-request-size = " + maxRequestSize)
                .config());
        java.util.Map<String, Object> consumer = new java.util.HashMap<>(settings.consumerProperties("c", "g"));
        assertThat(consumer.get(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)).isEqualTo(fetchMaxBytes);
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        assertThatCode(() -> new ConsumerConfig(consumer)).doesNotThrowAnyException();
        java.util.Map<String, Object> producer = new java.util.HashMap<>(settings.producerProperties("p"));
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        assertThatCode(() -> new ProducerConfig(producer)).doesNotThrowAnyException();
    }

    /** A max-request-size past 1GiB is refused at its key, by --check too: Kafka's properties are ints. */
    @Test
    void aMaxRequestSizePastOneGibibyteIsRefusedAtItsKey() {
        assertThatThrownBy(() -> load("2GiB")).isInstanceOf(PipelineConfigException.class)
                .hasMessage("test:1: msight.kafka.max-request-size: must be a size of at most 1GiB, not '2GiB'");
        assertThatCode(() -> load("1GiB")).doesNotThrowAnyException();
    }

    /**
     * Each class a class-list property names is loaded as the bus is made, so by --check: Kafka's
     * definitions take any list, and the clients refused one naming no class only at start (a
     * strategy written as librdkafka's, "range", stopped the pipeline after --check passed).
     */
    @ParameterizedTest
    @CsvSource({"partition.assignment.strategy, range, range",
        "interceptor.classes, no.Such, no.Such",
        "metric.reporters, '\"org.apache.kafka.common.metrics.JmxReporter, no.Such\"', no.Such"})
    void aClassListPropertyNamingNoClassIsRefusedAtItsKey(String name, String value, String missing) {
        assertThatThrownBy(() -> consumer("properties { \"" + name + "\" = " + value + " }"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("properties.\"" + name + "\": class '"
                        + missing + "' cannot be loaded (not found): each of its values is a class name");
    }

    /**
     * The class-list properties are found in Kafka's definitions; classes they name that load
     * pass, and one that does not is a problem at its line, as the pipeline is made (--check).
     */
    @Test
    void classListPropertiesAreFoundAndAClassThatDoesNotLoadIsAProblemAtItsLine() {
        assertThat(KafkaSettings.classLists()).containsExactlyInAnyOrder(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
                ConsumerConfig.METRIC_REPORTER_CLASSES_CONFIG);
        assertThatCode(() -> consumer("properties { \"partition.assignment.strategy\" = \""
                + "org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.StickyAssignor\""
                + ", \"metric.reporters\" = org.apache.kafka.common.metrics.JmxReporter }"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", ConfigFactory.parseString("msight {"
                + " bus = kafka, registry.enabled = false,\nkafka.properties { \"interceptor.classes\" = no.Such } }"
                + ", nodes.out { type = test-topic-listener, subscribe-topic = t, listener = none }")).create())
                .isInstanceOf(PipelineConfigException.class).satisfies(e -> assertThat(e.getMessage().lines())
                        .contains("test:2: msight.kafka.properties.\"interceptor.classes\": class 'no.Such' cannot be"
                                + " loaded (not found): each of its values is a class name"));
    }

    private static void load(String maxRequestSize) throws Exception {
        new PipelineFactory(List.of()).load("test", ConfigFactory.parseString("msight { bus = kafka, kafka {"
                + " max-request-size = " + maxRequestSize + " } }, nodes.out { type = test-topic-listener,"
                + " subscribe-topic = t, listener = none }"));
    }

    private static java.util.Map<String, Object> consumer(String settings) {
        return KafkaSettings.from(TestBusContext.of("kafka", settings).config()).consumerProperties("c", "g");
    }
}

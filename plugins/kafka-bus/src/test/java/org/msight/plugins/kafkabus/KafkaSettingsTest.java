package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    private static java.util.Map<String, Object> consumer(String settings) {
        return KafkaSettings.from(TestBusContext.of("kafka", settings).config()).consumerProperties("c", "g");
    }
}

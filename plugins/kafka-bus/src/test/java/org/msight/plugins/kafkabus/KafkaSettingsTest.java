package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.msight.testkit.TestBusContext;

/** The consumer's properties the bus's settings make. */
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

    private static java.util.Map<String, Object> consumer(String settings) {
        return KafkaSettings.from(TestBusContext.of("kafka", settings).config()).consumerProperties("c", "g");
    }
}

package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.msight.api.Counter;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestBusContext;
import org.slf4j.event.Level;

class OutageTest {

    @Test
    void anOutageIsLoggedWhenItStartsAndEndsAndItsEndCountsAReconnect() {
        RecordingLogger log = new RecordingLogger("kafka");
        Counter reconnects = TestBusContext.of("kafka", "").counter("reconnects");
        Outage outage = new Outage(log, "Publishing to Kafka at [127.0.0.1:9092]", reconnects);

        outage.up();
        outage.down("broker away");
        outage.down("still away");
        assertThat(reconnects.count()).as("not before the outage ends").isZero();
        outage.up();
        outage.up();

        assertThat(reconnects.count()).isOne();
        assertThat(log.messages(Level.WARN)).containsExactly(
                "Publishing to Kafka at [127.0.0.1:9092] fails: broker away; retrying");
        assertThat(log.messages(Level.INFO)).singleElement().asString()
                .matches("Publishing to Kafka at \\[127\\.0\\.0\\.1:9092] works again after [0-9]+\\.[0-9] s");
    }
}

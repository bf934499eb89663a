package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Bus;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;

/** SASL PLAIN against a real broker that requires it: the login works, a wrong one is one line, no password is logged. */
class KafkaBusSaslTest {

    private static final String PASSWORD = "s3cret-kafka-pw";
    private static KafkaTestServer broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaTestServer.withSaslPlain("alice", PASSWORD).start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static TestBusContext context(String password) {
        return TestBusContext.of("kafka", "servers = \"['" + broker.saslBootstrapServers() + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n"
                + "sasl { mechanism = PLAIN, username = alice, password = \"" + password + "\" }");
    }

    @Test
    void aPlainLoginCarriesMessagesAndItsPasswordIsNeverLogged() {
        String topic = "t-" + UUID.randomUUID();
        TestBusContext context = context(PASSWORD);
        TestReceiver receiver = TestReceiver.handling();
        Bus bus = new KafkaBusProvider().create(context);
        try {
            bus.subscribe(new Subscription(topic, "uploader", Optional.empty(), receiver));
            bus.start();
            assertThat(bus.publish(topic, new BytesData(Metadata.create("cam", "edge-01", Metadata.now()),
                    new byte[] {1, 2, 3}))).isTrue();
            await().atMost(Waits.GENEROUS.multipliedBy(2)).until(() -> receiver.handled().size() == 1);
        } finally {
            bus.close();
        }
        assertThat(context.log().all()).contains("SASL PLAIN as alice").doesNotContain(PASSWORD);
    }

    @Test
    void aWrongPasswordIsOneLineNamingTheSettingsWithoutThePassword() {
        Bus bus = new KafkaBusProvider().create(context("wrong-pw"));
        try {
            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the SASL login").hasMessageContaining("MSIGHT_KAFKA_SASL_PASSWORD")
                    .hasMessageNotContaining("wrong-pw").hasMessageNotContaining("\n");
        } finally {
            bus.close();
        }
    }
}

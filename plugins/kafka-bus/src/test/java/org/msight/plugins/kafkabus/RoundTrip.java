package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Optional;
import java.util.UUID;
import org.msight.api.bus.Bus;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;

/** One message through a kafka bus and back, for the tests of how a bus reaches its brokers. */
final class RoundTrip {

    private RoundTrip() {
    }

    /** Starts a bus of {@code context} subscribed to a new topic, publishes one message and waits until it is handled. */
    static void carriesAMessage(TestBusContext context) {
        String topic = "t-" + UUID.randomUUID();
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
    }
}

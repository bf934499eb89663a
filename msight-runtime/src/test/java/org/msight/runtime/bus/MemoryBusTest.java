package org.msight.runtime.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;

class MemoryBusTest {

    private static BytesData message(long frame) {
        return new BytesData(new Metadata("s", 1, 1, frame, "d"), new byte[] {1, 2, 3});
    }

    @Test
    void anEndedSubscriptionGetsNothingMoreAndTheOthersOnItsTopicGoOn() {
        MemoryBus bus = new MemoryBus();
        Inbox stopped = new Inbox(10);
        Inbox running = new Inbox(10);
        Subscription ended = new Subscription("t", "stopped", Optional.empty(), stopped);
        bus.subscribe(ended);
        bus.subscribe(new Subscription("t", "running", Optional.empty(), running));
        bus.start();
        assertThat(bus.publish("t", message(1))).isTrue();

        bus.unsubscribe(ended);
        assertThat(bus.publish("t", message(2))).isTrue();

        assertThat(stopped.size()).isOne();
        assertThat(running.size()).isEqualTo(2);
        assertThat(stopped.dropped()).isZero();
    }

    @Test
    void aTopicWhoseLastSubscriptionEndedTakesMessagesForNobody() {
        MemoryBus bus = new MemoryBus();
        Inbox inbox = new Inbox(10);
        Subscription only = new Subscription("t", "only", Optional.empty(), inbox);
        bus.subscribe(only);
        bus.start();
        bus.unsubscribe(only);

        assertThat(bus.publish("t", message(1))).isTrue();
        assertThat(inbox.size()).isZero();
    }
}

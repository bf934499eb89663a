package org.msight.runtime.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Delivery;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

class InboxTest {

    private final List<Integer> done = new CopyOnWriteArrayList<>();

    /** A delivery of message {@code n} that notes when it is done. */
    private Delivery message(int n) {
        return new Delivery() {
            @Override
            protected SensorData decode() {
                return new BytesData(Metadata.create("s", "d", n), new byte[] {(byte) n});
            }

            @Override
            public void done() {
                done.add(n);
            }
        };
    }

    private static byte[] next(Inbox inbox) throws InterruptedException {
        return ((BytesData) inbox.poll(0, TimeUnit.MILLISECONDS).data()).data();
    }

    @Test
    void aFullInboxDropsItsOldestCountsItAndFinishesIt() throws Exception {
        Inbox inbox = new Inbox(3);
        for (int n = 1; n <= 5; n++) {
            inbox.deliver(message(n));
        }
        assertThat(inbox.dropped()).isEqualTo(2);
        assertThat(done).containsExactly(1, 2);
        assertThat(inbox.size()).isEqualTo(3);
        assertThat(inbox.remainingCapacity()).isZero();
        assertThat(next(inbox)).containsExactly(3);
        assertThat(inbox.remainingCapacity()).isOne();
        assertThat(next(inbox)).containsExactly(4);
        assertThat(next(inbox)).containsExactly(5);
        assertThat(inbox.poll(10, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aClosedInboxKeepsWhatItHasDropsWhatComesLaterAndClearsWhatIsLeft() throws Exception {
        Inbox inbox = new Inbox(3);
        inbox.deliver(message(1));
        inbox.deliver(message(2));
        inbox.close();
        inbox.deliver(message(3));
        assertThat(inbox.dropped()).isEqualTo(1);
        assertThat(done).as("what the stopped node never had is not done: an at-least-once bus delivers it again")
                .isEmpty();
        assertThat(inbox.remainingCapacity()).isZero();
        assertThat(next(inbox)).containsExactly(1);
        assertThat(inbox.clear()).isOne();
        assertThat(done).as("what is left is not done either").isEmpty();
        assertThat(inbox.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }
}

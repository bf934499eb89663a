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
import org.msight.runtime.node.LongCounter;

class InboxTest {

    private final List<Integer> done = new CopyOnWriteArrayList<>();

    /** A delivery of message {@code n} that notes when it is done. */
    private Delivery message(int n) {
        return message(n, 0);
    }

    /** A delivery of message {@code n}, of {@code size} bytes on the bus, that notes when it is done. */
    private Delivery message(int n, long size) {
        return message(n, size, false);
    }

    /**
     * A delivery of message {@code n}, of {@code size} bytes on the bus, that notes when it is done;
     * {@code redelivered}: its bus delivers it again unless it is done.
     */
    private Delivery message(int n, long size, boolean redelivered) {
        return new Delivery(size) {
            @Override
            protected SensorData decode() {
                return new BytesData(Metadata.create("s", "d", n), new byte[] {(byte) n});
            }

            @Override
            public void done() {
                done.add(n);
            }

            @Override
            public boolean redeliveredUnlessDone() {
                return redelivered;
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
    void anInboxAtItsBytesDropsItsOldestAsWhenFullAndALargerMessageStillFlows() throws Exception {
        Inbox inbox = new Inbox(10, 100, new LongCounter(), new LongCounter());
        inbox.deliver(message(1, 40));
        inbox.deliver(message(2, 40));
        assertThat(inbox.remainingCapacity()).isEqualTo(8);
        inbox.deliver(message(3, 40));
        assertThat(done).as("80 bytes were under 100: taken without a drop").isEmpty();
        assertThat(inbox.remainingCapacity()).as("its bytes are over the budget").isZero();
        inbox.deliver(message(4, 20));
        assertThat(done).as("120 bytes before it: the oldest goes, until those before it are under 100")
                .containsExactly(1);
        assertThat(inbox.dropped()).isOne();
        assertThat(inbox.size()).isEqualTo(3);
        assertThat(next(inbox)).containsExactly(2);
        assertThat(inbox.remainingCapacity()).as("taken messages free their bytes").isEqualTo(8);

        inbox.deliver(message(5, 250));
        assertThat(done).as("larger than the budget, come while there was room").containsExactly(1);
        inbox.deliver(message(6, 10));
        assertThat(done).containsExactly(1, 3, 4, 5);
        assertThat(inbox.dropped()).isEqualTo(4);
        assertThat(next(inbox)).containsExactly(6);
        assertThat(inbox.remainingCapacity()).isEqualTo(10);
    }

    /**
     * A bus that promises delivery (kafka) hands over a message only while remainingCapacity() is
     * above 0, so the queue must then take it without dropping one it was given: a dropped one is
     * done, and the bus would commit a message its node never had. The budget is reached, not
     * passed, before the bus stops: the queue holds at most its budget and the message last come.
     */
    @Test
    void aBusThatDeliversOnlyWhileThereIsRoomHasNothingDroppedByBytes() throws Exception {
        Inbox inbox = new Inbox(10, 100, new LongCounter(), new LongCounter());
        int n = 0;
        while (inbox.remainingCapacity() > 0 && n < 10) {
            inbox.deliver(message(++n, 40));
        }
        assertThat(n).as("40, 80, then 120 bytes: no room left").isEqualTo(3);
        assertThat(inbox.dropped()).isZero();
        assertThat(done).isEmpty();
        assertThat(next(inbox)).containsExactly(1);
        assertThat(inbox.remainingCapacity()).as("80 bytes").isEqualTo(8);
        inbox.deliver(message(++n, 250));
        assertThat(inbox.dropped()).as("a message larger than the budget, come while there was room").isZero();
        assertThat(inbox.remainingCapacity()).isZero();
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
        assertThat(inbox.clear()).isEqualTo(new Inbox.Left(1, 0));
        assertThat(done).as("what is left is not done either").isEmpty();
        assertThat(inbox.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }

    /**
     * What its bus delivers again is not lost at a stop: refused once the inbox is closed, it is not
     * counted as dropped, and it is left, as what is cleared; what does not come again is dropped and lost.
     */
    @Test
    void whatItsBusDeliversAgainIsLeftAtAStopNotDroppedNorLost() throws Exception {
        Inbox inbox = new Inbox(3);
        inbox.deliver(message(1, 0, true));
        inbox.deliver(message(2, 0, true));
        inbox.deliver(message(3, 0, false));
        inbox.close();
        inbox.deliver(message(4, 0, true));
        inbox.deliver(message(5, 0, false));
        assertThat(inbox.dropped()).as("only the one refused that does not come again").isOne();
        assertThat(next(inbox)).containsExactly(1);
        assertThat(inbox.clear()).isEqualTo(new Inbox.Left(1, 2));
        assertThat(inbox.clear()).as("said once").isEqualTo(new Inbox.Left(0, 0));
        assertThat(done).isEmpty();
    }
}

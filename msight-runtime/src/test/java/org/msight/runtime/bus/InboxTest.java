package org.msight.runtime.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;

class InboxTest {

    private static BytesData message(int n) {
        return new BytesData(Metadata.create("s", "d", n), new byte[] {(byte) n});
    }

    @Test
    void aFullInboxDropsItsOldestAndCountsIt() throws Exception {
        Inbox inbox = new Inbox(3);
        for (int n = 1; n <= 5; n++) {
            inbox.offer(message(n));
        }
        assertThat(inbox.dropped()).isEqualTo(2);
        assertThat(inbox.size()).isEqualTo(3);
        assertThat(((BytesData) inbox.poll(0, TimeUnit.MILLISECONDS)).data()).containsExactly(3);
        assertThat(((BytesData) inbox.poll(0, TimeUnit.MILLISECONDS)).data()).containsExactly(4);
        assertThat(((BytesData) inbox.poll(0, TimeUnit.MILLISECONDS)).data()).containsExactly(5);
        assertThat(inbox.poll(10, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aClosedInboxKeepsWhatItHasAndDropsWhatComesLater() throws Exception {
        Inbox inbox = new Inbox(3);
        inbox.offer(message(1));
        inbox.close();
        inbox.offer(message(2));
        assertThat(inbox.dropped()).isEqualTo(1);
        assertThat(((BytesData) inbox.poll(0, TimeUnit.MILLISECONDS)).data()).containsExactly(1);
        assertThat(inbox.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }
}

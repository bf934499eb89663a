package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Delivery;
import org.msight.api.data.BytesData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.Metadata;
import org.msight.api.data.MsightFormats;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.Waits;

/**
 * A fetched record's value is let go once decoded, so that a queued or in-flight image is held
 * once: the garbage collector takes it while the delivery still waits for its node. The offset
 * is what the commit needs, and it is kept.
 */
class KafkaDeliveryTest {

    private static final MsightFormats FORMATS = TestBusContext.of("kafka", "").formats();

    @Test
    void theValueIsLetGoOnceDecodedAndTheOffsetIsStillCommitted() {
        BytesData message = new BytesData(Metadata.create("cam-1", "edge-01", Metadata.now()), new byte[1 << 20]);
        PartitionOffsets partition = new PartitionOffsets();
        partition.handedOver(7);
        byte[] payload = FORMATS.toMessagePack(message);
        WeakReference<byte[]> value = new WeakReference<>(payload);
        Delivery delivery = new KafkaDelivery(payload, FORMATS, 7, partition);
        payload = null; // the delivery alone holds it now, as in the subscriber

        assertThat(collected(value)).as("held before it is decoded").isFalse();
        assertThat(((BytesData) delivery.data()).data()).isEqualTo(message.data());
        await().atMost(Waits.GENEROUS).until(() -> collected(value));
        assertThat(delivery.size()).isEqualTo(FORMATS.toMessagePack(message).length);

        delivery.done();
        assertThat(partition.toCommit()).isEqualTo(8);
    }

    /** A malformed value is let go too: the delivery keeps the failure and never decodes again. */
    @Test
    void aMalformedValueIsLetGoAndStaysMalformed() {
        byte[] payload = {(byte) 0xc1, 1, 2, 3};
        WeakReference<byte[]> value = new WeakReference<>(payload);
        Delivery delivery = new KafkaDelivery(payload, FORMATS, 0, new PartitionOffsets());
        payload = null;

        assertThatThrownBy(delivery::data).isInstanceOf(MalformedDataException.class);
        await().atMost(Waits.GENEROUS).until(() -> collected(value));
        assertThatThrownBy(delivery::data).isInstanceOf(MalformedDataException.class);
    }

    /** An offset not committed is fetched again: a stop that leaves its message queued loses nothing. */
    @Test
    void itSaysItIsDeliveredAgainUnlessDone() {
        assertThat(new KafkaDelivery(new byte[0], FORMATS, 0, new PartitionOffsets()).redeliveredUnlessDone()).isTrue();
    }

    /** Whether {@code reference}'s object is gone after a collection: never while anything holds it. */
    private static boolean collected(WeakReference<?> reference) {
        System.gc();
        return reference.get() == null;
    }
}

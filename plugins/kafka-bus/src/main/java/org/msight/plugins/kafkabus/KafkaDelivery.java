package org.msight.plugins.kafkabus;

import org.msight.api.bus.Delivery;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;

/**
 * A fetched message: decoded when the runtime first reads it, its offset done when the runtime is.
 * The record's value is let go once decoded (the message holds its own copy), so a queued or
 * in-flight image is held once, not twice; what the commit needs is the offset alone.
 */
final class KafkaDelivery extends Delivery {

    private final MsightFormats formats;
    private final long offset;
    private final PartitionOffsets partition;
    private byte[] payload; // null once decoded

    /** @param payload the record's value; {@code null} for a tombstone, which is not an MSight message */
    KafkaDelivery(byte[] payload, MsightFormats formats, long offset, PartitionOffsets partition) {
        super(payload == null ? 0 : payload.length);
        this.payload = payload;
        this.formats = formats;
        this.offset = offset;
        this.partition = partition;
    }

    /** Decodes the value and lets it go, also when it is malformed: the outcome is kept, never decoded again. */
    @Override
    protected SensorData decode() {
        try {
            return formats.fromMessagePack(payload);
        } finally {
            payload = null;
        }
    }

    @Override
    public void done() {
        partition.done(offset);
    }

    /** An offset not committed is fetched again, by the next start or the member its partition goes to. */
    @Override
    public boolean redeliveredUnlessDone() {
        return true;
    }
}

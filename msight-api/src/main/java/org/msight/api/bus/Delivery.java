package org.msight.api.bus;

import java.util.Objects;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;

/**
 * One message on its way to a subscribing node. A network bus hands over the payload undecoded:
 * it is decoded at most once, when the runtime first reads it (after the queue admitted it and
 * {@code gap} let it through), and the result is shared by every receiver it was given to.
 */
public abstract class Delivery {

    private final long size;
    private SensorData data;
    private MalformedDataException malformed;

    /** A delivery of unknown {@linkplain #size() size}: a message already in memory. */
    protected Delivery() {
        this(0);
    }

    /** @param size the payload's length in bytes, as the bus received it */
    protected Delivery(long size) {
        this.size = size;
    }

    /**
     * The payload's length in bytes, as the bus received it; 0 where unknown (a message already in
     * memory). It never changes, so the node's queue counts it against its {@code queue-max-bytes}.
     */
    public final long size() {
        return size;
    }

    /**
     * The message, decoded on the first call.
     *
     * @throws MalformedDataException when the payload is not an MSight message (every call)
     */
    public final synchronized SensorData data() {
        if (data == null && malformed == null) {
            try {
                data = decode();
            } catch (MalformedDataException e) {
                malformed = e;
            }
        }
        if (malformed != null) {
            throw malformed;
        }
        return data;
    }

    /** Decodes the message; called at most once. */
    protected abstract SensorData decode();

    /**
     * Called once per receiver when the runtime is done with the message: handled by the node,
     * skipped by {@code gap}, dropped from a full queue, or malformed; not for one still unhandled
     * when the node stops, so that it comes again. A bus that promises at-least-once delivery
     * acknowledges (commits) here; the default does nothing.
     */
    public void done() {
    }

    /**
     * Whether the bus delivers the message again (at the next start, or to another member of the
     * group) when the runtime leaves it not {@linkplain #done() done} at a stop: then a stop that
     * leaves it queued loses nothing. True for an at-least-once bus; the default is false.
     */
    public boolean redeliveredUnlessDone() {
        return false;
    }

    /** A message already in memory (the memory bus; tests). */
    public static Delivery of(SensorData data) {
        Objects.requireNonNull(data, "data");
        return new Delivery() {
            @Override
            protected SensorData decode() {
                return data;
            }
        };
    }

    /**
     * A MessagePack payload, decoded with {@code formats} when first read; its size is the
     * payload's length. Once decoded, the payload is let go: the message holds its own copy.
     */
    public static Delivery ofMessagePack(byte[] payload, MsightFormats formats) {
        return new MessagePackDelivery(Objects.requireNonNull(payload, "payload"),
                Objects.requireNonNull(formats, "formats"));
    }

    private static final class MessagePackDelivery extends Delivery {

        private final MsightFormats formats;
        private byte[] payload; // null once decoded

        MessagePackDelivery(byte[] payload, MsightFormats formats) {
            super(payload.length);
            this.payload = payload;
            this.formats = formats;
        }

        @Override
        protected SensorData decode() {
            SensorData decoded = formats.fromMessagePack(payload);
            payload = null;
            return decoded;
        }
    }
}

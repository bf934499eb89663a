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

    private SensorData data;
    private MalformedDataException malformed;

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

    /** A MessagePack payload, decoded with {@code formats} when first read. */
    public static Delivery ofMessagePack(byte[] payload, MsightFormats formats) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(formats, "formats");
        return new Delivery() {
            @Override
            protected SensorData decode() {
                return formats.fromMessagePack(payload);
            }
        };
    }
}

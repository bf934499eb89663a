package org.msight.api.data;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Objects;

/**
 * A message on a topic: MSight's {@code SensorData}. Subclasses add their fields and override
 * {@link #typeTag()} and {@link #writeFields}; instances are immutable and handed between
 * nodes of one process without copying.
 */
public class SensorData {

    /** MSight's tag of this base type. */
    public static final String TAG = "msight_core.data.base.SensorData";

    /** Reads base messages, which carry only metadata. */
    public static final DataType TYPE = DataType.of(TAG, (metadata, fields) -> new SensorData(metadata));

    private final Metadata metadata;

    /** @param metadata the common fields */
    public SensorData(Metadata metadata) {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    /** The common fields. */
    public final Metadata metadata() {
        return metadata;
    }

    /** The {@code data_type} tag that tells readers which {@link DataType} restores this. */
    public String typeTag() {
        return TAG;
    }

    /** Writes this type's own fields, after the common ones, in MSight's order. */
    public void writeFields(FieldWriter out) throws IOException {
    }

    /**
     * Writes the whole message: the common fields in MSight's order ({@code data_type},
     * {@code sensor_name}, {@code capture_timestamp}, {@code creation_timestamp}, {@code frame_id}
     * as an unsigned 64-bit integer, {@code device_name}), then {@link #writeFields}. Only
     * {@link GenericData}, which keeps a message as it arrived, writes otherwise.
     */
    public void writeMessage(FieldWriter out) throws IOException {
        out.writeString("data_type", typeTag());
        out.writeString("sensor_name", metadata.sensorName());
        out.writeDouble("capture_timestamp", metadata.captureTimestamp());
        out.writeDouble("creation_timestamp", metadata.creationTimestamp());
        long frameId = metadata.frameId();
        out.writeValue("frame_id", frameId >= 0 ? (Object) frameId : new BigInteger(Long.toUnsignedString(frameId)));
        out.writeString("device_name", metadata.deviceName());
        writeFields(out);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + metadata + "]";
    }
}

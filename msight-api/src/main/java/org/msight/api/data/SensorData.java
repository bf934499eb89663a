package org.msight.api.data;

import java.io.IOException;
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

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + metadata + "]";
    }
}

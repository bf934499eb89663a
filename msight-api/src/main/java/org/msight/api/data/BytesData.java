package org.msight.api.data;

import java.io.IOException;
import java.util.Objects;

/** Opaque bytes: MSight's {@code BytesData}. The array is shared, never copied: do not modify it. */
public final class BytesData extends SensorData {

    /** MSight's tag. */
    public static final String TAG = "msight_core.data.bytes.BytesData";

    /** Reads bytes messages. */
    public static final DataType TYPE = DataType.of(TAG,
            (metadata, fields) -> new BytesData(metadata, fields.bytes("data")));

    private final byte[] data;

    /** @param data the payload */
    public BytesData(Metadata metadata, byte[] data) {
        super(metadata);
        this.data = Objects.requireNonNull(data, "data");
    }

    /** The payload; shared, do not modify. */
    public byte[] data() {
        return data;
    }

    @Override
    public String typeTag() {
        return TAG;
    }

    @Override
    public void writeFields(FieldWriter out) throws IOException {
        out.writeBytes("data", data);
    }
}

package org.msight.api.data;

import java.io.IOException;

/**
 * Writes the named fields of one message in order; implemented by the runtime for MSight's
 * MessagePack wire format and its JSON form. Bytes become MessagePack {@code bin} or a Base64
 * JSON string.
 */
public interface FieldWriter {

    /** A string, or nil for {@code null}. */
    void writeString(String name, String value) throws IOException;

    /** A 64-bit float. */
    void writeDouble(String name, double value) throws IOException;

    /** A 64-bit integer. */
    void writeLong(String name, long value) throws IOException;

    /** A boolean. */
    void writeBoolean(String name, boolean value) throws IOException;

    /** Bytes; the array is read, not kept, and not copied more than the format needs. */
    void writeBytes(String name, byte[] value) throws IOException;

    /** An array of integers. */
    void writeIntArray(String name, int... values) throws IOException;

    /**
     * Any JSON-like value: {@code null}, {@link String}, {@link Number}, {@link Boolean},
     * {@code byte[]}, {@link java.util.List} or {@link java.util.Map} with string keys.
     */
    void writeValue(String name, Object value) throws IOException;
}

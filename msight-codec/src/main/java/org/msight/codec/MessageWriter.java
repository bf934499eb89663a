package org.msight.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.msight.api.data.FieldWriter;
import org.msight.api.data.SensorData;

/**
 * Writes one MSight message as a map through a Jackson generator, so the same code makes the
 * MessagePack wire format and the JSON form, as {@link SensorData#writeMessage} lays it out. Bytes go to the MessagePack generator as they are ({@code bin}); in JSON they are
 * a Base64 string written past the generator, straight into its {@link ByteSink}.
 */
final class MessageWriter implements FieldWriter {

    private final JsonGenerator out;
    /** Where the JSON generator writes; {@code null} for MessagePack. */
    private final ByteSink json;

    private MessageWriter(JsonGenerator out, ByteSink json) {
        this.out = out;
        this.json = json;
    }

    /** A writer to a MessagePack generator, left open. */
    static MessageWriter messagePack(JsonGenerator out) {
        return new MessageWriter(out, null);
    }

    /** A writer to a Python-style JSON generator writing to {@code sink}, left open. */
    static MessageWriter json(JsonGenerator out, ByteSink sink) {
        return new MessageWriter(out, sink);
    }

    void write(SensorData data) throws IOException {
        out.writeStartObject();
        data.writeMessage(this);
        out.writeEndObject();
    }

    @Override
    public void writeString(String name, String value) throws IOException {
        out.writeFieldName(name);
        out.writeString(value);
    }

    @Override
    public void writeDouble(String name, double value) throws IOException {
        out.writeFieldName(name);
        writeDoubleValue(value);
    }

    @Override
    public void writeLong(String name, long value) throws IOException {
        out.writeFieldName(name);
        out.writeNumber(value);
    }

    @Override
    public void writeBoolean(String name, boolean value) throws IOException {
        out.writeFieldName(name);
        out.writeBoolean(value);
    }

    @Override
    public void writeBytes(String name, byte[] value) throws IOException {
        out.writeFieldName(name);
        writeBinary(value);
    }

    @Override
    public void writeIntArray(String name, int... values) throws IOException {
        out.writeFieldName(name);
        out.writeStartArray();
        for (int value : values) {
            out.writeNumber(value);
        }
        out.writeEndArray();
    }

    @Override
    public void writeValue(String name, Object value) throws IOException {
        out.writeFieldName(name);
        writeAny(value);
    }

    private void writeAny(Object value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value instanceof String s) {
            out.writeString(s);
        } else if (value instanceof Boolean b) {
            out.writeBoolean(b);
        } else if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            writeDoubleValue(((Number) value).doubleValue());
        } else if (value instanceof BigInteger big) {
            out.writeNumber(big);
        } else if (value instanceof Number n) {
            out.writeNumber(n.longValue());
        } else if (value instanceof byte[] bytes) {
            writeBinary(bytes);
        } else if (value instanceof List<?> list) {
            out.writeStartArray();
            for (Object element : list) {
                writeAny(element);
            }
            out.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            out.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("map keys must be strings, not " + entry.getKey());
                }
                out.writeFieldName(key);
                writeAny(entry.getValue());
            }
            out.writeEndObject();
        } else {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getName()
                    + ": use null, String, Number, Boolean, byte[], List or Map");
        }
    }

    private void writeBinary(byte[] value) throws IOException {
        if (json == null) {
            out.writeBinary(value, 0, value.length);
            return;
        }
        // The opening quote as a raw value puts the separator before it and counts as the value.
        out.writeRawValue("\"");
        out.flush();
        json.writeBase64(value);
        out.writeRaw('"');
    }

    private void writeDoubleValue(double value) throws IOException {
        if (json != null) {
            out.writeNumber(PythonFloats.repr(value));
        } else {
            out.writeNumber(value);
        }
    }
}

package org.msight.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msight.api.data.DataType;
import org.msight.api.data.Fields;
import org.msight.api.data.GenericData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/**
 * Reads one MSight message from a Jackson parser (MessagePack or JSON): any map. Its
 * {@code data_type} chooses the {@link DataType} that restores it; when there is none, or the
 * typed message would not write back exactly what arrived (see {@link ExactCheck}), it is a
 * {@link GenericData} that keeps every field in order with its kind.
 */
final class MessageReader {

    /** Deeper nesting than this is an attack or garbage, not sensor data. */
    static final int MAX_DEPTH = 64;

    private final Map<String, DataType> types;

    MessageReader(Map<String, DataType> types) {
        this.types = types;
    }

    /**
     * @param base64Bytes whether bytes arrive as Base64 strings (the JSON form)
     * @throws MalformedDataException for anything but one well-formed map
     * @throws IOException when the parser fails; the caller reports it as malformed
     */
    SensorData read(JsonParser in, boolean base64Bytes) throws IOException {
        JsonToken first = in.nextToken();
        if (first != JsonToken.START_OBJECT) {
            throw new MalformedDataException("payload should be a map but is " + describe(first));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) readValue(in, first, 0);
        expectEnd(in);
        Fields fields = new Fields(values);
        SensorData typed = typed(fields);
        return typed != null && ExactCheck.writesBack(typed, values, base64Bytes) ? typed
                : new GenericData(fields, typed);
    }

    /** The message read by the data type of its tag, or {@code null} when there is none or it cannot read it. */
    private SensorData typed(Fields fields) {
        DataType type = fields.value("data_type") instanceof String tag ? types.get(tag) : null;
        if (type == null) {
            return null;
        }
        try {
            Metadata metadata = new Metadata(fields.string("sensor_name"), fields.float64("capture_timestamp"),
                    fields.float64("creation_timestamp"), fields.int64("frame_id"), fields.string("device_name"));
            return type.read(metadata, fields);
        } catch (RuntimeException e) { // a plugin's reader may throw anything: the message stays generic
            return null;
        }
    }

    private static Object readValue(JsonParser in, JsonToken token, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw tooDeep();
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (JsonToken next = in.nextToken(); next != JsonToken.END_OBJECT; next = in.nextToken()) {
                    String name = in.currentName(); // a string key: MessagePackCheck refuses others, JSON has none
                    map.put(name, readValue(in, in.nextToken(), depth + 1));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken next = in.nextToken(); next != JsonToken.END_ARRAY; next = in.nextToken()) {
                    list.add(readValue(in, next, depth + 1));
                }
                return list;
            }
            case VALUE_STRING -> {
                return in.getText();
            }
            case VALUE_NUMBER_INT -> {
                return in.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? in.getBigIntegerValue()
                        : (Object) in.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return in.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return token == JsonToken.VALUE_TRUE;
            }
            case VALUE_NULL -> {
                return null;
            }
            case VALUE_EMBEDDED_OBJECT -> {
                if (in.getEmbeddedObject() instanceof byte[] bytes) {
                    return bytes;
                }
                throw new MalformedDataException("unsupported value " + in.getEmbeddedObject()
                        + " (a MessagePack extension type?)");
            }
            default -> throw new MalformedDataException("unexpected " + describe(token));
        }
    }

    static MalformedDataException tooDeep() {
        return new MalformedDataException("payload nests deeper than " + MAX_DEPTH + " levels");
    }

    /** MSight's unpacker rejects extra data after the map; so do we. */
    private static void expectEnd(JsonParser in) throws IOException {
        JsonToken extra;
        try {
            extra = in.nextToken();
        } catch (JsonEOFException end) {
            return; // the MessagePack parser reports the end of input this way; the JSON parser returns null
        }
        if (extra != null) {
            throw new MalformedDataException("extra data after the message");
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "empty";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "nil";
            case VALUE_EMBEDDED_OBJECT -> "bytes";
            default -> token.name();
        };
    }
}

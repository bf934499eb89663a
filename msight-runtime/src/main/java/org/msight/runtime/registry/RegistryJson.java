package org.msight.runtime.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.msight.codec.PythonFloats;
import org.msight.codec.PythonJsonStyle;

/**
 * The JSON values of {@code MSIGHT:NODES} and {@code MSIGHT:TOPICS}, byte for byte as MSight's
 * {@code json.dumps} writes them: its field names and order, {@code ", "} and {@code ": "}
 * separators, ASCII escapes. Reading accepts what Python MSight writes: fields in any order,
 * unknown ones ignored.
 */
final class RegistryJson {

    private static final JsonFactory JSON = PythonJsonStyle.factory();

    private RegistryJson() {
    }

    static String write(NodeRecord node) {
        return write(json -> {
            json.writeStringField("name", node.name());
            json.writeStringField("device", node.device());
            json.writeStringField("publish_topic", node.publishTopic());
            json.writeStringField("subscribe_topic", node.subscribeTopic());
            json.writeStringField("type", node.type());
            json.writeFieldName("last_heartbeat");
            json.writeNumber(PythonFloats.repr(node.lastHeartbeat())); // 1763353393.866798, as Python
            json.writeStringField("status", node.status() == null ? null : node.status().name());
            if (node.writtenByThisRuntime()) {
                json.writeStringField("instance_id", node.instanceId());
                json.writeFieldName("stale_after");
                json.writeNumber(PythonFloats.repr(node.staleAfter()));
            }
        });
    }

    static String write(TopicRecord topic) {
        return write(json -> {
            json.writeStringField("name", topic.name());
            json.writeStringField("description", topic.description());
            json.writeStringField("data_type", topic.dataType());
        });
    }

    /** @param name the hash field, used when the value lacks a name */
    static NodeRecord node(String name, String json) throws IOException {
        Map<String, Object> fields = read(json);
        return new NodeRecord(text(fields, "name", name), text(fields, "device", null),
                text(fields, "publish_topic", null), text(fields, "subscribe_topic", null), text(fields, "type", null),
                number(fields, "last_heartbeat"), status(text(fields, "status", null)), text(fields, "instance_id", null),
                number(fields, "stale_after"));
    }

    static TopicRecord topic(String name, String json) throws IOException {
        Map<String, Object> fields = read(json);
        return new TopicRecord(text(fields, "name", name), text(fields, "description", null),
                text(fields, "data_type", null));
    }

    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.setPrettyPrinter(PythonJsonStyle.SEPARATORS);
            json.writeStartObject();
            body.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The scalar fields of a JSON object, and arrays of scalars as Python prints a list
     * ({@code ['a', 'b']}, as MSight shows a node that publishes to several topics); other nested
     * values are skipped.
     */
    private static Map<String, Object> read(String json) throws IOException {
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object: " + json);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isScalarValue()) {
                    fields.put(field, scalar(parser, value));
                } else if (value == JsonToken.START_ARRAY) {
                    fields.put(field, pythonList(parser));
                } else {
                    parser.skipChildren();
                }
            }
        }
        return fields;
    }

    private static Object scalar(JsonParser parser, JsonToken value) throws IOException {
        return value.isNumeric() ? parser.getNumberValue() : value == JsonToken.VALUE_NULL ? null : parser.getText();
    }

    /** An array as Python's {@code str(list)}: {@code ['a', 'b']}; nested values as {@code ...}. */
    private static String pythonList(JsonParser parser) throws IOException {
        StringJoiner list = new StringJoiner(", ", "[", "]");
        for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
            if (element == JsonToken.VALUE_STRING) {
                list.add("'" + parser.getText() + "'");
            } else if (element.isScalarValue()) {
                Object scalar = scalar(parser, element);
                list.add(scalar == null ? "None" : scalar.toString());
            } else {
                parser.skipChildren();
                list.add("...");
            }
        }
        return list.toString();
    }

    private static double number(Map<String, Object> fields, String key) {
        return fields.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String text(Map<String, Object> fields, String key, String otherwise) {
        Object value = fields.get(key);
        return value == null ? otherwise : value.toString();
    }

    private static NodeStatus status(String text) {
        if (text == null) {
            return null;
        }
        try {
            return NodeStatus.valueOf(text);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }
}

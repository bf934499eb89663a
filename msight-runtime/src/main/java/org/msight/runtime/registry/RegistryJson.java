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
import org.msight.codec.PythonFloats;

/**
 * The JSON values of {@code MSIGHT:NODES} and {@code MSIGHT:TOPICS}, with MSight's field names.
 * Reading accepts what Python MSight writes: fields in any order, unknown ones ignored.
 */
final class RegistryJson {

    private static final JsonFactory JSON = new JsonFactory();

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
        Object heartbeat = fields.get("last_heartbeat");
        return new NodeRecord(text(fields, "name", name), text(fields, "device", null),
                text(fields, "publish_topic", null), text(fields, "subscribe_topic", null), text(fields, "type", null),
                heartbeat instanceof Number n ? n.doubleValue() : Double.NaN, status(text(fields, "status", null)));
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
            json.writeStartObject();
            body.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The scalar fields of a JSON object; nested values are skipped. */
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
                    fields.put(field, value.isNumeric() ? parser.getNumberValue()
                            : value == JsonToken.VALUE_NULL ? null : parser.getText());
                } else {
                    parser.skipChildren();
                }
            }
        }
        return fields;
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

package org.msight.api.data;

import java.io.IOException;
import java.util.Optional;

/**
 * Any MSight message as it arrived: every field in its order, with the kind MessagePack gave it
 * (see {@link Fields}). The runtime's codec reads a message as {@code GenericData} when no data
 * type knows its {@code data_type} (a third-party Python class), or when its data type would not
 * write it back identically: an integer {@code capture_timestamp}, a grayscale {@code size} of
 * two elements, fields MSight's class does not have, another key order. Writing it gives back the
 * same MessagePack and the JSON Python's {@code to_json()} gives, so a sink that forwards messages
 * (the HTTP uploader) loses nothing; {@link #typed()} offers the typed reading when there is one.
 */
public final class GenericData extends SensorData {

    private final Fields fields;
    private final SensorData typed;

    /**
     * @param fields every field, in order, including the common ones
     * @param typed the same message read by its data type, or {@code null} when none could read it
     */
    public GenericData(Fields fields, SensorData typed) {
        super(metadataOf(fields));
        this.fields = fields;
        this.typed = typed;
    }

    /**
     * The common fields as far as they are there with the expected kinds: a missing or other-kind
     * name is {@code null}, timestamp {@code NaN}, frame id 0. Integer timestamps become doubles.
     */
    private static Metadata metadataOf(Fields fields) {
        return new Metadata(text(fields, "sensor_name"), seconds(fields, "capture_timestamp"),
                seconds(fields, "creation_timestamp"),
                fields.value("frame_id") instanceof Number id && !(id instanceof Double) ? id.longValue() : 0,
                text(fields, "device_name"));
    }

    private static String text(Fields fields, String name) {
        return fields.value(name) instanceof String text ? text : null;
    }

    private static double seconds(Fields fields, String name) {
        return fields.value(name) instanceof Number seconds ? seconds.doubleValue() : Double.NaN;
    }

    /** Every field, in the order it arrived. */
    public Fields fields() {
        return fields;
    }

    /** The message read by the data type of its tag, when one is installed and could read it. */
    public Optional<SensorData> typed() {
        return Optional.ofNullable(typed);
    }

    /** Its {@code data_type}, or {@code null} when it has none. */
    @Override
    public String typeTag() {
        return text(fields, "data_type");
    }

    /** Writes every field as it arrived, in order. */
    @Override
    public void writeMessage(FieldWriter out) throws IOException {
        for (String name : fields.names()) {
            out.writeValue(name, fields.value(name));
        }
    }
}

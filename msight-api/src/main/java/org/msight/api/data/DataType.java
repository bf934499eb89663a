package org.msight.api.data;

/**
 * Restores messages of one type tag from their decoded fields: what lets a bus carry a type
 * across processes. The built-in types are {@link SensorData#TYPE}, {@link ImageData#TYPE} and
 * {@link BytesData#TYPE}; a plugin adds its own by listing an implementation (with a public
 * no-argument constructor) in {@code META-INF/services/org.msight.api.data.DataType}.
 * Writing is the data class's own {@link SensorData#writeFields}.
 */
public interface DataType {

    /** The {@code data_type} tag, such as {@code msight_core.data.image.ImageData}. */
    String tag();

    /**
     * Builds a message from its common metadata and the rest of its fields.
     *
     * @throws MalformedDataException when a field is missing or of the wrong type
     */
    SensorData read(Metadata metadata, Fields fields);

    /** A data type from a tag and a reader function. */
    static DataType of(String tag, java.util.function.BiFunction<Metadata, Fields, SensorData> reader) {
        return new DataType() {
            @Override
            public String tag() {
                return tag;
            }

            @Override
            public SensorData read(Metadata metadata, Fields fields) {
                return reader.apply(metadata, fields);
            }
        };
    }
}

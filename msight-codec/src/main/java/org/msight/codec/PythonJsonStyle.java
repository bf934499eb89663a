package org.msight.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;

/**
 * Jackson JSON that reads like Python's {@code json.dumps} with its defaults: {@code ", "} and
 * {@code ": "} separators, and ASCII only, every other character (and DEL) as a lowercase
 * {@code \\uXXXX} escape. Numbers are left to the writer ({@link PythonFloats}). Used for
 * messages and for the node registry's entries.
 */
public final class PythonJsonStyle {

    /** Separators as Python writes them; stateless, so one instance serves every generator. */
    public static final MinimalPrettyPrinter SEPARATORS = new MinimalPrettyPrinter() {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    };

    private PythonJsonStyle() {
    }

    /** A factory whose generators escape like Python and leave the target stream open. */
    public static JsonFactory factory() {
        return new JsonFactoryBuilder()
                .characterEscapes(new AsciiEscapes())
                .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                .build();
    }

    /** JSON's standard escapes plus DEL, which Python escapes and Jackson does not. */
    private static final class AsciiEscapes extends CharacterEscapes {

        private final int[] ascii = standardAsciiEscapesForJSON();

        AsciiEscapes() {
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}

package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Base64Text} and the JSON sink's two encoders, against the JDK's text. */
class Base64TextTest {

    private static final int CHUNK = ByteSink.Streaming.CHUNK;
    private static final int WHOLE = ByteSink.Streaming.WHOLE;
    private final Random random = new Random(7);

    private byte[] random(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Every length up to 300 (each remainder mod 3 many times), each slice inside a larger array. */
    @Test
    void aSliceOfAnyLengthIsTheJdksText() {
        for (int length = 0; length <= 300; length++) {
            byte[] around = random(length + 7);
            byte[] text = new byte[(int) Base64Text.length(length)];
            int written = Base64Text.encode(around, 5, length, text);
            byte[] slice = Arrays.copyOfRange(around, 5, 5 + length);
            assertThat(new String(text, 0, written, StandardCharsets.US_ASCII)).as("length %d", length)
                    .isEqualTo(Base64.getEncoder().encodeToString(slice));
        }
    }

    @Test
    void everyTwelveBitHalfOfATripleHasTheJdksText() {
        byte[] all = new byte[3 * 256 * 256];
        for (int i = 0; i < all.length / 3; i++) { // every pair of 12-bit halves across the triples
            all[3 * i] = (byte) (i >>> 8);
            all[3 * i + 1] = (byte) i;
            all[3 * i + 2] = (byte) (i * 31);
        }
        byte[] text = new byte[(int) Base64Text.length(all.length)];
        assertThat(text).hasSize(Base64Text.encode(all, 0, all.length, text)).isEqualTo(Base64.getEncoder().encode(all));
    }

    /** Through the JSON sink, with either encoder: at once, and a chunk at a time past the largest value encoded at once. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 112_789, WHOLE, WHOLE + 1, WHOLE + CHUNK,
        WHOLE + CHUNK + 4, 2 * WHOLE + 5})
    void theJsonSinkWritesTheJdksTextWithEitherEncoder(int size) throws IOException {
        byte[] value = random(size);
        String expected = Base64.getEncoder().encodeToString(value);
        for (boolean jdkEncoder : new boolean[] {true, false}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new ByteSink.Streaming(out, jdkEncoder).writeBase64(value);
            assertThat(out.toString(StandardCharsets.US_ASCII)).as("JDK's encoder: %s", jdkEncoder).isEqualTo(expected);
        }
    }
}

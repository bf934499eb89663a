package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Base64Text}, {@link VectorBase64} and the JSON sink with each encoder, against the JDK's
 * text. This module's tests run with the Vector API resolved (its pom's argLine), on any CPU; the
 * vector encoder is warmed up first, so that the sink takes it and its compiled code is tested.
 */
class Base64EncodersTest {

    private static final int CHUNK = ByteSink.Streaming.CHUNK;
    private static final int WHOLE = ByteSink.Streaming.WHOLE;
    private final Random random = new Random(7);

    private byte[] random(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** The table's and the Vector API's encoder of a slice, writing from index 0. */
    private interface SliceEncoder {
        int encode(byte[] src, int off, int len, byte[] dst);
    }

    private static final SliceEncoder TABLE = (src, off, len, dst) -> Base64Text.encode(src, off, len, dst, 0);
    private static final SliceEncoder VECTOR = VectorBase64::encode;
    private static final SliceEncoder[] SLICE_ENCODERS = {TABLE, VECTOR};

    @BeforeAll
    static void warmTheVectorEncoderUp() {
        VectorBase64.warmUp();
        await().atMost(Duration.ofMinutes(5)).until(VectorBase64::warm);
    }

    /**
     * Every length up to 300 (each remainder mod 3 many times; the vector encoder's steps and the
     * table's tail after them), each slice inside a larger array.
     */
    @Test
    void aSliceOfAnyLengthIsTheJdksText() {
        for (SliceEncoder encoder : SLICE_ENCODERS) {
            for (int length = 0; length <= 300; length++) {
                byte[] around = random(length + 7);
                byte[] text = new byte[(int) Base64Text.length(length)];
                int written = encoder.encode(around, 5, length, text);
                byte[] slice = Arrays.copyOfRange(around, 5, 5 + length);
                assertThat(new String(text, 0, written, StandardCharsets.US_ASCII))
                        .as("%s, length %d", encoder == TABLE ? "table" : "vector", length)
                        .isEqualTo(Base64.getEncoder().encodeToString(slice));
            }
        }
    }

    /** The table's text from an index of its output other than 0, as the vector encoder's tail is. */
    @Test
    void theTableWritesFromAnyIndex() {
        byte[] value = random(5);
        byte[] text = "0123456789ab".getBytes(StandardCharsets.US_ASCII);
        assertThat(Base64Text.encode(value, 0, 5, text, 3)).isEqualTo(8);
        assertThat(new String(text, StandardCharsets.US_ASCII))
                .isEqualTo("012" + Base64.getEncoder().encodeToString(value) + "b");
    }

    /** Every pair of 12-bit halves across the triples, and so every 6-bit index in each place of a group. */
    @Test
    void everyTwelveBitHalfOfATripleHasTheJdksText() {
        byte[] all = new byte[3 * 256 * 256];
        for (int i = 0; i < all.length / 3; i++) {
            all[3 * i] = (byte) (i >>> 8);
            all[3 * i + 1] = (byte) i;
            all[3 * i + 2] = (byte) (i * 31);
        }
        for (SliceEncoder encoder : SLICE_ENCODERS) {
            byte[] text = new byte[(int) Base64Text.length(all.length)];
            assertThat(text).hasSize(encoder.encode(all, 0, all.length, text))
                    .isEqualTo(Base64.getEncoder().encode(all));
        }
    }

    /** Through the JSON sink, with each encoder: at once, and a chunk at a time past the largest value encoded at once. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 112_789, WHOLE, WHOLE + 1, WHOLE + CHUNK,
        WHOLE + CHUNK + 4, 2 * WHOLE + 5})
    void theJsonSinkWritesTheJdksTextWithEachEncoder(int size) throws IOException {
        byte[] value = random(size);
        String expected = Base64.getEncoder().encodeToString(value);
        for (Base64Encoder encoder : Base64Encoder.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new ByteSink.Streaming(out, encoder).writeBase64(value);
            assertThat(out.toString(StandardCharsets.US_ASCII)).as("encoder %s", encoder).isEqualTo(expected);
        }
    }
}

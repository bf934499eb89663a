package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.codec.MsightCodecVectorsTest.vector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.BytesData;
import org.msight.api.data.DataType;
import org.msight.api.data.FieldWriter;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/** {@link MsightCodec#jsonLength} against what {@link MsightCodec#writeJson} really writes. */
class JsonLengthTest {

    private static final int CHUNK = ByteSink.Streaming.CHUNK;
    private static final int WHOLE = ByteSink.Streaming.WHOLE;
    private static final Metadata METADATA = new Metadata("cam", 1700000000.25, 1700000000.5, 42, "edge");

    private final MsightCodec codec = MsightCodec.withBuiltInTypes();

    private byte[] json(SensorData data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.writeJson(data, out);
        return out.toByteArray();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_data", "bytes_data"})
    void vectorsHaveTheirLength(String name) {
        SensorData data = codec.fromMessagePack(vector(name + ".msgpack"));
        assertThat(codec.jsonLength(data)).isEqualTo(vector(name + ".json").length);
    }

    /**
     * Sizes of every remainder mod 3, a camera frame, and below, at and past the largest value
     * encoded at once: past it, whole chunks with and without a last short one.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, CHUNK + 1, 112_789, WHOLE - 1, WHOLE, WHOLE + 1, WHOLE + 2, WHOLE + CHUNK,
        WHOLE + CHUNK + 4, 2 * WHOLE + 5})
    void imagesOfEverySizeHaveTheirLengthAndStandardBase64(int size) throws IOException {
        byte[] jpeg = random(size);
        ImageData image = ImageData.jpeg(METADATA, jpeg, 720, 1280);
        byte[] json = json(image);
        assertThat(codec.jsonLength(image)).isEqualTo(json.length);
        assertThat(new String(json, StandardCharsets.US_ASCII))
                .contains("\"image\": \"" + Base64.getEncoder().encodeToString(jpeg) + "\", \"is_encoded\": true");
        assertThat(((ImageData) codec.fromJson(json)).image()).isEqualTo(jpeg);
    }

    @Test
    void escapedAndNonAsciiTextIsCountedAsWritten() throws IOException {
        SensorData data = new BytesData(new Metadata("é\u007f\n\t\u0001\"\\\u2028😀/", 1e16, -0.0, -1L, "日本"),
                random(7));
        String json = new String(json(data), StandardCharsets.US_ASCII);
        assertThat(json).contains("\\ud83d\\ude00").contains("\\u65e5\\u672c").contains("1e+16");
        assertThat(codec.jsonLength(data)).isEqualTo(json.length());
    }

    @Test
    void pluginTypesWithBytesNestedInValuesAreCountedAsWritten() throws IOException {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("mask", random(WHOLE + 1));
        nested.put("crops", List.of(random(2), random(CHUNK * 2), "ü"));
        nested.put("score", 0.1 + 0.2);
        nested.put("none", null);
        SensorData data = new SensorData(METADATA) {
            @Override
            public String typeTag() {
                return "lab.plugin.RadarData";
            }

            @Override
            public void writeFields(FieldWriter out) throws IOException {
                out.writeString("unit", "m/s²");
                out.writeDouble("range", 123.456);
                out.writeLong("count", Long.MIN_VALUE);
                out.writeBoolean("ok", false);
                out.writeBytes("raw", random(5));
                out.writeIntArray("shape");
                out.writeIntArray("dims", 1, -2, 3);
                out.writeValue("extra", nested);
            }
        };
        byte[] json = json(data);
        assertThat(codec.jsonLength(data)).isEqualTo(json.length);
        MsightCodec radar = MsightCodec.withBuiltInTypesAnd(List.of(DataType.of(data.typeTag(),
                (metadata, fields) -> new SensorData(metadata))));
        assertThat(radar.fromJson(json).metadata()).isEqualTo(METADATA);
        assertThat(new String(json, StandardCharsets.US_ASCII)).contains("\"shape\": [], \"dims\": [1, -2, 3]")
                .contains("\"crops\": [\""
                + Base64.getEncoder().encodeToString(random(2)) + "\", \"" + Base64.getEncoder().encodeToString(
                random(CHUNK * 2)) + "\", \"\\u00fc\"], \"score\": 0.30000000000000004, \"none\": null}}");
    }

    @Test
    void theTargetIsFlushedOnceAtTheEnd() throws IOException {
        List<Integer> flushedAt = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void flush() {
                flushedAt.add(size());
            }
        };
        ImageData image = ImageData.jpeg(METADATA, random(WHOLE + 3 * CHUNK), 720, 1280);
        codec.writeJson(image, out);
        assertThat(flushedAt).containsExactly((int) codec.jsonLength(image));
    }
}

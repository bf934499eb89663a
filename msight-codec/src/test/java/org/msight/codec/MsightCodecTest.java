package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.msight.codec.MsightCodecVectorsTest.vector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msight.api.data.BytesData;
import org.msight.api.data.DataType;
import org.msight.api.data.ImageData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

class MsightCodecTest {

    private final MsightCodec codec = MsightCodec.withBuiltInTypes();

    private static final Metadata METADATA = new Metadata("cam", 1700000000.25, 1700000000.5, 42, "edge");

    private String json(SensorData data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.writeJson(data, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A MessagePack map of string keys to strings, doubles, longs, booleans, bytes or int arrays. */
    private static byte[] pack(Map<String, Object> map) throws IOException {
        MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
        packer.packMapHeader(map.size());
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            packer.packString(entry.getKey());
            Object value = entry.getValue();
            if (value == null) {
                packer.packNil();
            } else if (value instanceof String s) {
                packer.packString(s);
            } else if (value instanceof Double d) {
                packer.packDouble(d);
            } else if (value instanceof Long l) {
                packer.packLong(l);
            } else if (value instanceof Boolean b) {
                packer.packBoolean(b);
            } else if (value instanceof byte[] bytes) {
                packer.packBinaryHeader(bytes.length).writePayload(bytes);
            } else if (value instanceof int[] ints) {
                packer.packArrayHeader(ints.length);
                for (int i : ints) {
                    packer.packInt(i);
                }
            } else {
                throw new IllegalArgumentException(value.toString());
            }
        }
        return packer.toByteArray();
    }

    private static Map<String, Object> bytesMessage() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("data_type", BytesData.TAG);
        map.put("sensor_name", "cam");
        map.put("capture_timestamp", 1700000000.25);
        map.put("creation_timestamp", 1700000000.5);
        map.put("frame_id", 42L);
        map.put("device_name", "edge");
        map.put("data", new byte[] {1, 2, 3});
        return map;
    }

    @Test
    void readsKeysInAnyOrderAndIgnoresUnknownOnes() throws IOException {
        Map<String, Object> shuffled = new LinkedHashMap<>();
        shuffled.put("future_field", "whatever");
        List<String> keys = List.of("data", "frame_id", "device_name", "data_type", "creation_timestamp",
                "sensor_name", "capture_timestamp");
        keys.forEach(key -> shuffled.put(key, bytesMessage().get(key)));
        BytesData data = (BytesData) codec.fromMessagePack(pack(shuffled));
        assertThat(data.metadata()).isEqualTo(METADATA);
        assertThat(data.data()).containsExactly(1, 2, 3);
        assertThat(codec.toMessagePack(data)).isEqualTo(pack(bytesMessage()));
    }

    @Test
    void nilSensorAndDeviceNamesStayNull() throws IOException {
        Map<String, Object> map = bytesMessage();
        map.put("sensor_name", null);
        map.put("device_name", null);
        SensorData data = codec.fromMessagePack(pack(map));
        assertThat(data.metadata().sensorName()).isNull();
        assertThat(codec.toMessagePack(data)).isEqualTo(pack(map));
        assertThat(json(data)).contains("\"sensor_name\": null").contains("\"device_name\": null");
    }

    @Test
    void everyTruncationOfAVectorIsMalformed() {
        byte[] vector = vector("image_data.msgpack");
        for (int length = 0; length < vector.length; length++) {
            byte[] truncated = Arrays.copyOf(vector, length);
            assertThatThrownBy(() -> codec.fromMessagePack(truncated)).as("first %d bytes", length)
                    .isInstanceOf(MalformedDataException.class);
        }
    }

    @Test
    void aPayloadThatIsNotAMapIsMalformed() throws IOException {
        MessageBufferPacker array = MessagePack.newDefaultBufferPacker();
        array.packArrayHeader(1).packInt(1);
        assertThatThrownBy(() -> codec.fromMessagePack(array.toByteArray()))
                .isInstanceOf(MalformedDataException.class).hasMessage("payload should be a map but is an array");
        assertThatThrownBy(() -> codec.fromMessagePack("hello".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> codec.fromJson("[1]".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedDataException.class).hasMessage("payload should be a map but is an array");
    }

    @Test
    void fieldsOfTheWrongTypeAreMalformed() throws IOException {
        Map<String, Object> wrongData = bytesMessage();
        wrongData.put("data", 7L);
        assertThatThrownBy(() -> codec.fromMessagePack(pack(wrongData)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("'data'");
        Map<String, Object> wrongTime = bytesMessage();
        wrongTime.put("capture_timestamp", "yesterday");
        assertThatThrownBy(() -> codec.fromMessagePack(pack(wrongTime)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("'capture_timestamp'");
        Map<String, Object> image = bytesMessage();
        image.put("data_type", ImageData.TAG);
        image.put("image", new byte[] {1});
        image.put("is_encoded", true);
        image.put("size", new int[] {1, 2});
        assertThatThrownBy(() -> codec.fromMessagePack(pack(image)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("'size'");
    }

    @Test
    void aHostileDataTypeIsEscapedAndCutInTheErrorMessage() throws IOException {
        Map<String, Object> forged = bytesMessage();
        forged.put("data_type", "x\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR :: forged\u001b[2J"
                + "A".repeat(1 << 20));
        assertThatThrownBy(() -> codec.fromMessagePack(pack(forged))).isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("unknown data_type 'x\\n2026-12-01 10:00:00,000 - edge-01 - msight - ERROR ::"
                        + " forged\\u001b[2JAAA")
                .hasMessageContaining("AAA... (1048642 chars)' (known: [")
                .hasMessageNotContaining("\n").hasMessageNotContaining("\u001b")
                .message().hasSizeLessThan(1000);
    }

    @Test
    void unknownOrMissingTagIsMalformed() throws IOException {
        Map<String, Object> unknown = bytesMessage();
        unknown.put("data_type", "msight_core.data.lidar.PointCloud");
        assertThatThrownBy(() -> codec.fromMessagePack(pack(unknown)))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith("unknown data_type 'msight_core.data.lidar.PointCloud'");
        Map<String, Object> missing = bytesMessage();
        missing.remove("data_type");
        assertThatThrownBy(() -> codec.fromMessagePack(pack(missing)))
                .isInstanceOf(MalformedDataException.class).hasMessage("field 'data_type' is missing");
    }

    @Test
    void extraBytesAfterTheMapAndDeepNestingAreMalformed() throws IOException {
        byte[] vector = vector("bytes_data.msgpack");
        byte[] extra = Arrays.copyOf(vector, vector.length + 1);
        assertThatThrownBy(() -> codec.fromMessagePack(extra))
                .isInstanceOf(MalformedDataException.class).hasMessage("extra data after the message");
        String deep = "{\"x\": " + "[".repeat(100) + "]".repeat(100) + "}";
        assertThatThrownBy(() -> codec.fromJson(deep.getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("nests deeper");
    }

    @Test
    void detectionResultsSurviveBothFormats() throws IOException {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("boxes", List.of(List.of(1L, 2.5, -3L)));
        results.put("label", "car");
        results.put("ok", true);
        results.put("none", null);
        results.put("empty", Map.of());
        results.put("list", List.of());
        ImageData image = new ImageData(METADATA, new byte[] {9}, true, 1, 1, 3, results);
        assertThat(json(image)).contains("\"detection_results\": {\"boxes\": [[1, 2.5, -3]], \"label\": \"car\","
                + " \"ok\": true, \"none\": null, \"empty\": {}, \"list\": []}");
        ImageData back = (ImageData) codec.fromMessagePack(codec.toMessagePack(image));
        Map<String, Object> decoded = new LinkedHashMap<>(results);
        decoded.put("boxes", List.of(List.of(1, 2.5, -3))); // small integers come back as Integer
        assertThat(back.detectionResults()).isEqualTo(decoded);
        assertThat(codec.toMessagePack(back)).isEqualTo(codec.toMessagePack(image));
    }

    @Test
    void jsonEscapesLikePython() throws IOException {
        // json.dumps("é\x7f\n\t\x01\"\\\u2028😀/") in Python 3
        String python = "\"\\u00e9\\u007f\\n\\t\\u0001\\\"\\\\\\u2028\\ud83d\\ude00/\"";
        SensorData data = new SensorData(new Metadata("é\u007f\n\t\u0001\"\\\u2028😀/", 1, 2, 3, "d"));
        assertThat(json(data)).contains("\"sensor_name\": " + python + ",");
        assertThat(codec.fromJson(json(data).getBytes(StandardCharsets.UTF_8)).metadata())
                .isEqualTo(data.metadata());
    }

    @Test
    void frameIdsPast2To63StayUnsigned() throws IOException {
        long id = -1L; // 2^64 - 1 as Python sees it
        SensorData data = new SensorData(new Metadata("cam", 1, 2, id, "edge"));
        byte[] payload = codec.toMessagePack(data);
        byte[] uint64 = {(byte) 0xa8, 'f', 'r', 'a', 'm', 'e', '_', 'i', 'd', (byte) 0xcf, -1, -1, -1, -1, -1, -1, -1, -1};
        assertThat(indexOf(payload, uint64)).isNotNegative();
        assertThat(json(data)).contains("\"frame_id\": 18446744073709551615,");
        assertThat(codec.fromMessagePack(payload).metadata().frameId()).isEqualTo(id);
        assertThat(codec.fromJson(json(data).getBytes(StandardCharsets.UTF_8)).metadata().frameId()).isEqualTo(id);
    }

    @Test
    void largeImagesRoundTrip() {
        byte[] jpeg = new byte[300_000];
        new java.util.Random(1).nextBytes(jpeg);
        ImageData image = ImageData.jpeg(METADATA, jpeg, 720, 1280);
        byte[] payload = codec.toMessagePack(image);
        assertThat(((ImageData) codec.fromMessagePack(payload)).image()).isEqualTo(jpeg);
    }

    @Test
    void pluginTypesAreReadBesideTheBuiltInOnes() {
        MsightCodec discovered = MsightCodec.withBuiltInTypesAnd(List.of(new TestType()));
        assertThat(discovered.tags()).containsExactly(SensorData.TAG, ImageData.TAG, BytesData.TAG, TestType.TAG);
        SensorData data = new SensorData(METADATA) {
            @Override
            public String typeTag() {
                return TestType.TAG;
            }
        };
        assertThat(discovered.fromMessagePack(codec.toMessagePack(data)).metadata()).isEqualTo(METADATA);
        assertThatThrownBy(() -> codec.fromMessagePack(codec.toMessagePack(data)))
                .isInstanceOf(MalformedDataException.class);
    }

    @Test
    void twoTypesWithOneTagAreRefused() {
        DataType impostor = DataType.of(ImageData.TAG, (metadata, fields) -> new SensorData(metadata));
        assertThatThrownBy(() -> new MsightCodec(List.of(ImageData.TYPE, impostor)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ImageData.TAG);
    }

    /** A plugin's data type, listed in META-INF/services of the test resources. */
    public static final class TestType implements DataType {
        static final String TAG = "test.PluginData";

        @Override
        public String tag() {
            return TAG;
        }

        @Override
        public SensorData read(Metadata metadata, org.msight.api.data.Fields fields) {
            return new SensorData(metadata);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

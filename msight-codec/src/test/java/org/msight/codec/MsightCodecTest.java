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
import org.msight.api.data.GenericData;
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

    /** A MessagePack map of string keys to strings, doubles, longs, booleans, bytes or int or long arrays. */
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
            } else if (value instanceof long[] longs) {
                packer.packArrayHeader(longs.length);
                for (long l : longs) {
                    packer.packLong(l);
                }
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
    void keysInAnotherOrderOrUnknownOnesPassThroughAsTheyArrivedWithTheTypedReading() throws IOException {
        Map<String, Object> shuffled = new LinkedHashMap<>();
        shuffled.put("future_field", "whatever");
        List<String> keys = List.of("data", "frame_id", "device_name", "data_type", "creation_timestamp",
                "sensor_name", "capture_timestamp");
        keys.forEach(key -> shuffled.put(key, bytesMessage().get(key)));
        GenericData generic = (GenericData) codec.fromMessagePack(pack(shuffled));
        assertThat(generic.metadata()).isEqualTo(METADATA);
        assertThat(generic.typed()).get().isInstanceOfSatisfying(BytesData.class, data -> {
            assertThat(data.metadata()).isEqualTo(METADATA);
            assertThat(data.data()).containsExactly(1, 2, 3);
        });
        assertThat(codec.toMessagePack(generic)).isEqualTo(pack(shuffled));
        assertThat(codec.toMessagePack(generic.typed().orElseThrow())).isEqualTo(pack(bytesMessage()));
        assertThat(codec.fromMessagePack(pack(bytesMessage()))).isInstanceOf(BytesData.class);
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
    void anyMapIsAMessageWhateverItsFieldsAndOnlyOthersAreMalformed() throws IOException {
        Map<String, Object> wrongData = bytesMessage();
        wrongData.put("data", 7L);
        Map<String, Object> wrongTime = bytesMessage();
        wrongTime.put("capture_timestamp", "yesterday");
        Map<String, Object> unknown = bytesMessage();
        unknown.put("data_type", "msight_core.data.detection_result.DetectionResultsData");
        Map<String, Object> untagged = bytesMessage();
        untagged.remove("data_type");
        for (Map<String, Object> map : List.of(wrongData, wrongTime, unknown, untagged, Map.<String, Object>of())) {
            GenericData generic = (GenericData) codec.fromMessagePack(pack(map));
            assertThat(generic.typed()).isEmpty();
            assertThat(codec.toMessagePack(generic)).as("%s", map).isEqualTo(pack(map));
        }
        GenericData unknownData = (GenericData) codec.fromMessagePack(pack(unknown));
        assertThat(unknownData.typeTag()).isEqualTo("msight_core.data.detection_result.DetectionResultsData");
        assertThat(((GenericData) codec.fromMessagePack(pack(untagged))).typeTag()).isNull();
        SensorData empty = codec.fromMessagePack(pack(Map.of()));
        assertThat(empty.metadata()).isEqualTo(new Metadata(null, Double.NaN, Double.NaN, 0, null));
        assertThat(json(empty)).isEqualTo("{}");
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
        decoded.put("boxes", List.of(List.of(1L, 2.5, -3L))); // integers come back as Long
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

    /** An image size past 32 bits would be cut by the typed reading: the message has none, and goes on as it came. */
    @Test
    void anImageSizePast32BitsHasNoTypedReading() throws IOException {
        Map<String, Object> map = new LinkedHashMap<>(bytesMessage());
        map.put("data_type", ImageData.TAG);
        map.remove("data");
        map.put("image", new byte[] {1, 2, 3});
        map.put("is_encoded", true);
        map.put("detection_results", null);
        map.put("size", new long[] {(1L << 32) + 1080, 1920, 3});
        GenericData generic = (GenericData) codec.fromMessagePack(pack(map));
        assertThat(generic.typed()).isEmpty();
        assertThat(codec.toMessagePack(generic)).isEqualTo(pack(map));
        map.put("size", new long[] {1080, 1920, 3});
        assertThat(codec.fromMessagePack(pack(map))).isInstanceOfSatisfying(ImageData.class,
                image -> assertThat(image.height()).isEqualTo(1080));
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
        SensorData data = new SensorData(METADATA) {
            @Override
            public String typeTag() {
                return TestType.TAG;
            }
        };
        // TestType reads a plain SensorData, which would write another tag: the typed reading of a generic message
        GenericData read = (GenericData) discovered.fromMessagePack(codec.toMessagePack(data));
        assertThat(read.typed()).get().extracting(SensorData::metadata).isEqualTo(METADATA);
        assertThat(((GenericData) codec.fromMessagePack(codec.toMessagePack(data))).typed()).isEmpty();
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

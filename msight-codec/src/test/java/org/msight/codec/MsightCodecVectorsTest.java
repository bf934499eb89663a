package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import java.util.List;
import java.util.Map;
import org.msight.api.data.BytesData;
import org.msight.api.data.Fields;
import org.msight.api.data.GenericData;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/** The codec against the vectors Python MSight wrote (shared/msight-compat/vectors). */
class MsightCodecVectorsTest {

    private final MsightCodec codec = MsightCodec.withBuiltInTypes();

    static byte[] vector(String name) {
        try (InputStream in = MsightCodecVectorsTest.class.getResourceAsStream("/vectors/" + name)) {
            assertThat(in).as("test resource vectors/" + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] json(SensorData data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.writeJson(data, out);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_data.msgpack", "image_data_raw.msgpack", "bytes_data.msgpack",
            "image_gray.msgpack", "image_raw_int_ts.msgpack", "weather_data.msgpack"})
    void decodingAndReencodingGivesMsightsBytes(String name) {
        byte[] msight = vector(name);
        assertThat(codec.toMessagePack(codec.fromMessagePack(msight))).isEqualTo(msight);
    }

    @Test
    void jpegVectorDecodesToItsFields() {
        ImageData image = (ImageData) codec.fromMessagePack(vector("image_data.msgpack"));
        assertThat(image.metadata()).isEqualTo(new Metadata("rtsp_sensor", 1763353393.866798, 1763353393.901234,
                7398147209361608704L, "edge-01"));
        assertThat(image.image()).isEqualTo(vector("image_data.jpg"));
        assertThat(image.encoded()).isTrue();
        assertThat(new int[] {image.height(), image.width(), image.channels()}).containsExactly(8, 16, 3);
        assertThat(image.detectionResults()).isNull();
    }

    @Test
    void rawVectorDecodesToBgrPixels() {
        ImageData image = (ImageData) codec.fromMessagePack(vector("image_data_raw.msgpack"));
        assertThat(image.encoded()).isFalse();
        assertThat(image.metadata().sensorName()).isEqualTo("raw_cam");
        assertThat(image.image()).hasSize(image.height() * image.width() * image.channels()).hasSize(18);
    }

    @Test
    void bytesVectorDecodesToItsPayload() {
        BytesData bytes = (BytesData) codec.fromMessagePack(vector("bytes_data.msgpack"));
        assertThat(bytes.data()).isEqualTo("NEXT_PHASE\0\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(bytes.metadata()).isEqualTo(new Metadata("cmd_sensor", 1700000000.5, 1700000000.75,
                7398147209361608705L, "edge-01"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_data", "bytes_data", "image_gray", "image_raw_int_ts", "weather_data"})
    void jsonFormIsWhatPythonWrites(String name) throws IOException {
        SensorData data = codec.fromMessagePack(vector(name + ".msgpack"));
        assertThat(new String(json(data), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(vector(name + ".json"), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(json(data)).isEqualTo(vector(name + ".json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_data", "bytes_data"}) // a generic message's bytes read back as Base64 text
    void jsonFormReadsBackToTheSameMessage(String name) {
        SensorData data = codec.fromJson(vector(name + ".json"));
        assertThat(codec.toMessagePack(data)).isEqualTo(vector(name + ".msgpack"));
    }

    @Test
    void aThirdPartyTypePassesThroughWithEveryFieldInOrderAndOfItsKind() {
        GenericData weather = (GenericData) codec.fromMessagePack(vector("weather_data.msgpack"));
        assertThat(weather.typeTag()).isEqualTo("thirdparty_weather.WeatherData");
        assertThat(weather.typed()).isEmpty();
        assertThat(weather.metadata()).isEqualTo(new Metadata("weather_1", 1763353393.5, 1763353393.75,
                7398127312389685251L, "edge-01"));
        Fields fields = weather.fields();
        assertThat(fields.names()).containsExactly("data_type", "sensor_name", "capture_timestamp",
                "creation_timestamp", "frame_id", "device_name", "temperature_c", "readings", "station", "raw", "note");
        assertThat(fields.value("temperature_c")).isEqualTo(-3.25);
        assertThat(fields.value("readings")).isEqualTo(List.of(1L, 2L, 300000L, -4L));
        assertThat(fields.value("station")).hasToString("{id=ws-07, elevation_m=271, ok=true}")
                .isEqualTo(Map.of("id", "ws-07", "elevation_m", 271L, "ok", true));
        assertThat(fields.bytes("raw")).containsExactly(0, 1, 0xfe, 0xff);
        assertThat(fields.string("note")).isEqualTo("caf\u00e9 \"quoted\"");
    }

    @Test
    void msightImagesItsClassWouldWriteOtherwiseStayGenericWithTheirTypedReading() {
        GenericData gray = (GenericData) codec.fromMessagePack(vector("image_gray.msgpack"));
        assertThat(gray.fields().value("size")).isEqualTo(List.of(48L, 64L));
        assertThat(gray.typed()).get().isInstanceOfSatisfying(ImageData.class, image -> {
            assertThat(new int[] {image.height(), image.width(), image.channels()}).containsExactly(48, 64, 1);
            assertThat(image.image()).startsWith(0xff, 0xd8, 0xff, 0xe0);
        });
        GenericData integers = (GenericData) codec.fromMessagePack(vector("image_raw_int_ts.msgpack"));
        assertThat(integers.fields().value("capture_timestamp")).isEqualTo(1763353393L);
        assertThat(integers.metadata().captureTimestamp()).isEqualTo(1763353393.0);
        assertThat(integers.typed()).get().isInstanceOf(ImageData.class);
    }
}

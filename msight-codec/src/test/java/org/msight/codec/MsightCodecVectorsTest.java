package org.msight.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.msight.api.data.BytesData;
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
    @ValueSource(strings = {"image_data.msgpack", "image_data_raw.msgpack", "bytes_data.msgpack"})
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
    @ValueSource(strings = {"image_data", "bytes_data"})
    void jsonFormIsWhatPythonWrites(String name) throws IOException {
        SensorData data = codec.fromMessagePack(vector(name + ".msgpack"));
        assertThat(new String(json(data), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(vector(name + ".json"), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(json(data)).isEqualTo(vector(name + ".json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_data", "bytes_data"})
    void jsonFormReadsBackToTheSameMessage(String name) {
        SensorData data = codec.fromJson(vector(name + ".json"));
        assertThat(codec.toMessagePack(data)).isEqualTo(vector(name + ".msgpack"));
    }
}

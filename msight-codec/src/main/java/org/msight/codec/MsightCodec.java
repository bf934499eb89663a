package org.msight.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.msight.api.LogSafe;
import org.msight.api.data.BytesData;
import org.msight.api.data.DataType;
import org.msight.api.data.GenericData;
import org.msight.api.data.ImageData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;

/**
 * MSight's message formats: the MessagePack map published on Redis, byte for byte what Python
 * MSight writes, and the JSON form ({@code to_json()}) posted by the HTTP uploader, byte for byte
 * what Python's {@code json.dumps} writes. Reading restores every {@link DataType} the codec was
 * built with, and keeps any other map, or one its type would not write back byte for byte, as a
 * {@link GenericData}. Thread-safe.
 */
public final class MsightCodec implements MsightFormats {

    private final Map<String, DataType> types;
    private final MessageReader reader;
    private final MessagePackFactory messagePack;
    private final JsonFactory json;

    /**
     * @param types the data types to read, one per tag
     * @throws IllegalArgumentException when two different types share a tag
     */
    public MsightCodec(Collection<? extends DataType> types) {
        Map<String, DataType> byTag = new LinkedHashMap<>();
        for (DataType type : types) {
            DataType other = byTag.putIfAbsent(type.tag(), type);
            if (other != null && other != type) {
                throw new IllegalArgumentException("two data types share the tag '" + type.tag() + "': "
                        + other.getClass().getName() + " and " + type.getClass().getName());
            }
        }
        this.types = Collections.unmodifiableMap(byTag);
        this.reader = new MessageReader(this.types);
        // No thread-local reuse: it would keep the last payload of every thread reachable.
        this.messagePack = new MessagePackFactory().setReuseResourceInGenerator(false).setReuseResourceInParser(false);
        this.messagePack.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        this.json = PythonJsonStyle.factory();
    }

    /** A codec for MSight's own types: {@link SensorData}, {@link ImageData}, {@link BytesData}. */
    public static MsightCodec withBuiltInTypes() {
        return new MsightCodec(builtInTypes());
    }

    /** A codec for the built-in types plus {@code more} (the data types plugins provide). */
    public static MsightCodec withBuiltInTypesAnd(Collection<? extends DataType> more) {
        List<DataType> types = new ArrayList<>(builtInTypes());
        types.addAll(more);
        return new MsightCodec(types);
    }

    /** MSight's own types, which every codec reads: {@link SensorData}, {@link ImageData}, {@link BytesData}. */
    public static List<DataType> builtInTypes() {
        return List.of(SensorData.TYPE, ImageData.TYPE, BytesData.TYPE);
    }

    /**
     * The MessagePack payload of one message. Large byte fields are copied once, into the
     * returned array, which has exactly the payload's length.
     */
    @Override
    public byte[] toMessagePack(SensorData data) {
        try {
            ByteSink.Counting counter = new ByteSink.Counting();
            writeMessagePack(data, counter);
            ExactArrayOutputStream payload = new ExactArrayOutputStream(Math.toIntExact(counter.count()));
            writeMessagePack(data, payload);
            return payload.array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + data + " as MessagePack", e);
        }
    }

    /** Writes the MessagePack payload of one message to {@code out}, left open. */
    @Override
    public void writeMessagePack(SensorData data, OutputStream out) throws IOException {
        try (JsonGenerator generator = messagePack.createGenerator(out)) {
            MessageWriter.messagePack(generator).write(data);
        }
    }

    /**
     * Writes MSight's JSON form of one message to {@code out}, left open, as UTF-8: bytes are
     * Base64-encoded into a reused buffer (at once up to 384 KB, larger values a chunk at a time)
     * and streamed, never made into a string.
     * {@code out} is flushed once, at the end.
     */
    @Override
    public void writeJson(SensorData data, OutputStream out) throws IOException {
        writeJson(data, new ByteSink.Streaming(out));
        out.flush();
    }

    @Override
    public String pythonFloat(double value) {
        return PythonFloats.repr(value);
    }

    /**
     * The exact length in bytes of what {@link #writeJson} writes for {@code data}, found without
     * Base64-encoding its bytes: a few microseconds whatever their size.
     */
    @Override
    public long jsonLength(SensorData data) {
        ByteSink.Counting counter = new ByteSink.Counting();
        try {
            writeJson(data, counter);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + data + " as JSON", e);
        }
        return counter.count();
    }

    private void writeJson(SensorData data, ByteSink sink) throws IOException {
        try (JsonGenerator generator = json.createGenerator(sink)) {
            generator.setPrettyPrinter(PythonJsonStyle.SEPARATORS);
            MessageWriter.json(generator, sink).write(data);
        }
    }

    /**
     * Reads one MessagePack payload. Its headers are checked first, so a hostile payload whose
     * lengths claim more than it holds is malformed, never a huge allocation.
     *
     * @return the typed message when its data type writes it back exactly, else a {@link GenericData}
     * @throws MalformedDataException when it is not one MessagePack map
     */
    @Override
    public SensorData fromMessagePack(byte[] payload) {
        MessagePackCheck.requireWellFormed(payload);
        return read(payload, messagePack, false, "MessagePack");
    }

    /**
     * Reads one message in the JSON form.
     *
     * @return the typed message when its data type writes it back exactly, else a {@link GenericData}
     * @throws MalformedDataException when it is not one JSON object
     */
    public SensorData fromJson(byte[] json) {
        return read(json, this.json, true, "JSON");
    }

    private SensorData read(byte[] payload, JsonFactory factory, boolean base64Bytes, String format) {
        try (JsonParser parser = factory.createParser(payload)) {
            return reader.read(parser, base64Bytes);
        } catch (MalformedDataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // the parser's message may quote the payload
            throw new MalformedDataException("not a valid " + format + " message (" + payload.length + " bytes): "
                    + LogSafe.text(e.getMessage()));
        }
    }

    /** Fills an array of a known size. */
    private static final class ExactArrayOutputStream extends OutputStream {
        private final byte[] array;
        private int position;

        ExactArrayOutputStream(int size) {
            array = new byte[size];
        }

        @Override
        public void write(int b) {
            array[position++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, array, position, len);
            position += len;
        }

        byte[] array() {
            if (position != array.length) {
                throw new IllegalStateException("wrote " + position + " of " + array.length + " bytes");
            }
            return array;
        }
    }
}

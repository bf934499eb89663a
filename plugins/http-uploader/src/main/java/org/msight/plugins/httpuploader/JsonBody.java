package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;

/**
 * The request body of one upload: MSight's JSON form of a message (bytes in Base64), written
 * once into a pooled buffer of exactly its length (servers written for MSight read
 * {@code Content-Length} bytes, as Python's {@code requests} sends it), then handed to the
 * connection as the I/O thread asks for it. The buffer goes back to the pool when the exchange
 * is over, so steady uploads make no garbage the size of a frame.
 */
final class JsonBody implements AsyncEntityProducer {

    /** Without a charset parameter, as MSight sends it. */
    private static final String JSON = ContentType.create("application/json").toString();

    private final BodyBuffers pool;
    private final BodyBuffers.Buffer buffer;
    private final ByteBuffer content;
    private final AtomicBoolean released = new AtomicBoolean();

    private JsonBody(BodyBuffers pool, BodyBuffers.Buffer buffer) {
        this.pool = pool;
        this.buffer = buffer;
        this.content = buffer.contents();
    }

    static JsonBody of(MsightFormats formats, SensorData data, BodyBuffers pool) {
        long length = formats.jsonLength(data);
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a message of " + length + " bytes of JSON is too large to upload");
        }
        BodyBuffers.Buffer buffer = pool.take((int) length);
        try {
            formats.writeJson(data, buffer);
        } catch (IOException e) {
            pool.give(buffer);
            throw new UncheckedIOException(e);
        }
        return new JsonBody(pool, buffer);
    }

    @Override
    public long getContentLength() {
        return content.limit();
    }

    @Override
    public String getContentType() {
        return JSON;
    }

    @Override
    public String getContentEncoding() {
        return null;
    }

    @Override
    public boolean isChunked() {
        return false;
    }

    @Override
    public Set<String> getTrailerNames() {
        return null;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public int available() {
        return content.remaining();
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        if (content.hasRemaining()) {
            HeadWithBody.write(content, channel);
        }
        if (!content.hasRemaining()) {
            channel.endStream();
        }
    }

    @Override
    public void failed(Exception cause) {
    }

    @Override
    public void releaseResources() {
        if (released.compareAndSet(false, true)) {
            pool.give(buffer);
        }
    }
}

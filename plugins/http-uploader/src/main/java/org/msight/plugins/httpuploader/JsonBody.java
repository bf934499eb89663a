package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;

/**
 * The request body of one upload: MSight's JSON form of a message, written straight to the
 * connection (bytes Base64-encoded on the way), never held in memory as a whole. Its length is
 * known up front, computed by the codec without encoding the bytes: servers written for MSight
 * (Python's {@code requests} sends {@code Content-Length}) read exactly that many bytes.
 * Repeatable, so a retry sends it again.
 */
final class JsonBody extends AbstractHttpEntity {

    /** Without a charset parameter, as MSight sends it. */
    private static final ContentType JSON = ContentType.create("application/json");

    private final MsightCodec codec;
    private final SensorData data;
    private long length = -1;

    JsonBody(MsightCodec codec, SensorData data) {
        super(JSON, null);
        this.codec = codec;
        this.data = data;
    }

    @Override
    public synchronized long getContentLength() {
        if (length < 0) {
            length = codec.jsonLength(data);
        }
        return length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        codec.writeJson(data, out);
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("the JSON body is only written to a stream");
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    @Override
    public void close() {
    }
}

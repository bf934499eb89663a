package org.msight.plugins.httpuploader;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request body buffers, reused: one per upload under way (the runtime bounds those), each grown
 * to the largest body it held. Buffers above {@link #KEPT_BYTES} are not kept, so one huge
 * message does not pin its memory.
 */
final class BodyBuffers {

    /** 110 KB JPEG frames make 150 KB of JSON; 1080p raw frames about 8 MB. */
    private static final int KEPT_BYTES = 16 << 20;
    private static final int KEPT_BUFFERS = org.msight.api.AsyncSinkNode.MAX_IN_FLIGHT;

    private final ConcurrentLinkedQueue<Buffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();

    /** A buffer for a body of exactly {@code length} bytes, to write into. */
    Buffer take(int length) {
        Buffer buffer = free.poll();
        if (buffer == null) {
            buffer = new Buffer();
        } else {
            kept.decrementAndGet();
        }
        buffer.reset(length);
        return buffer;
    }

    /** Gives a buffer back once its body is sent. */
    void give(Buffer buffer) {
        if (buffer.bytes.length <= KEPT_BYTES && kept.incrementAndGet() <= KEPT_BUFFERS) {
            free.offer(buffer);
        } else if (buffer.bytes.length <= KEPT_BYTES) {
            kept.decrementAndGet();
        }
    }

    /** A body being written: exactly the length it was taken for. */
    static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[0];
        private int length;
        private int written;

        private void reset(int bodyLength) {
            if (bytes.length < bodyLength) {
                bytes = new byte[bodyLength];
            }
            length = bodyLength;
            written = 0;
        }

        @Override
        public void write(int b) {
            check(1);
            bytes[written++] = (byte) b;
        }

        @Override
        public void write(byte[] source, int offset, int count) {
            check(count);
            System.arraycopy(source, offset, bytes, written, count);
            written += count;
        }

        private void check(int count) {
            if (count > length - written) {
                throw new IllegalStateException("the JSON is longer than its computed length " + length);
            }
        }

        /** What was written, to be read. */
        ByteBuffer contents() {
            if (written != length) {
                throw new IllegalStateException("the JSON is " + written + " bytes, not its computed length " + length);
            }
            return ByteBuffer.wrap(bytes, 0, length);
        }
    }
}

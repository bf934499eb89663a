package org.msight.plugins.httpuploader;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request body buffers, reused: one per upload under way (the runtime bounds those), each grown
 * to the largest body it held. Buffers above {@link #KEPT_BYTES} are not kept, so one huge
 * message does not pin its memory. They are direct buffers: the socket writes them as they are,
 * where a heap buffer is first copied into one by the JDK (a copy of every body, 5% of the
 * uploader's CPU at full rate in bench/upload).
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
        if (buffer.bytes.capacity() <= KEPT_BYTES && kept.incrementAndGet() <= KEPT_BUFFERS) {
            free.offer(buffer);
        } else if (buffer.bytes.capacity() <= KEPT_BYTES) {
            kept.decrementAndGet();
        }
    }

    /** A body being written: exactly the length it was taken for. */
    static final class Buffer extends OutputStream {
        /** Written up to its position; its limit is the body's length. */
        private ByteBuffer bytes = ByteBuffer.allocateDirect(0);

        private void reset(int bodyLength) {
            if (bytes.capacity() < bodyLength) {
                bytes = ByteBuffer.allocateDirect(bodyLength);
            }
            bytes.clear().limit(bodyLength);
        }

        @Override
        public void write(int b) {
            check(1);
            bytes.put((byte) b);
        }

        @Override
        public void write(byte[] source, int offset, int count) {
            check(count);
            bytes.put(source, offset, count);
        }

        private void check(int count) {
            if (count > bytes.remaining()) {
                throw new IllegalStateException("the JSON is longer than its computed length " + bytes.limit());
            }
        }

        /** What was written, to be read. */
        ByteBuffer contents() {
            if (bytes.hasRemaining()) {
                throw new IllegalStateException("the JSON is " + bytes.position() + " bytes, not its computed length "
                        + bytes.limit());
            }
            return bytes.duplicate().flip();
        }
    }
}

package org.msight.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;

/**
 * What a generator writes a message to. In JSON, the writer hands the Base64 text of byte fields
 * here directly instead of through the generator (the JDK's encoder, where it is a CPU intrinsic,
 * is over ten times faster than Jackson's; where it is not, {@link VectorBase64} or
 * {@link Base64Text} is several times as fast as it: {@link Base64Encoder}).
 * Flushes stop here: the JSON generator flushes before each byte field, and that must not push a
 * half-written body onto a socket.
 */
abstract class ByteSink extends OutputStream {

    /** Writes the Base64 text of {@code value}, without quotes. */
    abstract void writeBase64(byte[] value) throws IOException;

    @Override
    public final void flush() {
    }

    /** Sends the text on to {@code out}, encoding each byte field at once, or a chunk at a time when large. */
    static final class Streaming extends ByteSink {

        /** Input bytes per chunk of a larger value: a multiple of 3, so that only the last chunk has padding. */
        static final int CHUNK = 3 * 4096;
        /**
         * Values up to this many bytes (a 1080p JPEG is about 200 KB) are encoded at once, straight
         * from the caller's array; larger ones (raw frames) a chunk at a time.
         */
        static final int WHOLE = 3 * 128 * 1024;
        private static final Base64.Encoder JDK_BASE64 = Base64.getEncoder();
        /**
         * The scratch of each thread that writes JSON: no garbage the size of a frame per message.
         * Its text is in use while {@code out} takes it, so {@code out} must not write JSON through
         * this class on the same thread.
         */
        private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

        private final OutputStream out;
        private final Base64Encoder encoder;

        Streaming(OutputStream out) {
            this(out, Base64Encoder.CHOSEN);
        }

        Streaming(OutputStream out, Base64Encoder encoder) {
            this.out = out;
            this.encoder = encoder;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        void writeBase64(byte[] value) throws IOException {
            Scratch scratch = SCRATCH.get();
            if (value.length <= WHOLE) {
                byte[] text = scratch.text(value.length);
                out.write(text, 0, encode(value, 0, value.length, scratch.chunk, text));
                return;
            }
            byte[] text = scratch.text(CHUNK);
            for (int off = 0; off < value.length; off += CHUNK) {
                out.write(text, 0, encode(value, off, Math.min(CHUNK, value.length - off), scratch.chunk, text));
            }
        }

        /**
         * Writes the text of a slice of {@code value} to {@code text} from index 0.
         *
         * @param chunk where the JDK's encoder takes a slice shorter than {@code value} from: it takes
         *     whole arrays only (the ways around that measured slower on JDK 17, 300 KB: slices through
         *     encode(ByteBuffer) allocate each chunk's text, 2x the time; wrap()'s stream is not
         *     intrinsic, 25x)
         * @return the length of the text
         */
        private int encode(byte[] value, int off, int len, byte[] chunk, byte[] text) {
            if (encoder == Base64Encoder.VECTOR && VectorBase64.warm()) {
                return VectorBase64.encode(value, off, len, text);
            }
            if (encoder != Base64Encoder.JDK) {
                return Base64Text.encode(value, off, len, text, 0);
            }
            if (len == value.length) {
                return JDK_BASE64.encode(value, text);
            }
            byte[] slice = len == CHUNK ? chunk : new byte[len]; // a short last chunk: once per large value
            System.arraycopy(value, off, slice, 0, len);
            return JDK_BASE64.encode(slice, text);
        }

        /** A chunk, and text grown as values need, up to the text of {@link #WHOLE} bytes. */
        private static final class Scratch {
            private final byte[] chunk = new byte[CHUNK];
            private byte[] text = new byte[0];

            /** An array for the text of {@code n} bytes, {@code n <= WHOLE}. */
            byte[] text(int n) {
                int length = (int) Base64Text.length(n);
                if (text.length < length) { // a quarter more: frames a little larger than the last need no new one
                    text = new byte[(int) Math.min(Base64Text.length(WHOLE), length + length / 4L)];
                }
                return text;
            }
        }
    }

    /** Counts bytes, keeping none; Base64 text by arithmetic, without encoding anything. */
    static final class Counting extends ByteSink {

        private long count;

        long count() {
            return count;
        }

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }

        @Override
        void writeBase64(byte[] value) {
            count += Base64Text.length(value.length);
        }
    }
}

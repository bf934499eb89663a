package org.msight.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Standard Base64 text (RFC 4648's alphabet, padded, no line breaks), as {@link java.util.Base64}
 * writes it, for the JVMs where the JDK's encoder is not a CPU intrinsic. JDK 17 has one on
 * aarch64 and, on x86, with AVX-512 only: on an x86 box without it (most edge boxes' CPUs) the
 * JDK encodes a character at a time, about 100 us for a 110 KB JPEG. This looks up 12 bits at a
 * time and stores 4 characters at once: half that. Where the intrinsic is on, the JDK's is
 * several times faster than either; {@link Base64Encoder#CHOSEN} says which to use.
 */
final class Base64Text {

    private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            .getBytes(StandardCharsets.US_ASCII);
    /** The two characters of each 12-bit value, the first in the higher byte. */
    private static final int[] PAIRS = new int[1 << 12];
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    static {
        for (int bits = 0; bits < PAIRS.length; bits++) {
            PAIRS[bits] = ALPHABET[bits >>> 6] << 8 | ALPHABET[bits & 0x3f];
        }
    }

    private Base64Text() {
    }

    /** The length of the text of {@code n} bytes. */
    static long length(int n) {
        return 4L * ((n + 2) / 3);
    }

    /**
     * Writes the text of {@code src[off, off + len)} to {@code dst} from index {@code start}, where
     * it must have room for {@link #length}{@code (len)} bytes.
     *
     * @return the length of the text
     */
    static int encode(byte[] src, int off, int len, byte[] dst, int start) {
        int end = off + len - len % 3;
        int at = start;
        for (int from = off; from < end; from += 3, at += 4) {
            int bits = (src[from] & 0xff) << 16 | (src[from + 1] & 0xff) << 8 | src[from + 2] & 0xff;
            INTS.set(dst, at, PAIRS[bits >>> 12] << 16 | PAIRS[bits & 0xfff]);
        }
        int left = len % 3;
        if (left > 0) { // 2 or 3 characters, and padding
            int bits = (src[end] & 0xff) << 16 | (left == 2 ? (src[end + 1] & 0xff) << 8 : 0);
            dst[at] = ALPHABET[bits >>> 18];
            dst[at + 1] = ALPHABET[bits >>> 12 & 0x3f];
            dst[at + 2] = left == 2 ? ALPHABET[bits >>> 6 & 0x3f] : (byte) '=';
            dst[at + 3] = '=';
            at += 4;
        }
        return at - start;
    }
}

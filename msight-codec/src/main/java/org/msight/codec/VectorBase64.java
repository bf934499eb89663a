package org.msight.codec;

import java.util.concurrent.ThreadLocalRandom;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.msight.api.DaemonThreads;

/**
 * Standard Base64 text through JDK 17's Vector API (the incubator module
 * {@code jdk.incubator.vector}): 24 bytes into 32 characters per step on AVX2, about three times
 * as fast as {@link Base64Text}'s table on a CPU without the JDK's intrinsic. Initializing this
 * class fails where the module is not resolved ({@code --add-modules jdk.incubator.vector}).
 *
 * <p>Each step spreads every 3 bytes {@code a b c} over a 32-bit lane, cuts the lane's 24 bits
 * into four 6-bit indices, one a byte, and turns each index into its character by adding the
 * offset of its range of the alphabet (A-Z, a-z, 0-9, +, /).
 */
final class VectorBase64 {

    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    /** Input bytes per step: 3 of each 4 lanes' bytes. */
    private static final int STEP = BYTES.length() / 4 * 3;
    /**
     * Each 3 bytes {@code a b c} into an int lane as the bytes {@code c b a a}, little-endian: the
     * value {@code a << 16 | b << 8 | c}, its top byte a spare copy of {@code a}, masked off.
     */
    private static final VectorShuffle<Byte> SPREAD = VectorShuffle.fromOp(BYTES,
            lane -> 3 * (lane / 4) + new int[] {2, 1, 0, 0}[lane % 4]);

    /**
     * Rounds of {@link #WARM_UP_BYTES} the warm-up encodes: until C2 has compiled this code, it runs
     * as plain Java, a hundred times slower (half a second for a 110 KB image), and it ran at full
     * speed after about 100 such rounds (JDK 17, x86).
     */
    private static final int WARM_UP_ROUNDS = 200;
    /** Not a multiple of 3: the tail's padding runs too. */
    private static final int WARM_UP_BYTES = 96 * 1024 + 1;
    private static volatile boolean warm;

    private VectorBase64() {
    }

    /**
     * Starts warming this encoder up on a thread of its own, so that no body waits for it
     * uncompiled; {@link #warm()} says when it is done. About a second of CPU.
     */
    static void warmUp() {
        DaemonThreads.start("msight-base64-warm-up", () -> {
            byte[] src = new byte[WARM_UP_BYTES];
            ThreadLocalRandom.current().nextBytes(src);
            byte[] dst = new byte[(int) Base64Text.length(src.length)];
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                encode(src, 0, src.length, dst);
            }
            warm = true;
        });
    }

    /** Whether {@link #warmUp()} is done: until then, the table encodes. */
    static boolean warm() {
        return warm;
    }

    /** Whether the CPU has vectors of 256 bits (AVX2): narrower ones, or none, would be slower than the table. */
    static boolean wide() {
        return ByteVector.SPECIES_PREFERRED.vectorBitSize() >= BYTES.vectorBitSize();
    }

    /** As {@link Base64Text#encode}, from index 0 of {@code dst}. */
    static int encode(byte[] src, int off, int len, byte[] dst) {
        int end = off + len;
        int from = off;
        int at = 0;
        for (; from <= end - BYTES.length(); from += STEP, at += BYTES.length()) { // reads 32, uses 24
            IntVector lanes = ByteVector.fromArray(BYTES, src, from).rearrange(SPREAD).reinterpretAsInts();
            ByteVector indices = lanes.lanewise(VectorOperators.LSHR, 18).and(0x3f)
                    .or(lanes.lanewise(VectorOperators.LSHR, 4).and(0x3f00))
                    .or(lanes.lanewise(VectorOperators.LSHL, 10).and(0x3f0000))
                    .or(lanes.lanewise(VectorOperators.LSHL, 24).and(0x3f000000))
                    .reinterpretAsBytes();
            ByteVector offsets = ByteVector.broadcast(BYTES, (byte) 'A')
                    .blend((byte) ('a' - 26), indices.compare(VectorOperators.GE, (byte) 26))
                    .blend((byte) ('0' - 52), indices.compare(VectorOperators.GE, (byte) 52))
                    .blend((byte) ('+' - 62), indices.compare(VectorOperators.EQ, (byte) 62))
                    .blend((byte) ('/' - 63), indices.compare(VectorOperators.EQ, (byte) 63));
            indices.add(offsets).intoArray(dst, at);
        }
        return at + Base64Text.encode(src, from, end - from, dst, at);
    }
}

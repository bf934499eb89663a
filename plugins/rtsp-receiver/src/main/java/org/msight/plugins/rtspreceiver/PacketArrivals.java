package org.msight.plugins.rtspreceiver;

import java.util.function.DoubleSupplier;
import org.msight.api.data.Metadata;

/**
 * When the latest video packets arrived, by a number each is tagged with: a frame's capture time
 * is its packet's arrival, not when the decoder hands it out. A decoder's frame threads hand a
 * frame out packets later (threads - 1, and B-frames' reordering): at 5 fps with 9 threads that
 * is 1.6 s. Never a little earlier than the frame before: with B-frames a frame's packet comes
 * before those of frames shown ahead of it (a clock set back more than {@link #REORDERING} is
 * followed). A fixed ring, nothing allocated per packet; one thread's.
 */
final class PacketArrivals {

    /** More than a decoder holds: FFmpeg's most frame threads (64), and reordering (16). */
    private static final int KEPT = 128;
    /** More than B-frames put between a packet and its frame's turn; less than a clock set back. */
    private static final double REORDERING = 1.0;

    private final long[] numbers = new long[KEPT];
    private final double[] seconds = new double[KEPT];
    private final DoubleSupplier clock;
    private long count;
    /** The latest capture time handed out. */
    private double latest;

    PacketArrivals() {
        this(Metadata::now);
    }

    /** @param clock POSIX seconds now: {@link Metadata#now}, or a test's */
    PacketArrivals(DoubleSupplier clock) {
        this.clock = clock;
    }

    /** Notes that a packet arrives now; returns the number to tag it with, never 0. */
    long arrived() {
        long number = ++count;
        int slot = (int) (number % KEPT);
        numbers[slot] = number;
        seconds[slot] = clock.getAsDouble();
        return number;
    }

    /**
     * When the packet tagged {@code number} arrived, in POSIX seconds, or the capture time handed
     * out last if that is up to {@link #REORDERING} later; now for 0 (no tag) or one no longer kept.
     */
    double arrivalOf(long number) {
        int slot = (int) (number % KEPT);
        double arrival = number > 0 && numbers[slot] == number ? seconds[slot] : clock.getAsDouble();
        latest = arrival < latest && arrival > latest - REORDERING ? latest : arrival;
        return latest;
    }
}

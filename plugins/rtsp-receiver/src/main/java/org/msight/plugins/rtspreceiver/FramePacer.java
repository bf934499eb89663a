package org.msight.plugins.rtspreceiver;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Holds the frames of a file or test source to their own timeline, so they come at the rate
 * a camera would send them (a 10 s file takes 10 s) instead of as fast as they decode. The
 * first frame sets the origin; a frame whose time goes back (a file read again), lies more
 * than a second behind (a stall) or leaps more than {@link #MAX_LEAP_SECONDS} past the frame
 * before it (recordings joined together, a bogus time stamp) starts a new one, so no frame
 * holds the input for longer than that.
 */
final class FramePacer {

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longer than any pause between two frames of a real video, variable frame rates included. */
    static final double MAX_LEAP_SECONDS = 10;

    private long originNanos;
    private double originSeconds = Double.NaN;
    private double lastSeconds;

    /**
     * Waits until the frame at {@code seconds} of its input is due, or {@code stopping} says so.
     * A frame without a time ({@code NaN}) goes at once.
     */
    void await(double seconds, BooleanSupplier stopping) throws InterruptedException {
        if (Double.isNaN(seconds)) {
            return;
        }
        long now = System.nanoTime();
        long due = originNanos + (long) ((seconds - originSeconds) * 1e9);
        if (Double.isNaN(originSeconds) || seconds < lastSeconds || seconds - lastSeconds > MAX_LEAP_SECONDS
                || now - due > MAX_LAG_NANOS) {
            originNanos = now;
            originSeconds = seconds;
            due = now;
        }
        lastSeconds = seconds;
        for (long left = due - now; left > 0 && !stopping.getAsBoolean(); left = due - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE_NANOS));
        }
    }

    /** Starts a new timeline with the next frame. */
    void reset() {
        originSeconds = Double.NaN;
    }
}

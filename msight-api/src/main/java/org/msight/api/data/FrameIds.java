package org.msight.api.data;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Snowflake-style 64-bit frame ids as MSight makes them: milliseconds since the POSIX epoch in
 * the high bits ({@code << 22}), a 10-bit worker id ({@code << 12}) and a 12-bit sequence.
 * Unique across the threads of a process; the worker id, random per process, keeps processes
 * apart. Readers treat ids as opaque.
 */
public final class FrameIds {

    private static final int WORKER_BITS = 10;
    private static final int SEQUENCE_BITS = 12;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    private static final long WORKER_ID = ThreadLocalRandom.current().nextLong(1L << WORKER_BITS);

    /** Last issued (millisecond << 12 | sequence). */
    private static final AtomicLong LAST = new AtomicLong();

    private FrameIds() {
    }

    /** A new id, greater than every id this process issued before. */
    public static long next() {
        while (true) {
            long last = LAST.get();
            long nowSlot = System.currentTimeMillis() << SEQUENCE_BITS;
            long next = Math.max(nowSlot, last + 1);
            if (LAST.compareAndSet(last, next)) {
                long millis = next >>> SEQUENCE_BITS;
                return (millis << (WORKER_BITS + SEQUENCE_BITS)) | (WORKER_ID << SEQUENCE_BITS) | (next & SEQUENCE_MASK);
            }
        }
    }
}

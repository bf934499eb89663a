package org.msight.runtime.node;

/**
 * MSight's gap: with gap N, one message out of every N+1 is handled. The counter counts every
 * message and fires on the (N+1)th, then resets, exactly as MSight counts: gap 0 handles every
 * message, gap 9 the 10th, 20th, 30th, ...
 */
public final class Gap {

    private final int gap;
    private int counter;

    public Gap(int gap) {
        if (gap < 0) {
            throw new IllegalArgumentException("gap must be 0 or more, was " + gap);
        }
        this.gap = gap;
    }

    /** Counts one message; whether it is to be handled. Not thread-safe: one node, one thread. */
    public boolean admit() {
        counter++;
        if (counter > gap) {
            counter = 0;
            return true;
        }
        return false;
    }
}

package org.msight.runtime.node;

import java.util.concurrent.atomic.LongAdder;
import org.msight.api.Counter;

/** A {@link Counter} many threads may increment at once. */
public final class LongCounter implements Counter {

    private final LongAdder adder = new LongAdder();

    @Override
    public void increment(long amount) {
        adder.add(amount);
    }

    @Override
    public long count() {
        return adder.sum();
    }
}

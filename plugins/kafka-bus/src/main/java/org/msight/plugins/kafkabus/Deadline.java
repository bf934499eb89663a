package org.msight.plugins.kafkabus;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A point in time on a clock of nanoseconds ({@link System#nanoTime()}, or a test's): the check at
 * start has one, {@code connect-timeout} from its start, which the probe ({@link BrokerProbe}) and
 * the admin client's check share; so has the close, which the producer and the subscribers share
 * ({@link KafkaBus#CLOSE_LIMIT}).
 */
record Deadline(long nanos, LongSupplier clock) {

    /** {@code timeout} from now on {@code clock}. */
    static Deadline after(Duration timeout, LongSupplier clock) {
        return new Deadline(clock.getAsLong() + timeout.toNanos(), clock);
    }

    /** This deadline, or {@code timeout} from now when that comes first. */
    Deadline within(Duration timeout) {
        Deadline sooner = after(timeout, clock);
        return sooner.nanos - nanos < 0 ? sooner : this;
    }

    /** {@code margin} before this deadline. */
    Deadline before(Duration margin) {
        return new Deadline(nanos - margin.toNanos(), clock);
    }

    /** What is left until it: zero once it has passed. */
    Duration left() {
        return Duration.ofNanos(Math.max(0, nanos - clock.getAsLong()));
    }
}

package org.msight.plugins.httpuploader;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something to become true in a test. */
final class Poll {

    private Poll() {
    }

    /** Whether {@code condition} became true within {@code limit}. */
    static boolean until(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}

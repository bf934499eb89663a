package org.msight.testkit;

import java.time.Duration;

/** How long tests wait for what should happen. */
public final class Waits {

    /**
     * Generous, so that a loaded machine never fails a test by chance: tests wait for things to
     * happen; how fast they happen is measured in {@code bench/}.
     */
    public static final Duration GENEROUS = Duration.ofSeconds(60);

    private Waits() {
    }
}

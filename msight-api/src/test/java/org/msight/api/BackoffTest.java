package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    /** A thread retrying until a deadline pauses no longer than what is left of it. */
    @Test
    void aPauseWithALimitWaitsNoLongerThanIt() {
        Backoff backoff = new Backoff(Duration.ofHours(1), Duration.ofHours(1)); // no test waits an hour
        assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertThat(backoff.pause(Duration.ZERO)).isTrue());
    }

    /** A deadline already past, reckoned as what is left of it: Thread.sleep refused the negative wait. */
    @Test
    void aPauseWithALimitAlreadyPastDoesNotWait() {
        Backoff backoff = new Backoff(Duration.ofHours(1), Duration.ofHours(1));
        assertTimeoutPreemptively(Duration.ofMinutes(1),
                () -> assertThat(backoff.pause(Duration.ofSeconds(-1))).isTrue());
    }
}

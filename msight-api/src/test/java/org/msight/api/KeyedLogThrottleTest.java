package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeyedLogThrottleTest {

    @Test
    void eachKindHasItsOwnLineAndTheLeastRecentKindIsForgottenBeyondTheBound() {
        KeyedLogThrottle throttle = new KeyedLogThrottle(Duration.ofHours(1), 2); // no test waits an hour
        assertThat(throttle.occurred("a")).isOne();
        assertThat(throttle.occurred("b")).as("another kind is not hidden by the first").isOne();
        assertThat(throttle.occurred("a")).isZero();
        assertThat(throttle.occurred("b")).isZero();
        assertThat(throttle.occurred("a")).isZero();
        assertThat(throttle.occurred("c")).as("a third kind: b, the least recent, is forgotten").isOne();
        assertThat(throttle.occurred("a")).isZero();
        assertThat(throttle.occurred("b")).as("forgotten, so let through again").isOne();
    }
}

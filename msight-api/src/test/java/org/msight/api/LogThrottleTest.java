package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogThrottleTest {

    @Test
    void theFirstOccurrenceIsLetThroughThenNoneWithinTheInterval() {
        LogThrottle throttle = new LogThrottle(Duration.ofHours(1)); // no test waits an hour
        assertThat(throttle.occurred()).isOne();
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.occurred()).isZero();
        }
    }

    @Test
    void oncePastTheIntervalTheLineCountsEveryOccurrenceSinceTheLastLine() {
        long[] now = {0};
        LogThrottle throttle = new LogThrottle(Duration.ofSeconds(60), () -> now[0]);
        assertThat(throttle.occurred()).isOne();
        now[0] = Duration.ofSeconds(30).toNanos();
        assertThat(throttle.occurred()).isZero();
        assertThat(throttle.occurred()).isZero();
        now[0] = Duration.ofSeconds(60).toNanos();
        assertThat(throttle.occurred()).as("three since the last line").isEqualTo(3);
        assertThat(throttle.occurred()).isZero();
        assertThatThrownBy(() -> new LogThrottle(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}

package org.msight.plugins.redisbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.redis.RedisTests.withDefaultLocale;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.msight.api.Counter;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.LogCapture;

class OutagesTest {

    @Test
    void anOutageIsLoggedOnceWhenTheFirstConnectionLosesRedisAndOnceWhenTheLastGetsItBack() throws Throwable {
        Counter reconnects = TestBusContext.of("redis", "").counter("reconnects");
        Outages outages = new Outages(reconnects);
        try (LogCapture log = LogCapture.of(RedisBus.class)) {
            withDefaultLocale(Locale.GERMANY, () -> {
                outages.down("publisher", "Redis unreachable at localhost:6379 (Connection refused)");
                outages.down("subscriber", "Redis unreachable at localhost:6379 (Connection refused)");
                outages.up("publisher");
                outages.up("subscriber");
            });
            assertThat(log.messages()).hasSize(2)
                    .first().isEqualTo("Redis unreachable at localhost:6379 (Connection refused); retrying");
            assertThat(log.messages().get(1)).matches("Redis connection restored after [0-9]+\\.[0-9] s");
            assertThat(reconnects.count()).as("one outage ended, one reconnect").isOne();
        }
    }
}

package org.msight.runtime.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.runtime.bus.redis.RedisTests.messages;
import static org.msight.runtime.bus.redis.RedisTests.withDefaultLocale;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class OutagesTest {

    @Test
    void anOutageIsLoggedOnceWhenTheFirstConnectionLosesRedisAndOnceWhenTheLastGetsItBack() throws Throwable {
        ListAppender<ILoggingEvent> log = RedisTests.captureLog(RedisBus.class);
        Outages outages = new Outages();
        withDefaultLocale(Locale.GERMANY, () -> {
            outages.down("publisher", "Redis unreachable at localhost:6379 (Connection refused)");
            outages.down("subscriber", "Redis unreachable at localhost:6379 (Connection refused)");
            outages.up("publisher");
            outages.up("subscriber");
        });
        log.stop();
        assertThat(messages(log)).hasSize(2)
                .first().isEqualTo("Redis unreachable at localhost:6379 (Connection refused); retrying");
        assertThat(messages(log).get(1)).matches("Redis connection restored after [0-9]+\\.[0-9] s");
    }
}

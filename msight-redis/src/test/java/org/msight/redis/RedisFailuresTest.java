package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisDataException;

class RedisFailuresTest {

    /** A Redis without TLS can be spoofed: its error text reaches the log and msight status's terminal. */
    @Test
    void aServersErrorTextIsEscaped() {
        RedisSettings settings = RedisSettings.from(RedisSettingsTest.block("host = 127.0.0.1, port = 16392"));
        String described = RedisFailures.describe(settings,
                new JedisDataException("ERR \u001b[31mEVIL\u001b]0;pwned\u0007\r\nforged"));
        assertThat(described).isEqualTo("Redis unreachable at 127.0.0.1:16392"
                + " (ERR \\u001b[31mEVIL\\u001b]0;pwned\\u0007\\r\\nforged)");
    }
}

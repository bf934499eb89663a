package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msight.testkit.RedisTestServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

class RedisFailuresTest {

    /** A Redis without TLS can be spoofed: its error text reaches the log and msight status's terminal. */
    @Test
    void aServersErrorTextIsEscaped() {
        RedisSettings settings = RedisSettings.from(RedisSettingsTest.block("host = 127.0.0.1, port = 16392"));
        String described = RedisFailures.describe(settings,
                new JedisDataException("ERR \u001b[31mEVIL\u001b]0;pwned\u0007\r\nforged"));
        assertThat(described).isEqualTo("Redis at 127.0.0.1:16392 refused the command:"
                + " ERR \\u001b[31mEVIL\\u001b]0;pwned\\u0007\\r\\nforged");
    }

    /**
     * An error reply is Redis refusing, not Redis unreachable: a host that became a replica after a
     * failover (READONLY) was said to be unreachable at every heartbeat, while redis-cli answered.
     */
    @Test
    void aRefusedCommandIsSaidToBeRefusedWithRedissReply() {
        try (RedisTestServer server = new RedisTestServer().start()) {
            RedisSettings settings = RedisTests.settings(server.port(), null);
            try (Jedis raw = settings.connect(Duration.ofSeconds(2))) {
                raw.replicaof("127.0.0.1", 1); // a master that is not there: a replica, read-only
            }
            try (UnifiedJedis client = settings.client(Duration.ofSeconds(2))) {
                assertThatThrownBy(() -> client.hset("MSIGHT:NODES", Map.of("n", "v")))
                        .satisfies(refused -> assertThat(RedisFailures.describe(settings, refused)).isEqualTo(
                                "Redis at 127.0.0.1:" + server.port() + " refused the command: READONLY You can't"
                                        + " write against a read only replica."));
            }
        }
    }
}

package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    /** The runtime's reference block under {@code hocon}. */
    private static Config block(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                .getConfig("msight.redis")).resolve();
    }

    @Test
    void referenceDefaultsAreMsights() {
        RedisSettings settings = RedisSettings.from(block("host = localhost, port = 6379, password = \"\""
                + ", username = \"\", db = 0, tls.enabled = false"));
        assertThat(settings.address()).isEqualTo("localhost:6379");
        assertThat(settings.db()).isZero();
        assertThat(settings.password()).isNull();
        assertThat(settings.username()).isNull();
        assertThat(settings.tls()).isNull();
        assertThat(settings.publishTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.backoffMax()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void tlsAndCredentialsAreReadAndThePasswordStaysOutOfToString() {
        RedisSettings settings = RedisSettings.from(block("host = redis.lab, port = \"6380\", db = \"2\""
                + ", username = edge, password = hunter2, tls { enabled = \"True\", ca-cert-file = /etc/ca.pem }"));
        assertThat(settings.port()).isEqualTo(6380);
        assertThat(settings.db()).isEqualTo(2);
        assertThat(settings.password()).isEqualTo("hunter2");
        assertThat(settings.tls()).isEqualTo(new RedisSettings.Tls(Path.of("/etc/ca.pem"), null, null, true));
        assertThat(settings.toString()).contains("redis.lab:6380", "user edge", "password set")
                .doesNotContain("hunter2");
    }

    @Test
    void aZeroTimeoutIsRefused() {
        assertThatThrownBy(() -> RedisSettings.from(block("socket-timeout = 0s"))).isInstanceOf(
                IllegalArgumentException.class).hasMessage("timeouts and backoffs must be positive, got PT0S");
    }
}

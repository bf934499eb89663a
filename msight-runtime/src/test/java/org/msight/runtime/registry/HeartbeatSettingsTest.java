package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class HeartbeatSettingsTest {

    private static Config block(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                .getConfig("msight.registry.heartbeat")).resolve();
    }

    @Test
    void theReferenceBlockHoldsTheDefaults() {
        assertThat(HeartbeatSettings.from(block(""))).isEqualTo(HeartbeatSettings.DEFAULTS);
    }

    @Test
    void actionOnErrorIsStopOrContinue() {
        assertThat(HeartbeatSettings.from(block("action-on-error = stop")).actionOnError())
                .isEqualTo(HeartbeatSettings.ActionOnError.STOP);
        assertThatThrownBy(() -> HeartbeatSettings.from(block("action-on-error = restart")))
                .isInstanceOf(ConfigException.BadValue.class).hasMessageContaining("'restart': use stop or continue");
    }
}

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
    void msightsToleranceOfMinusOneTurnsTheCheckOffAndStaleAfterMustOutlastTwoBeats() {
        assertThat(HeartbeatSettings.from(block("tolerance = -1.0s")).checksStaleness()).isFalse();
        assertThat(HeartbeatSettings.from(block("tolerance = 0s")).checksStaleness()).isFalse();
        assertThat(HeartbeatSettings.from(block("tolerance = 60s")).checksStaleness()).isTrue();
        assertThatThrownBy(() -> HeartbeatSettings.from(block("update-interval = 6s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("stale-after: 10s must be at least twice"
                        + " update-interval (6s), or live nodes would look dead");
    }

    @Test
    void actionOnErrorIsStopOrContinue() {
        assertThat(HeartbeatSettings.from(block("action-on-error = continue")).actionOnError())
                .isEqualTo(HeartbeatSettings.ActionOnError.CONTINUE);
        assertThatThrownBy(() -> HeartbeatSettings.from(block("action-on-error = restart")))
                .isInstanceOf(ConfigException.BadValue.class).hasMessageContaining("'restart': use stop or continue");
    }
}

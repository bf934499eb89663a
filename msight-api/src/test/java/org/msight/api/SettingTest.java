package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SettingTest {

    @Test
    void aDurationIsWrittenInItsLargestWholeUnit() {
        assertThat(Stream.of(Duration.ZERO, Duration.ofNanos(1500), Duration.ofNanos(-500_000), Duration.ofMillis(1500),
                Duration.ofSeconds(90), Duration.ofMinutes(10), Duration.ofHours(2)).map(Setting::written))
                .containsExactly("0s", "1500ns", "-500us", "1500ms", "90s", "10m", "2h");
    }

    /** Python MSight: {@code os.getenv(...).lower() in ["true", "1", "yes"]}; anything else is off. */
    @Test
    void aSwitchIsOnExactlyWhenMsightTakesItForOn() {
        for (String on : new String[] {"true", "YES", "True", "1"}) {
            assertThat(Setting.isOn(on)).as(on).isTrue();
        }
        for (String off : new String[] {"false", "No", "off", "0", "", " ", "n"}) {
            assertThat(Setting.isOn(off)).as(off).isFalse();
        }
        Setting.Check rule = Setting.onOff("enabled", "connect with TLS").checks().get(0);
        assertThat(rule.rule()).isEqualTo("must be true, 1 or yes (any case) for on, or false, 0, no, n, off or empty"
                + " for off (Python MSight reads any other word as off)");
        for (String taken : new String[] {"Yes", "TRUE", "1", "N", "off", " "}) {
            assertThat(rule.accepts().test(taken)).as(taken).isTrue();
        }
        for (String unclear : new String[] {"on", "y", " true", "ture", "enabled"}) { // Python reads them as off
            assertThat(rule.accepts().test(unclear)).as(unclear).isFalse();
        }
    }

    @Test
    void aUrlsHostNameMayHoldAnUnderscoreAsDockerComposesServiceNamesDo() {
        assertThat(Setting.isUrl("http://upload_server:8080/in?a=1", "http")).isTrue();
        assertThat(Setting.isUrl("https://lab:p%40ss@edge_1.lab.example./", "https")).isTrue();
        assertThat(Setting.isUrl("http://upload_server", "http")).isTrue();
        assertThat(Setting.isUrl("http://upload_server:", "http")).isTrue();
        assertThat(Setting.isUrl("http://upload_server:65536/", "http")).isFalse();
        assertThat(Setting.isUrl("http://upload_server:0/", "http")).isFalse();
        assertThat(Setting.isUrl("http://upload_server/", "https")).isFalse();
        assertThat(Setting.isUrl("http://up$load/", "http")).isFalse();
        assertThat(Setting.isUrl("http://a..b/", "http")).isFalse();
        assertThat(Setting.isUrl("http://john@corp:pw@upload_server/", "http")).as("an '@' not escaped").isFalse();
        assertThat(Setting.isUrl("http:///in", "http")).isFalse();
    }
}

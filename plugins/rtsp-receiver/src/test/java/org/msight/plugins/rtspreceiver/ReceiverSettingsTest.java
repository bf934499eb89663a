package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;

class ReceiverSettingsTest {

    private final RtspReceiverProvider provider = new RtspReceiverProvider();
    private final Config defaults = ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".rtsp-receiver");

    @Test
    void providerIsFoundAsAServiceAndIsASource() {
        assertThat(ServiceLoader.load(NodeProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(RtspReceiverProvider.class);
        assertThat(provider.type()).isEqualTo("rtsp-receiver");
        assertThat(provider.kind()).isEqualTo(NodeKind.SOURCE);
    }

    @Test
    void referenceConfHasADefaultForEveryOptionalSettingAndNoneForRequiredOnes() {
        for (Setting setting : provider.settings()) {
            assertThat(defaults.hasPath(setting.key())).as(setting.key()).isEqualTo(!setting.required());
        }
        // Beyond its own settings, the block only overrides the runtime's common restart-backoff.
        assertThat(defaults.root().keySet()).containsExactlyInAnyOrderElementsOf(
                provider.settings().stream().map(Setting::key).filter(key -> !key.equals("url"))
                        .collect(Collectors.collectingAndThen(Collectors.toSet(), keys -> {
                            keys.add("restart-backoff");
                            return keys;
                        })));
        ReceiverSettings settings = ReceiverSettings.from(ConfigFactory.parseString("url = x").withFallback(defaults));
        assertThat(settings.jpegQuality()).isEqualTo(50);
        assertThat(settings.rtspTransport()).isEqualTo("tcp");
        assertThat(settings.fullRange()).as("JPEG levels as OpenCV makes them").isTrue();
        assertThat(settings.jpegEncoder()).as("auto, with libturbojpeg0 (scripts/install-test-deps.sh installs it)")
                .isEqualTo(JpegLibrary.TURBOJPEG);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "url = \" \"                   | url: must not be empty",
        "rtsp-transport = http         | rtsp-transport: must be tcp or udp, not 'http'",
        "resize-ratio = 0              | resize-ratio: must be above 0 and at most 4, not 0.0",
        "jpeg-quality = 0              | jpeg-quality: must be from 1 to 100, not 0",
        "jpeg-quality = 101            | jpeg-quality: must be from 1 to 100, not 101",
        "read-timeout = 0s             | read-timeout: must be positive",
        "max-frame-rate = -1           | max-frame-rate: must be 0 (no limit) or more, not -1.0",
        "threads = -1                  | threads: must be from 0 (automatic) to 64, not -1",
        "jpeg-encoder = libjpeg        | jpeg-encoder: must be auto, turbojpeg or ffmpeg, not 'libjpeg'",
    })
    void badValuesAreRejectedNamingTheKey(String setting, String message) {
        Config config = ConfigFactory.parseString(setting).withFallback(ConfigFactory.parseString("url = x"))
                .withFallback(defaults);
        assertThatThrownBy(() -> ReceiverSettings.from(config))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void onlyRtspUrlsTakeRtspOptions() {
        assertThat(settings("rtsp://user:pass@cam/stream").isRtsp()).isTrue();
        assertThat(settings("RTSP://cam/stream").isRtsp()).isTrue();
        assertThat(settings("/videos/clip.mp4").isRtsp()).isFalse();
        assertThat(settings("testsrc2=size=1280x720:rate=30").isRtsp()).isFalse();
    }

    private ReceiverSettings settings(String url) {
        return ReceiverSettings.from(ConfigFactory.parseString("url = \"" + url + "\"").withFallback(defaults));
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin:s3cret", "john@corp.example:s3cret", "s3cret"})
    void toStringMasksTheWholeUserInfo(String userInfo) {
        ReceiverSettings settings = ReceiverSettings.from(ConfigFactory.parseString(
                "url = \"rtsp://" + userInfo + "@127.0.0.1:8554/live\"").withFallback(defaults));
        assertThat(settings.toString()).contains("url=rtsp://***@127.0.0.1:8554/live", "jpegQuality=")
                .doesNotContain("s3cret");
    }
}

package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.PipelineConfigException;

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
        "url = \" \"                   | url: must not be empty, not ' '",
        "rtsp-transport = http         | rtsp-transport: 'http' is not one of tcp, udp (did you mean 'tcp'?)",
        "resize-ratio = 0              | resize-ratio: must be more than 0 and at most 4, not 0",
        "resize-ratio = 4.5            | resize-ratio: must be more than 0 and at most 4, not 4.5",
        "jpeg-quality = 0              | jpeg-quality: must be 1 to 100, not 0",
        "jpeg-quality = 101            | jpeg-quality: must be 1 to 100, not 101",
        "read-timeout = 0s             | read-timeout: must be 1ms to 1h, not '0s'",
        "max-frame-rate = -1           | max-frame-rate: must be 0 or more, not -1",
        "threads = -1                  | threads: must be 0 to 64, not -1",
        "jpeg-encoder = libjpeg        | jpeg-encoder: 'libjpeg' is not one of auto, turbojpeg, ffmpeg",
    })
    void badValuesAreRejectedByTheRuntimeNamingTheKey(String setting, String message) {
        Config pipeline = ConfigFactory.parseString(setting).atPath("nodes.cam").withFallback(
                ConfigFactory.parseString("nodes.cam { type = rtsp-receiver, publish-topic = t, url = x }"));
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", pipeline))
                .isInstanceOf(PipelineConfigException.class).hasMessage("test:1: nodes.cam." + message);
    }

    /** What a 401 says: a password refused, or none given (a parameter masked in logs is neither). */
    @Test
    void userInfoIsTheCredentialsBeforeTheHost() {
        assertThat(settings("rtsp://user:p/ss@cam/stream").hasUserInfo()).isTrue();
        assertThat(settings("rtsp://admin:s3/cr?t#Pw@127.0.0.1:8554/live.stream").hasUserInfo()).isTrue();
        assertThat(settings("rtsp://cam/media.amp?videokeyframeinterval=32").hasUserInfo()).isFalse();
        assertThat(settings("rtsp://cam/stream").hasUserInfo()).isFalse();
        assertThat(settings("/videos/clip@2x.mp4").hasUserInfo()).isFalse();
        assertThat(settings("rtsp://cam/x?mail=me@example.org&x=1").hasUserInfo()).isFalse();
        assertThat(settings("rtsp://admin:pw@10.0.0.9:554").hasUserInfo()).isTrue();
    }

    /** A file cannot be read on, or opened, for good; a device or a camera may come back. */
    @Test
    void filesAreToldFromDevicesAndCameras() {
        assertThat(settings("/videos/clip.mp4").isFile()).isTrue();
        assertThat(settings("file:clip.mp4").isFile()).isTrue();
        assertThat(settings("/dev/video0").isFile()).isFalse();
        assertThat(settings("rtsp://cam/stream").isFile()).isFalse();
        assertThat(ReceiverSettings.from(ConfigFactory.parseString("url = \":0.0\", format = x11grab")
                .withFallback(defaults)).isFile()).isFalse();
    }

    @Test
    void onlyRtspUrlsTakeRtspOptions() {
        assertThat(settings("rtsp://user:pass@cam/stream").isRtsp()).isTrue();
        assertThat(settings("RTSP://cam/stream").isRtsp()).isTrue();
        assertThat(settings("/videos/clip.mp4").isRtsp()).isFalse();
        assertThat(settings("testsrc2=size=1280x720:rate=30").isRtsp()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rtsp://admin:pa/ss?w#rd@cam.local:554/live     | rtsp://admin:pa%2Fss%3Fw%23rd@cam.local:554/live",
        "rtsp://me@corp.example:a/b@[::1]/live           | rtsp://me@corp.example:a%2Fb@[::1]/live",
        "rtsp://admin:a/b@cam_1/live                     | rtsp://admin:a%2Fb@cam_1/live",
        "rtsp://admin:plain@10.0.0.2/live                | rtsp://admin:plain@10.0.0.2/live",
        "rtsp://admin:pw@nvr/live?user=a@b.c/x           | rtsp://admin:pw@nvr/live?user=a@b.c/x",
        "rtsp://cam.local:554/live?user=john@corp.com/x  | rtsp://cam.local:554/live?user=john@corp.com/x",
        "rtsp://cam.local/a@b/c                          | rtsp://cam.local/a@b/c",
        "rtsp://cam.local/live                           | rtsp://cam.local/live",
        "file:///data/cam@gate/clip.mp4                  | file:///data/cam@gate/clip.mp4",
        "/videos/me@home.mp4                             | /videos/me@home.mp4",
        "x                                               | x",
    })
    void ffmpegGetsTheUserInfoWithItsSlashesAndQuestionMarksEncoded(String url, String forFfmpeg) {
        assertThat(settings(url).ffmpegUrl()).isEqualTo(forFfmpeg);
    }

    /**
     * An rtsp:// camera's host name, looked up in Java within connect-timeout, reaches FFmpeg as
     * the address found (user info kept, IPv6 bracketed); rtsps:// keeps the name, which its TLS
     * checks the certificate against; so does a link-local IPv6 address, whose zone a url would
     * have to write as %25 (fe80::1%252), which strict cameras refuse; an address, no host, or an
     * input other than RTSP (http:// may go through a proxy that alone resolves the name) is not
     * looked up ("-").
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rtsp://admin:pa/ss@cam.local:554/live | cam.local | 192.0.2.7 | rtsp://admin:pa%2Fss@192.0.2.7:554/live",
        "rtsp://me@corp:x@cam-2/live?a=b@c     | cam-2     | ::2       | rtsp://me@corp:x@[0:0:0:0:0:0:0:2]/live?a=b@c",
        "RTSP://cam                            | cam       | 192.0.2.7 | RTSP://192.0.2.7",
        "rtsps://admin:pw@cam.local/live       | cam.local | 192.0.2.7 | rtsps://admin:pw@cam.local/live",
        "rtsp://admin:pw@cam.local/live        | cam.local | fe80::1%2 | rtsp://admin:pw@cam.local/live",
        "rtsp://admin:pw@cam.local/live        | cam.local | fe80::1   | rtsp://admin:pw@cam.local/live",
        "rtsp://admin:pw@cam.local/live        | cam.local | ::2%2     | rtsp://admin:pw@cam.local/live",
        "rtsp://admin:pw@10.0.0.2:554/live     | -         | 192.0.2.7 | rtsp://admin:pw@192.0.2.7:554/live",
        "rtsp://[fe80::1]:554/live             | -         | 192.0.2.7 | rtsp://192.0.2.7:554/live",
        "udp://@:1234                          | -         | 192.0.2.7 | udp://@:1234",
        "http://cam.local/video.mjpg           | -         | 192.0.2.7 | http://cam.local/video.mjpg",
        "/videos/cam@gate.mp4                  | -         | 192.0.2.7 | /videos/cam@gate.mp4",
    })
    void anRtspCamerasHostNameIsGivenToFfmpegAsItsAddress(String url, String hostName, String address,
            String forFfmpeg) throws Exception {
        assertThat(settings(url).hostName()).isEqualTo(hostName.equals("-") ? Optional.empty() : Optional.of(hostName));
        assertThat(settings(url).ffmpegUrl(InetAddress.getByName(address))).isEqualTo(forFfmpeg);
    }

    /**
     * threads = 0: one thread each from as many cameras as cores on; below, one per core plus one,
     * 16 at most as FFmpeg's own, but no more than hold 0.2 s of video (1 + 0.2 x the frame rate),
     * or FFmpeg's own choice (0) where the frame rate is unknown (90000: an H.264 SPS without timing,
     * whose rate was taken for frames: 33 threads on 32 cores) or a file is read as fast as it
     * decodes; a number set is kept.
     */
    @ParameterizedTest
    @CsvSource({"0, 1, 2, 30, '', 3", "0, 2, 2, 30, '', 1", "0, 7, 2, 30, '', 1", "0, 3, 4, 0, '', 0",
        "0, 1, 1, 30, '', 1", "2, 7, 2, 30, '', 2", "3, 1, 8, 2, '', 3", "0, 1, 8, 2, '', 1", "0, 1, 8, 15, '', 4",
        "0, 1, 8, 30, '', 7", "0, 1, 8, 120, '', 9", "0, 1, 8, 2, 'realtime = false', 0", "0, 1, 32, 90000, '', 0",
        "0, 1, 32, 120, '', 16"})
    void decoderThreadsAreOneEachWhenTheCamerasAreAsManyAsTheCoresAndHoldLittleVideo(int threads, int cameras,
            int cores, double frameRate, String more, int expected) {
        ReceiverSettings settings = ReceiverSettings.from(ConfigFactory.parseString("url = x, threads = " + threads
                + "\n" + more).withFallback(defaults));
        assertThat(settings.decoderThreads(cameras, cores, frameRate)).isEqualTo(expected);
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

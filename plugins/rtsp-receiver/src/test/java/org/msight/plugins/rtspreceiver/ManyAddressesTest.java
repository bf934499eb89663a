package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXIT;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_FORBIDDEN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_NOT_FOUND;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_SERVER_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_UNAUTHORIZED;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.Waits;

/**
 * A camera whose host name has several addresses: {@link ManyAddressesRun} runs in a JVM of its
 * own whose hosts file ({@code jdk.net.hosts.file}, kept in its order: glibc's getaddrinfo sorts
 * 127.0.0.1 first) gives {@code cam.test} those addresses, such as 127.0.0.2, where nothing
 * listens, then 127.0.0.1, on the same port.
 */
class ManyAddressesTest {

    @TempDir
    Path dir;

    /** The camera was opened at its first address only, so it never connected, where FFmpeg tries each in turn. */
    @Test
    void aCameraIsOpenedAtItsNextAddressWhenTheFirstRefusesTheConnection() throws Exception {
        try (RtspTestServer server = RtspTestServer.start()) {
            List<String> lines = run("127.0.0.2 cam.test\n127.0.0.1 cam.test\n", server.port());
            assertThat(lines).as(String.join("\n", lines))
                    .contains("cam.test: [cam.test/127.0.0.2, cam.test/127.0.0.1]", "published 1280x720");
        }
    }

    /**
     * The outage line named the last address's failure only: a camera whose first address refused
     * the connection and whose second took it but never answered was said to give no answer,
     * never to refuse. Each address tried says its own.
     */
    @Test
    void theOutageLineNamesEachAddressTriedWithItsFailure() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            List<String> lines = run("127.0.0.2 cam.test\n127.0.0.1 cam.test\n", silent.getLocalPort());
            assertThat(lines).as(String.join("\n", lines)).contains("failed: cannot open rtsp://cam.test:"
                    + silent.getLocalPort() + "/live.stream: 127.0.0.2: Connection refused; 127.0.0.1: no answer"
                    + " within the timeout (connect-timeout: check that the url's host and port are the camera's RTSP"
                    + " ones)");
        }
    }

    /**
     * FFmpeg goes on to a name's next address after any failure to connect; only refused,
     * unreachable and timed out did here, so an address this machine cannot use (IPv6 off:
     * "Cannot assign requested address"; a firewall: "Permission denied", "Operation not
     * permitted"), a network down or a connection reset was the last tried: a camera listed at ::1
     * then 127.0.0.1 never came up where IPv6 is off. FFmpeg returns errnos negated.
     */
    @ParameterizedTest
    @ValueSource(ints = {99, 13, 1, 100, 104, 111, 113, 101, 110})
    void anyFailureToReachTheCameraGoesOnToItsNextAddress(int errno) {
        assertThat(VideoInput.triesTheNextAddress(-errno, false)).isTrue();
        assertThat(VideoInput.triesTheNextAddress(-errno, true)).as("woken up: stopping").isFalse();
    }

    /** An answer of the camera (an RTSP status, what does not speak RTSP) would be its other addresses' too. */
    @Test
    void anAnswerOfTheCameraIsNotAskedOfItsOtherAddresses() {
        assertThat(List.of(AVERROR_HTTP_UNAUTHORIZED, AVERROR_HTTP_FORBIDDEN, AVERROR_HTTP_NOT_FOUND,
                AVERROR_HTTP_SERVER_ERROR, AVERROR_INVALIDDATA, -93)).noneMatch(
                        result -> VideoInput.triesTheNextAddress(result, false));
        assertThat(VideoInput.triesTheNextAddress(AVERROR_EXIT, false)).as("no answer within connect-timeout")
                .isTrue();
    }

    /** {@link ManyAddressesRun}'s lines, in a JVM whose hosts file is {@code hosts}, for {@code cam.test:port}. */
    private List<String> run(String hosts, int port) throws Exception {
        Path hostsFile = Files.writeString(dir.resolve("hosts"), hosts);
        Path output = dir.resolve("output.txt");
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.net.hosts.file=" + hostsFile, "-cp", System.getProperty("java.class.path"),
                ManyAddressesRun.class.getName(), Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!run.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
            run.destroyForcibly();
        }
        return Files.readAllLines(output);
    }
}

package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.Waits;

/**
 * A camera whose host name has several addresses, the first down: {@link ManyAddressesRun} runs in
 * a JVM of its own whose hosts file ({@code jdk.net.hosts.file}, kept in its order: glibc's
 * getaddrinfo sorts 127.0.0.1 first) gives {@code cam.test} 127.0.0.2, where nothing listens,
 * then 127.0.0.1, where the RTSP test server does, on the same port. The camera was opened at the
 * first address only, so it never connected, where FFmpeg on its own tries each in turn.
 */
class ManyAddressesTest {

    @TempDir
    Path dir;

    @Test
    void aCameraIsOpenedAtItsNextAddressWhenTheFirstRefusesTheConnection() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.2 cam.test\n127.0.0.1 cam.test\n");
        Path output = dir.resolve("output.txt");
        try (RtspTestServer server = RtspTestServer.start()) {
            Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                    ManyAddressesRun.class.getName(), Integer.toString(server.port()))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!run.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).as(String.join("\n", lines))
                .contains("cam.test: [cam.test/127.0.0.2, cam.test/127.0.0.1]", "published 1280x720");
    }
}

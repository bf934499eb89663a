package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.security.auth.module.UnixSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A camera given by host name while DNS does not answer (an uplink down): {@link SilentDnsRun}
 * runs in a JVM of its own under {@code unshare --mount}, with an {@code /etc/resolv.conf} bound
 * over the box's that names a DNS server on port 53 of a loopback address that never answers, and
 * has the system's resolver wait 150 s a lookup (30 s, five times). FFmpeg's own lookup held the
 * node's thread that long, past connect-timeout and a stop. Needs root (to mount, and for port
 * 53), as CI has.
 */
class SilentDnsTest {

    @TempDir
    Path dir;

    @Test
    void aLookupThatDnsDoesNotAnswerEndsAtConnectTimeoutOrAStopAndIsNotStartedAgainMeanwhile() throws Exception {
        assertThat(new UnixSystem().getUid()).as("SilentDnsTest needs root: it mounts its own /etc/resolv.conf"
                + " under unshare and serves DNS on port 53; run it as root, as CI does").isZero();
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), ""); // SilentDnsRun names its server there
        Path output = dir.resolve("output.txt");
        Process run = new ProcessBuilder("unshare", "--mount",
                "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                resolvConf.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SilentDnsRun.class.getName(), resolvConf.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!run.waitFor(4, TimeUnit.MINUTES)) { // within the suite's five-minute test timeout
            run.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(output);

        String outage = "cannot open rtsp://***@cam.test:554/live: cannot resolve host cam.test within"
                + " connect-timeout (1000 ms): DNS did not answer (check this machine's DNS, or give the camera by IP"
                + " address)";
        assertThat(lines).as(String.join("\n", lines)).contains("attempt 1: " + outage, "attempt 2: " + outage,
                "attempt 3: " + outage, "lookups under way after 3 attempts: 1",
                "stopped: cannot open rtsp://***@other-cam.test:554/live: woken up", "stopped while looking up: true");
    }
}

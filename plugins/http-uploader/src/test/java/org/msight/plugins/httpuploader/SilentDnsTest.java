package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.security.auth.module.UnixSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge box whose DNS server stops answering (its uplink down) while the collector is still
 * reached: {@link SilentDnsRun} runs in a JVM of its own under {@code unshare --mount}, with an
 * {@code /etc/resolv.conf} bound over the box's that names a DNS server it starts on port 53 of a
 * loopback address. The system's resolver then waits 10 s for each lookup (5 s, twice), and
 * HttpClient waited so on the thread starting a connection, then failed with "unknown host".
 * Needs root (to mount, and for port 53), as CI has.
 */
class SilentDnsTest {

    @TempDir
    Path dir;

    @Test
    void uploadsGoOnToTheLastKnownAddressesAndAHostNeverResolvedFailsWithItsReason() throws Exception {
        assertThat(new UnixSystem().getUid()).as("SilentDnsTest needs root: it mounts its own /etc/resolv.conf"
                + " under unshare and serves DNS on port 53; run it as root, as CI does").isZero();
        // SilentDnsRun names its DNS server here once it has one: an address it has taken, which no
        // other run (another suite's at the same time) can take between a check and the bind
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "");
        // as once the JVM's cache (30 s for an address, 10 s for a failure) has run out: each lookup asks DNS
        Path noLookupCache = Files.writeString(dir.resolve("java.security"),
                "networkaddress.cache.ttl=0\nnetworkaddress.cache.negative.ttl=0\n");
        Path output = dir.resolve("output.txt");
        Process run = new ProcessBuilder("unshare", "--mount",
                "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                resolvConf.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + noLookupCache, "-cp", System.getProperty("java.class.path"),
                SilentDnsRun.class.getName(), resolvConf.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!run.waitFor(5, TimeUnit.MINUTES)) {
            run.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(output);

        assertThat(lines).as(String.join("\n", lines)).contains(
                "uploads after DNS went silent: 2",
                "WARN cannot resolve host collector.test: DNS did not answer within connect-timeout (1000 ms);"
                        + " using its last known addresses 127.0.0.1",
                "WARN delivery failing: cannot resolve host other.test: DNS did not answer within connect-timeout"
                        + " (1000 ms); retrying with backoff",
                "uploads once DNS answered again: 1");
    }
}

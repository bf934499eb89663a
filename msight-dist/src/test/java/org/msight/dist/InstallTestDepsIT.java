package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.testkit.Tools;

/**
 * The JDK scripts/install-test-deps.sh installs, run with commands of its own first on PATH: javac
 * says its version, dpkg-query finds every other package installed, apt-cache gives the version of
 * Debian's default JDK, and apt-get (through sudo, unless the test runs as root) notes what it is
 * asked, installing nothing.
 */
class InstallTestDepsIT {

    @TempDir
    Path dir;

    /** Debian 11's and Ubuntu 22.04's default JDK is a Java 11, and mvn failed on release 17. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "javac 11.0.20   | 2:1.11-72       | openjdk-17-jdk-headless",  // Debian 11
        "javac 11.0.20   | 2:1.11-72build2 | openjdk-17-jdk-headless",  // Ubuntu 22.04
        "javac 1.8.0_392 | 2:1.17-74       | default-jdk-headless",     // Debian 12: the default is 17
        "javac 11.0.20   | 2:1.21-76       | default-jdk-headless",     // Debian 13: 21, and no 17
    })
    void aJavacOlderThan17GetsAJdk17OrNewer(String javac, String defaultJdk, String installed) throws Exception {
        Path asked = dir.resolve("apt-get.log");
        Tools.Output run = run(javac, defaultJdk, asked);
        assertThat(run.exitCode()).as(run.text()).isZero();
        assertThat(asked).as(run.text()).exists();
        assertThat(Files.readString(asked)).isEqualTo("update -q\ninstall -y -q --no-install-recommends " + installed + "\n");
    }

    @Test
    void aJavac17IsKept() throws Exception {
        Path asked = dir.resolve("apt-get.log");
        Tools.Output run = run("javac 17.0.15", "2:1.11-72", asked);
        assertThat(run.exitCode()).as(run.text()).isZero();
        assertThat(asked).doesNotExist();
    }

    private Tools.Output run(String javac, String defaultJdk, Path asked) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        command(bin, "javac", "echo '" + javac + "'");
        command(bin, "dpkg-query", "printf 'install ok installed'");
        command(bin, "apt-cache", "printf 'Package: default-jdk-headless\\nVersion: " + defaultJdk + "\\n'");
        command(bin, "apt-get", "echo \"$*\" >>'" + asked + "'");
        command(bin, "sudo", "exec \"$@\"");
        command(bin, "mvn", "exit 0");
        ProcessBuilder script = new ProcessBuilder(Path.of(System.getProperty("msight.scripts"), "install-test-deps.sh")
                .toString()).redirectErrorStream(true);
        script.environment().putAll(Map.of("PATH", bin + ":" + System.getenv("PATH")));
        return Tools.run(script, Duration.ofSeconds(60));
    }

    private static void command(Path bin, String name, String body) throws Exception {
        Path command = Files.writeString(bin.resolve(name), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}

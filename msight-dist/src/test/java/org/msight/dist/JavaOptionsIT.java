package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM options of the launchers (libexec/msight-java), seen through a JAVA_HOME whose java
 * prints its arguments, one a line.
 */
class JavaOptionsIT {

    @TempDir
    Path dir;

    /**
     * The serial collector is a default that a collector named in MSIGHT_JAVA_OPTS replaces; other
     * options naming "Use" and "GC" in two words once dropped it, and the JVM took G1 (more memory).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                               | true",
        "-XX:+UseCompressedOops -XX:MaxGCPauseMillis=50   | true",
        "-Xlog:gc*:stderr -XX:+UseStringDeduplication     | true",
        "-XX:+UseG1GC                                     | false",
        "-Xmx1g -XX:+UseParallelGC                        | false",
    })
    void theSerialCollectorIsReplacedOnlyByACollectorNamedInTheOptions(String options, boolean serial)
            throws Exception {
        Path home = dir.resolve("jdk");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        try (RunningCommand run = Distribution.start(dir.resolve("java.log"),
                Map.of("JAVA_HOME", home.toString(), "MSIGHT_JAVA_OPTS", options), "msight-run", "--version")) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).as(run.output()).isZero();
            List<String> arguments = run.output().lines().toList();
            if (!options.isEmpty()) {
                assertThat(arguments).containsSubsequence(options.split(" "));
            }
            if (serial) {
                assertThat(arguments).contains("-XX:+UseSerialGC");
            } else {
                assertThat(arguments).doesNotContain("-XX:+UseSerialGC");
            }
        }
    }
}

package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/**
 * The JVM options of the launchers (libexec/msight-java), seen through a JAVA_HOME whose java
 * prints its arguments, one a line.
 */
class JavaOptionsIT {

    private static final Duration LIMIT = Waits.GENEROUS;

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
        try (RunningCommand run = Distribution.start(dir.resolve("java.log"), Map.of("JAVA_HOME",
                javaPrintingItsArguments(), "MSIGHT_JAVA_OPTS", options), "msight-run", "--version")) {
            assertThat(run.awaitExit(LIMIT)).as(run.output()).isZero();
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

    /**
     * A collector in one of Java's own variables, beside the default one, made the JVM refuse to
     * start ("Multiple garbage collectors selected"): every command failed, and systemd restarted
     * the service forever. So did an initial heap above the default maximum, where it came after it.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "JAVA_TOOL_OPTIONS | -XX:+UseG1GC",
        "JDK_JAVA_OPTIONS  | -XX:+UseG1GC",
        "_JAVA_OPTIONS     | -XX:+UseParallelGC",
        "MSIGHT_JAVA_OPTS  | -Xms300m",
        "_JAVA_OPTIONS     | -Xms300m",
    })
    void aCollectorOrHeapInAnyOfJavasVariablesStartsTheCommands(String variable, String options) throws Exception {
        try (RunningCommand run = Distribution.start(dir.resolve("run.log"), Map.of(variable, options), "msight-run",
                "--version")) {
            assertThat(run.awaitExit(LIMIT)).as(run.output()).isZero();
            assertThat(run.output()).contains("MSight runtime");
        }
    }

    /**
     * The command line wins over JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS: a heap the user set there
     * was silently the default's 256 MB. A default the user sets, in any variable, is left out.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "JAVA_TOOL_OPTIONS | -Xmx1g                          | -Xmx256m",
        "JDK_JAVA_OPTIONS  | -XX:MaxRAMPercentage=75         | -Xmx256m",
        "JAVA_TOOL_OPTIONS | -XX:+UseZGC                     | -XX:+UseSerialGC",
        "MSIGHT_JAVA_OPTS  | -Xms300m                        | -Xmx256m",
        "JAVA_TOOL_OPTIONS | -XX:MaxMetaspaceSize=256m       | -XX:MaxMetaspaceSize=128m",
        "JDK_JAVA_OPTIONS  | -XX:InitialCodeCacheSize=100m   | -XX:ReservedCodeCacheSize=64m",
        "_JAVA_OPTIONS     | -XX:ThreadStackSize=1024        | -Xss512k",
    })
    void aDefaultSetInAnyOfJavasVariablesIsLeftOut(String variable, String options, String leftOut) throws Exception {
        try (RunningCommand run = Distribution.start(dir.resolve("java.log"),
                Map.of("JAVA_HOME", javaPrintingItsArguments(), variable, options), "msight-run", "--version")) {
            assertThat(run.awaitExit(LIMIT)).as(run.output()).isZero();
            assertThat(run.output().lines()).doesNotContain(leftOut).contains("--enable-native-access=ALL-UNNAMED");
        }
    }

    /** A new version unpacked over an old one keeps the old jars beside the new: both were on the class path. */
    @Test
    void twoVersionsOfTheRuntimeInLibAreRefusedNamingBoth() throws Exception {
        Path home = dir.resolve("msight");
        for (String script : List.of("bin/msight-run", "libexec/msight-java")) {
            Files.createDirectories(home.resolve(script).getParent());
            Files.copy(Distribution.home().resolve(script), home.resolve(script), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Path lib = Files.createDirectories(home.resolve("lib"));
        for (Path jar : Distribution.files(Distribution.home().resolve("lib"), ".jar")) {
            Files.createSymbolicLink(lib.resolve(jar.getFileName()), jar);
        }
        Path msightRun = home.resolve("bin/msight-run");
        Tools.Output single = Tools.run(new ProcessBuilder(msightRun.toString(), "--version").redirectErrorStream(true),
                LIMIT);
        assertThat(single.exitCode()).as("the copy runs: " + single.text()).isZero();

        Path runtime = Distribution.libJars("msight-runtime-").get(0);
        Files.copy(runtime, lib.resolve("msight-runtime-0.0.1.jar"));
        Tools.Output two = Tools.run(new ProcessBuilder(msightRun.toString(), "--version").redirectErrorStream(true),
                LIMIT);
        assertThat(two.exitCode()).as(two.text()).isEqualTo(2);
        assertThat(two.text().lines()).singleElement().asString().startsWith("error: " + lib + " holds two versions")
                .contains("msight-runtime-0.0.1.jar and " + runtime.getFileName(), "unpack the archive into a fresh");
    }

    /** A JAVA_HOME whose java prints its arguments, one a line. */
    private String javaPrintingItsArguments() throws Exception {
        Path home = dir.resolve("jdk");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        return home.toString();
    }
}

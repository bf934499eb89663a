package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Tools;

/**
 * The linux-arm64 distribution's quickstart, run by an arm64 JVM under qemu-user (no binfmt, no
 * chroot): Debian's arm64 packages unpacked into a root folder (scripts/arm64-root, cached), and
 * a JAVA_HOME whose java runs {@code qemu-aarch64-static -L ROOT ROOT/.../bin/java}. Emulated,
 * a JVM starts in about a minute, so the limits are generous.
 */
class Arm64QuickstartIT {

    private static final Duration START_LIMIT = Duration.ofMinutes(8);
    private static final String JAVA = "usr/lib/jvm/java-17-openjdk-arm64/bin/java";

    private static Path root;
    private static Path distribution;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepare() throws Exception {
        Tools.require("qemu-aarch64-static", "qemu-user-static");
        Tools.require("debootstrap", "debootstrap");
        Tools.Output made = Tools.run(new ProcessBuilder(Path.of(System.getProperty("msight.scripts"), "arm64-root")
                .toString()).redirectError(ProcessBuilder.Redirect.INHERIT), Duration.ofMinutes(20));
        assertThat(made.exitCode()).as("scripts/arm64-root").isZero();
        root = Path.of(made.text().trim());
        Path archive = Path.of(System.getProperty("msight.dist.archives"), "msight-linux-arm64.tar.gz");
        Process untar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", shared.toString()).inheritIO().start();
        assertThat(untar.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(untar.exitValue()).isZero();
        distribution = shared.resolve("msight");
    }

    @Test
    void theDistributionCarriesTheArm64NativesOnly() throws IOException {
        try (Stream<Path> jars = Files.list(distribution.resolve("plugins/rtsp-receiver"))) {
            List<String> names = jars.map(j -> j.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("ffmpeg-") && n.endsWith("-linux-arm64.jar"))
                    .anyMatch(n -> n.startsWith("javacpp-") && n.endsWith("-linux-arm64.jar"))
                    .noneMatch(n -> n.contains("x86_64"));
        }
    }

    @Test
    void theQuickstartWritesJpegsUnderEmulation() throws Exception {
        Path folder = dir.resolve("quickstart-images");
        try (RunningCommand run = quickstart(root)) {
            await().atMost(START_LIMIT).pollInterval(Duration.ofSeconds(1))
                    .failFast("the quickstart ended:\n" + run.output(), () -> run.output().contains("stopped for good"))
                    .until(() -> Distribution.files(folder, ".jpg").size() >= 3);
            assertThat(run.output()).contains("Reading testsrc2=size=1280x720:rate=30 (");
            run.stopCleanly(Duration.ofMinutes(2));
        }
    }

    @Test
    void aMissingSystemLibraryIsNamedOnceWithItsAptCommandAndStopsTheCamera() throws Exception {
        Path without = withoutLibrary("libva-drm.so.2");
        try (RunningCommand run = quickstart(without)) {
            // no source left: the pipeline stops by itself, and says it did not go well
            assertThat(run.awaitExit(START_LIMIT)).as(run.output()).isEqualTo(1);
            assertThat(run.output().lines().filter(line -> line.contains("libva-drm")).toList()).containsExactly(
                    run.output().lines().filter(line -> line.contains(" - camera - ERROR :: stopped for good: FFmpeg's"
                            + " native libraries cannot load: the system library libva-drm.so.2 is missing; install it"
                            + " with: sudo apt-get install libva-drm2")).findFirst().orElseThrow());
            assertThat(Distribution.files(dir.resolve("quickstart-images"), ".jpg")).isEmpty();
        }
    }

    /** Runs bin/msight-run configs/quickstart.conf of the arm64 distribution, emulated in {@code root}. */
    private RunningCommand quickstart(Path root) throws IOException {
        Path javaHome = dir.resolve("java-home");
        Path java = Files.createDirectories(javaHome.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nexec qemu-aarch64-static -L '" + root + "' '" + root.resolve(JAVA)
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.writeString(dir.resolve("quickstart.conf"), """
                include file("%s")
                msight.http.enabled = false
                """.formatted(distribution.resolve("configs/quickstart.conf")));
        List<String> line = List.of(distribution.resolve("bin/msight-run").toString(), conf.toString());
        Path log = dir.resolve("quickstart.log");
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        // C1 only and the serial collector: an emulated JVM spends its time compiling otherwise
        builder.environment().putAll(Map.of("JAVA_HOME", javaHome.toString(),
                "MSIGHT_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"));
        return new RunningCommand(builder.start(), log);
    }

    /**
     * The root without one library, made once next to it with hard links, in a folder of its own
     * first: another suite on this machine may be making it at the same time.
     */
    private static Path withoutLibrary(String library) throws Exception {
        Path without = root.resolveSibling(root.getFileName() + "-without-" + library);
        if (!Files.isDirectory(without)) {
            Path work = Files.createTempDirectory(root.getParent(), without.getFileName() + ".partial.");
            Path partial = work.resolve("root");
            run("cp", "-al", root.toString(), partial.toString());
            run("sh", "-c", "rm -f '" + partial + "'/usr/lib/aarch64-linux-gnu/" + library + "*");
            try {
                Files.move(partial, without);
            } catch (IOException madeMeanwhile) {
                assertThat(without).as("made by another suite meanwhile").isDirectory();
            }
            run("rm", "-rf", work.toString());
        }
        return without;
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
    }
}

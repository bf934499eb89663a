package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' class data archive (libexec/msight-java): a pipeline run records the classes it
 * loads, the next start builds the archive from them and the JVM maps it; MSIGHT_CDS=off leaves
 * it all out. The other tests run with MSIGHT_CDS=off (the failsafe configuration).
 */
class ClassDataArchiveIT {

    /**
     * How long a command may take, the archive's building included: a start that builds it runs a
     * JVM to dump it first, which took over a minute on a 2-core machine under a load of 20.
     */
    private static final Duration LIMIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void aPipelineRunRecordsItsClassesAndTheNextStartBuildsAnArchiveThatTheJvmMaps() throws Exception {
        Path cds = dir.resolve("cds");
        Map<String, String> on = Map.of("MSIGHT_CDS", "on", "MSIGHT_CDS_DIR", cds.toString());
        Path conf = quickstartConf();

        // --check runs no pipeline: what it recorded is dropped at the next start.
        try (RunningCommand check = Distribution.start(dir.resolve("check.log"), on, "msight-run", "--check",
                conf.toString())) {
            assertThat(check.awaitExit(LIMIT)).as(check.output()).isZero();
        }
        assertThat(Distribution.files(cds, ".classes")).hasSize(1);
        runQuickstart("first", on, conf);
        assertThat(Distribution.files(cds, ".classes")).singleElement()
                .satisfies(list -> assertThat(Files.readAllLines(list)).contains("org/msight/runtime/Pipeline"));
        assertThat(Distribution.files(cds, ".jsa")).isEmpty();

        // -Xshare:on: the JVM refuses to start unless it maps the archive.
        Map<String, String> strict = Map.of("MSIGHT_CDS", "on", "MSIGHT_CDS_DIR", cds.toString(),
                "MSIGHT_JAVA_OPTS", "-Xshare:on");
        String second = runQuickstart("second", strict, conf);
        assertThat(second).contains("msight: building the class data archive " + cds);
        assertThat(Distribution.files(cds, ".classes")).isEmpty();
        assertThat(Distribution.files(cds, ".jsa")).hasSize(1);

        String third = runQuickstart("third", strict, conf);
        assertThat(third).doesNotContain("building the class data archive");
        try (RunningCommand version = Distribution.start(dir.resolve("version.log"), strict, "msight-run", "--version")) {
            assertThat(version.awaitExit(LIMIT)).as(version.output()).isZero();
            assertThat(version.output()).as("the version alone: no word of the archive from the launcher or the JVM")
                    .matches("MSight runtime \\S+\n");
        }
    }

    /**
     * An archive cut short (a damaged SD card, a write lost at a power cut) made every start die of
     * SIGBUS (exit code 134) as the JVM read past its end: a restart loop. It is deleted, with one
     * line saying so, and built again as when it was missing.
     */
    @Test
    void anArchiveCutShortIsDeletedAndBuiltAgainRatherThanCrashingEveryStart() throws Exception {
        Path cds = dir.resolve("cds");
        Map<String, String> on = Map.of("MSIGHT_CDS", "on", "MSIGHT_CDS_DIR", cds.toString());
        Path conf = quickstartConf();
        runQuickstart("first", on, conf);
        assertThat(version("build", on)).contains("msight: building the class data archive " + cds);
        Path archive = Distribution.files(cds, ".jsa").get(0);
        archive.toFile().setWritable(true);
        try (FileChannel file = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            file.truncate(1000);
        }

        assertThat(version("cut", on)).matches(Pattern.quote("msight: the class data archive " + archive
                + " is cut short (not its size when built): deleted, to be built again\n") + "MSight runtime \\S+\n");
        assertThat(Distribution.files(cds, ".jsa")).isEmpty();

        runQuickstart("again", on, conf);
        // -Xshare:on: the JVM refuses to start unless it maps the archive.
        assertThat(version("rebuild", Map.of("MSIGHT_CDS", "on", "MSIGHT_CDS_DIR", cds.toString(),
                "MSIGHT_JAVA_OPTS", "-Xshare:on"))).contains("msight: building the class data archive " + cds);
        assertThat(Distribution.files(cds, ".jsa")).hasSize(1);
    }

    @Test
    void offRecordsAndBuildsNothing() throws Exception {
        Path cds = dir.resolve("cds");
        try (RunningCommand run = Distribution.start(dir.resolve("run.log"),
                Map.of("MSIGHT_CDS", "off", "MSIGHT_CDS_DIR", cds.toString()), "msight-run", "--version")) {
            assertThat(run.awaitExit(LIMIT)).as(run.output()).isZero();
            assertThat(run.output()).startsWith("MSight runtime");
        }
        assertThat(cds).doesNotExist();
    }

    private Path quickstartConf() throws IOException {
        return Files.writeString(dir.resolve("quickstart.conf"), """
                include file("%s")
                msight.http.enabled = false
                """.formatted(Distribution.home().resolve("configs/quickstart.conf")));
    }

    /** Runs {@code msight-run --version}, which must exit with code 0, and returns its output. */
    private String version(String name, Map<String, String> env) throws Exception {
        try (RunningCommand run = Distribution.start(dir.resolve(name + ".log"), env, "msight-run", "--version")) {
            assertThat(run.awaitExit(LIMIT)).as(run.output()).isZero();
            return run.output();
        }
    }

    /**
     * Runs the quickstart in a folder of its own until it wrote an image, checks that the JVM mapped
     * the archive when there is one, and returns its output.
     */
    private String runQuickstart(String name, Map<String, String> env, Path conf) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        try (RunningCommand run = Distribution.start(folder.resolve("run.log"), env, "msight-run", conf.toString())) {
            Path images = folder.resolve("quickstart-images");
            run.awaitCondition("an image written", () -> !Distribution.files(images, ".jpg").isEmpty(), LIMIT);
            List<Path> archives = Distribution.files(dir.resolve("cds"), ".jsa");
            if (!archives.isEmpty()) {
                assertThat(Files.readString(Path.of("/proc", Long.toString(run.pid()), "maps")))
                        .contains(archives.get(0).toString());
            }
            run.stopCleanly(LIMIT);
            return run.output();
        }
    }
}

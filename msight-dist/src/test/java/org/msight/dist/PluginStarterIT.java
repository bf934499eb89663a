package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/**
 * The plugin starter, built exactly as README.md's "Writing a plugin" says (its command lines are
 * read from the README and run by bash), then run from {@code --plugin-path}. Maven works offline
 * in a local repository of its own: the build's artifacts are linked in read-only and the
 * installed MSight jars land in the temporary folder, never in the user's repository.
 */
class PluginStarterIT {

    private static final Pattern BUILD_BLOCK = Pattern.compile(
            "<!-- plugin-starter-build[^>]*-->\\s*```bash\\n(.*?)```.*?```bash\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path work;

    @Test
    void theStarterBuildsAsTheReadmeSaysAndRunsFromThePluginPath() throws Exception {
        Path root = Distribution.home().getParent().getParent();
        Matcher readme = BUILD_BLOCK.matcher(Files.readString(root.resolve("README.md")));
        assertThat(readme.find()).as("README.md has the plugin-starter-build block").isTrue();
        String build = readme.group(1).replace("MSIGHT=/path/to/msight", "MSIGHT=" + Distribution.home());
        List<String> run = List.of(readme.group(2).trim().split("\\s+"));
        assertThat(run).first().isEqualTo("$MSIGHT/bin/msight-run");

        Path plugin = work.resolve("my-plugin");
        copy(root.resolve("examples/plugin-starter"), plugin);
        Path repository = mirrorWithoutMsight(Path.of(System.getProperty("maven.repository")), work.resolve("m2"));
        Files.createDirectories(plugin.resolve(".mvn"));
        Files.writeString(plugin.resolve(".mvn/maven.config"), "-o -B -Dmaven.repo.local=" + repository + "\n");

        Tools.Output built = Tools.run(new ProcessBuilder("bash", "-euo", "pipefail", "-c", build)
                .directory(plugin.toFile()).redirectErrorStream(true), Duration.ofMinutes(5));
        String output = built.text();
        assertThat(built.exitCode()).as(output).isZero();
        assertThat(output).contains("line-file (sink): appends one line per message to a file: sensor, frame id,"
                + " data type", "plugin: target/plugin/msight-line-file-sink-1.0.0.jar, version 1.0.0", "  file    string, required\n");
        assertThat(repository.resolve("org/msight/msight-api")).isDirectory();
        assertThat(Files.isSymbolicLink(repository.resolve("org/msight"))).isFalse();

        Path lines = plugin.resolve("lines.txt");
        // the run line as the README has it, without the HTTP endpoint on the default port another process may hold
        Files.writeString(plugin.resolve("pipeline.conf"), "\nmsight.http.enabled = false\n", StandardOpenOption.APPEND);
        try (RunningCommand running = Distribution.start(plugin.resolve("run.log"), Map.of(), "msight-run",
                run.subList(1, run.size()).toArray(String[]::new))) {
            await().atMost(Waits.GENEROUS).failFast("no lines", () -> running.output().contains("error:"))
                    .until(() -> Files.exists(lines) && Files.readAllLines(lines).size() >= 3);
            assertThat(Files.readAllLines(lines)).allMatch(l -> l.matches("camera \\d+ msight_core.data.image.ImageData"));
            running.stopCleanly(Waits.GENEROUS);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(f -> !from.relativize(f).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** A local repository that links every group of {@code repository} but org.msight, which it holds itself. */
    private static Path mirrorWithoutMsight(Path repository, Path mirror) throws IOException {
        Files.createDirectories(mirror.resolve("org"));
        List<Path> links = new ArrayList<>();
        try (Stream<Path> top = Files.list(repository); Stream<Path> org = Files.list(repository.resolve("org"))) {
            top.filter(p -> !p.getFileName().toString().equals("org")).forEach(links::add);
            org.filter(p -> !p.getFileName().toString().equals("msight")).forEach(links::add);
        }
        for (Path link : links) {
            Files.createSymbolicLink(mirror.resolve(repository.relativize(link).toString()), link);
        }
        return mirror;
    }
}

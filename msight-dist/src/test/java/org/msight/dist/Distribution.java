package org.msight.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The assembled distribution under test, and the commands it ships. */
final class Distribution {

    private Distribution() {
    }

    static Path home() {
        String dist = System.getProperty("msight.dist");
        if (dist == null || !Files.isExecutable(Path.of(dist, "bin", "msight-run"))) {
            throw new IllegalStateException("no distribution at " + dist + ": run these tests with 'mvn verify'");
        }
        return Path.of(dist);
    }

    /** Starts a command of bin/ with its output going to {@code log}, in the log's folder. */
    static RunningCommand start(Path log, Map<String, String> env, String command, String... args) throws IOException {
        List<String> line = new ArrayList<>();
        line.add(home().resolve("bin").resolve(command).toString());
        line.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(log.toAbsolutePath().getParent().toFile());
        builder.environment().putAll(env);
        return new RunningCommand(builder.start(), log);
    }

    /** The files of {@code folder} whose names end with {@code suffix}, sorted; none while it does not exist. */
    static List<Path> files(Path folder, String suffix) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The jars of lib/ whose names start with one of {@code prefixes}. */
    static List<Path> libJars(String... prefixes) throws IOException {
        try (Stream<Path> jars = Files.list(home().resolve("lib"))) {
            return jars.filter(j -> Stream.of(prefixes).anyMatch(p -> j.getFileName().toString().startsWith(p))).toList();
        }
    }
}

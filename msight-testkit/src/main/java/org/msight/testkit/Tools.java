package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Finds the external programs tests need, failing with how to install them when missing, and runs
 * them with a deadline.
 */
public final class Tools {

    private Tools() {
    }

    /**
     * The path of an executable.
     *
     * @param executable an absolute path, or a name looked up on PATH
     * @param debianPackage the package that provides it, named in the failure message
     * @throws IllegalStateException when it is missing, saying how to install it
     */
    public static Path require(String executable, String debianPackage) {
        if (executable.startsWith("/")) {
            Path path = Path.of(executable);
            if (Files.isExecutable(path)) {
                return path;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path path = Path.of(dir.isEmpty() ? "." : dir, executable);
                if (Files.isExecutable(path)) {
                    return path;
                }
            }
        }
        throw new IllegalStateException(executable + " is missing: run scripts/install-test-deps.sh"
                + " (or apt-get install " + debianPackage + ")");
    }

    /** What a program printed on its standard output, and its exit code. */
    public record Output(int exitCode, String text) {
    }

    /**
     * Runs {@code program} to its end, its standard output (with its standard error when the
     * builder merges them) going to a file, not a pipe that could fill up or stay open.
     *
     * @throws IllegalStateException when it has not ended within {@code limit}: it is killed,
     *     and the message holds what it printed
     */
    public static Output run(ProcessBuilder program, Duration limit) {
        try {
            Path output = Files.createTempFile("program-", ".out");
            try {
                Process process = program.redirectOutput(output.toFile()).start();
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new IllegalStateException(String.join(" ", program.command()) + " did not end within "
                            + limit.toSeconds() + " s: " + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Output(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.delete(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + program.command().get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + program.command().get(0), e);
        }
    }
}

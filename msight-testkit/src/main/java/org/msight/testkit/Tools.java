package org.msight.testkit;

import java.io.File;
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
                if (program.redirectInput() == ProcessBuilder.Redirect.PIPE) { // a prompt gets end of file, not a wait
                    program.redirectInput(new File("/dev/null"));
                }
                Process process = program.redirectOutput(output.toFile()).start();
                try {
                    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new IllegalStateException(String.join(" ", program.command()) + " did not end within "
                                + limit.toSeconds() + " s: " + text(output));
                    }
                } finally {
                    if (process.isAlive()) { // out of time, or the test was interrupted
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
                return new Output(process.exitValue(), text(output));
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

    /** The file's text; bytes that are not UTF-8 become replacement characters rather than an error. */
    private static String text(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }
}

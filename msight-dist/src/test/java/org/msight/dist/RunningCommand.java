package org.msight.dist;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A command of the distribution running in its own process, its output in a file. */
final class RunningCommand implements AutoCloseable {

    private final Process process;
    private final Path log;

    RunningCommand(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Everything the process printed so far. */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the output contains {@code text}, failing with the output after {@code limit}. */
    void awaitOutput(String text, Duration limit) {
        await().atMost(limit).failFast("process ended: " + log, () -> !process.isAlive() && !output().contains(text))
                .until(() -> output().contains(text));
    }

    /** Sends SIGTERM and returns the exit code. */
    int terminate(Duration limit) throws InterruptedException {
        process.destroy();
        return awaitExit(limit);
    }

    /** Kills the process at once (SIGKILL), as a crash, and waits until it has gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Waits for the process to end by itself and returns the exit code. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not exit within " + limit + "; output:\n" + output());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}

package org.msight.dist;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

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

    /** Waits until {@code condition} holds, failing with the process's output after {@code limit}. */
    void awaitCondition(String what, Callable<Boolean> condition, Duration limit) {
        try {
            await(what).atMost(limit).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + limit + "; the process printed:\n" + output(), e);
        }
    }

    /** Sends SIGTERM and returns the exit code. */
    int terminate(Duration limit) throws InterruptedException {
        process.destroy();
        return awaitExit(limit);
    }

    /** Sends SIGTERM and fails, with the output, unless the process exits with code 0 within {@code limit}. */
    void stopCleanly(Duration limit) throws InterruptedException {
        int code = terminate(limit);
        if (code != 0) {
            throw new AssertionError("exit code " + code + " after SIGTERM, not 0; output:\n" + output());
        }
    }

    /** Kills the process (SIGKILL, as a crash would) and waits for it to end. */
    void kill(Duration limit) throws InterruptedException {
        process.destroyForcibly();
        awaitExit(limit);
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

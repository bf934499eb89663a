package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the test servers share: stopping their process, pausing between readiness checks, their log. */
final class ServerProcesses {

    private ServerProcesses() {
    }

    /** Ends {@code process}, politely (SIGTERM, then SIGKILL after 5 s) or not (SIGKILL, as a crash). */
    static void stop(Process process, boolean politely) {
        try {
            if (politely) {
                process.destroy();
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    return;
                }
            }
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}) to {@code process}. */
    static void signal(Process process, String signal) {
        try {
            String kill = Tools.require("kill", "procps").toString();
            int exit = new ProcessBuilder(kill, "-" + signal, Long.toString(process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " failed with code " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A short pause between two readiness checks of {@code server}. */
    static void pause(String server) {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + server);
        }
    }

    /** The server's log, for failure messages. */
    static String logText(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the test servers share: stopping their process, telling whether it listens on its port,
 * pausing between readiness checks, their log and temporary files.
 */
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
        String kill = Tools.require("kill", "procps").toString();
        Tools.Output sent = Tools.run(new ProcessBuilder(kill, "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true), Waits.GENEROUS);
        if (sent.exitCode() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed with code " + sent.exitCode() + ": "
                    + sent.text());
        }
    }

    /** Waits until {@code process} is stopped (state T in /proc), at most {@link Waits#GENEROUS}. */
    static void awaitStopped(Process process) {
        long deadline = System.nanoTime() + Waits.GENEROUS.toNanos();
        while (!stopped(process)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + process.pid() + " was sent SIGSTOP but did not stop within "
                        + Waits.GENEROUS.toSeconds() + " s");
            }
            pause("process " + process.pid() + " to stop");
        }
    }

    /** Whether /proc/PID/stat shows the process stopped: its state, after the command in parentheses, is T. */
    static boolean stopped(Process process) {
        try {
            String text = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return text.substring(text.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code process}, or a process it started, listens on TCP {@code port}: the listening
     * socket of that port in {@code /proc/net/tcp} or {@code tcp6} is one of its open files. False
     * while another process listens there, so a test never takes another's server for its own.
     */
    static boolean listensOn(Process process, int port) {
        Set<String> sockets = listeningSockets(port);
        return !sockets.isEmpty() && Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .anyMatch(handle -> holdsAny(handle.pid(), sockets));
    }

    /** The listening sockets on {@code port}, as their file links read: {@code socket:[<inode>]}. */
    private static Set<String> listeningSockets(int port) {
        Set<String> sockets = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException noSuchTable) {
                continue; // tcp6 without IPv6
            }
            for (String line : lines.subList(1, lines.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                String[] fields = line.trim().split("\\s+");
                String local = fields[1];
                boolean listening = fields[3].equals("0A");
                if (listening && Integer.parseInt(local.substring(local.indexOf(':') + 1), 16) == port) {
                    sockets.add("socket:[" + fields[9] + "]");
                }
            }
        }
        return sockets;
    }

    private static boolean holdsAny(long pid, Set<String> sockets) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path file : files) {
                try {
                    if (sockets.contains(Files.readSymbolicLink(file).toString())) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // not a socket of ours any more
                }
            }
        } catch (IOException ended) {
            // the process has gone
        }
        return false;
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

    /**
     * Deletes a temporary file, or a folder and all it holds; nothing when it is gone. A file that
     * cannot be deleted is left with a line on standard error: a test does not fail for it.
     */
    static void delete(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) { // never into a symbolic link's target
            for (Path file : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | UncheckedIOException e) { // the walk's own failures come unchecked
            System.err.println("could not delete the test server's " + path + ": " + e);
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

package org.msight.runtime.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The process behind an entry's {@code instance_id}: this runtime writes its boot, its PID
 * namespace, its user, its PID and its start (in clock ticks since boot, which a wall clock
 * stepped by NTP does not move) into the id, so that a process of the same user on the same
 * machine can tell a writer that no longer runs (killed, crashed) from a live one without
 * waiting for its heartbeat to grow stale: a restart right after a crash takes its names back at
 * once. Of another machine, PID namespace (container) or user (whose processes {@code /proc}
 * may hide), or where the kernel does not say, nothing is told: the heartbeat's age decides.
 */
final class WriterProcess {

    /** This process's boot, PID namespace and user, or {@code null} when the kernel does not say. */
    private static final String HERE = here();

    private WriterProcess() {
    }

    /** A new {@code instance_id} for a registry of this process: unique, and naming the process where it can. */
    static String newInstanceId() {
        long pid = ProcessHandle.current().pid();
        String start = HERE == null ? null : startTicks(pid);
        return start == null ? UUID.randomUUID().toString() : instanceIdOf(pid, start);
    }

    /** The {@code instance_id} a registry of process {@code pid}, started at {@code startTicks}, writes here. */
    static String instanceIdOf(long pid, String startTicks) {
        String random = UUID.randomUUID().toString();
        return HERE == null ? random : HERE + "/" + pid + "/" + startTicks + "/" + random;
    }

    /**
     * Whether {@code instanceId} names a process of this boot, PID namespace and user that no
     * longer runs: its PID is free, or taken by a process started at another time.
     */
    static boolean deadHere(String instanceId) {
        if (HERE == null || instanceId == null || !instanceId.startsWith(HERE + "/")) {
            return false;
        }
        String[] parts = instanceId.substring(HERE.length() + 1).split("/"); // pid, start, random
        if (parts.length != 3 || !parts[0].matches("[0-9]{1,10}")) {
            return false;
        }
        try {
            return !parts[1].equals(startTicksOrThrow(Long.parseLong(parts[0])));
        } catch (NoSuchFileException e) {
            return true; // no such process
        } catch (IOException | RuntimeException e) {
            return false; // cannot tell
        }
    }

    /** When process {@code pid} started, in clock ticks since boot; {@code null} when it cannot be read. */
    static String startTicks(long pid) {
        try {
            return startTicksOrThrow(pid);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Field 22 of {@code /proc/PID/stat}, counted after the command name, which may hold spaces and parentheses. */
    private static String startTicksOrThrow(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return fields[19];
    }

    private static String here() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replaceAll("\\D", "");
            Object user = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return boot.matches("[0-9a-f-]+") && !namespace.isEmpty() ? boot + "/" + namespace + "/" + user : null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}

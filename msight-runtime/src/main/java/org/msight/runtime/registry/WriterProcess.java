package org.msight.runtime.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The process behind an entry's {@code instance_id}: this runtime writes its boot, its PID
 * namespace, its PID and its start into the id, so that a process on the same machine can tell a
 * writer that no longer runs (killed, crashed) from a live one without waiting for its heartbeat
 * to grow stale: a restart right after a crash takes its names back at once. On another machine,
 * in another PID namespace (another container), or where the kernel does not say (no
 * {@code /proc}), nothing is told and the heartbeat's age decides, as before.
 */
final class WriterProcess {

    /** This machine's boot and PID namespace, or {@code null} when the kernel does not say. */
    private static final String HERE = here();

    private WriterProcess() {
    }

    /** A new {@code instance_id} for a registry of this process: unique, and naming the process where it can. */
    static String newInstanceId() {
        ProcessHandle self = ProcessHandle.current();
        return instanceIdOf(self.pid(), self.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** The {@code instance_id} a registry of process {@code pid}, started at {@code startMillis}, writes here. */
    static String instanceIdOf(long pid, long startMillis) {
        String random = UUID.randomUUID().toString();
        return HERE == null ? random : HERE + "/" + pid + "/" + startMillis + "/" + random;
    }

    /**
     * Whether {@code instanceId} names a process of this boot and PID namespace that no longer
     * runs: its PID is free, or taken by a process started at another time.
     */
    static boolean deadHere(String instanceId) {
        String[] parts = instanceId == null ? new String[0] : instanceId.split("/");
        if (HERE == null || parts.length != 5 || !HERE.equals(parts[0] + "/" + parts[1])) {
            return false;
        }
        long pid;
        long startMillis;
        try {
            pid = Long.parseLong(parts[2]);
            startMillis = Long.parseLong(parts[3]);
        } catch (NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isEmpty() || process.get().info().startInstant()
                .map(start -> start.toEpochMilli() != startMillis).orElse(false);
    }

    private static String here() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // pid:[4026531836]
            String numbers = namespace.replaceAll("\\D", "");
            return boot.matches("[0-9a-f-]+") && !numbers.isEmpty() ? boot + "/" + numbers : null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }
}

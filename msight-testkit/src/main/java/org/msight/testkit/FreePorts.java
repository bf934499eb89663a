package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback interface for test servers, picked at random outside the kernel's
 * ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}): no outgoing connection of any
 * process takes one as its local port, so a test server stopped to test reconnection can start
 * again on its port. Each port handed out is also reserved for this JVM with a file lock in
 * {@code <tmp>/msight-test-ports/}, so two test JVMs on one machine never get the same one. The
 * folder and its files are made writable by every user, so the test JVMs of two users share the
 * reservations; a file another user's umask left read-only counts as that port reserved.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final int HIGHEST = 65_535;
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "msight-test-ports");
    /**
     * The ports this JVM reserved with their locks, held (and so kept from the garbage collector,
     * which would close their files) until it exits. A port in here is never opened again: closing
     * a second channel to a locked file would drop this JVM's lock on it.
     */
    private static final Map<Integer, FileLock> RESERVED = new HashMap<>();

    private FreePorts() {
    }

    /** A port outside the ephemeral range that nothing listens on right now on 127.0.0.1, reserved for this JVM. */
    public static synchronized int next() {
        int[] ephemeral = ephemeralRange();
        int below = Math.max(0, ephemeral[0] - LOWEST);
        int candidates = below + Math.max(0, HIGHEST - ephemeral[1]);
        if (candidates == 0) {
            throw new IllegalStateException("no port between " + LOWEST + " and " + HIGHEST
                    + " outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
        }
        int denied = 0;
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int pick = ThreadLocalRandom.current().nextInt(candidates);
            int port = pick < below ? LOWEST + pick : ephemeral[1] + 1 + pick - below;
            Reservation reservation = reserve(port);
            if (reservation == Reservation.DENIED) {
                denied++;
            } else if (reservation == Reservation.RESERVED && nothingListensOn(port)) {
                return port;
            }
        }
        if (denied == 1_000) {
            throw new IllegalStateException("no test port could be reserved in 1000 tries: " + LOCKS + " or its files"
                    + " are another user's, not writable by this one (as an older test kit made them); remove the"
                    + " folder, or run the tests as that user");
        }
        throw new IllegalStateException("no free loopback port outside the ephemeral range after 1000 tries");
    }

    /** What {@link #reserve} made of a port. */
    private enum Reservation {
        /** Locked by this JVM now. */
        RESERVED,
        /** This JVM's already, or locked by another JVM. */
        TAKEN,
        /** Its file may not be written by this user: another user's, taken as reserved by them. */
        DENIED
    }

    /** The kernel's ephemeral port range, low and high; Linux's default when it cannot be read. */
    private static int[] ephemeralRange() {
        try {
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                    .split("\\s+");
            return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
        } catch (IOException e) {
            return new int[] {32_768, 60_999};
        }
    }

    private static Reservation reserve(int port) {
        if (RESERVED.containsKey(port)) {
            return Reservation.TAKEN;
        }
        try {
            FileChannel channel = open(LOCKS.resolve(Integer.toString(port)));
            FileLock lock = channel.tryLock();
            if (lock == null) { // another JVM's
                channel.close();
                return Reservation.TAKEN;
            }
            RESERVED.put(port, lock);
            return Reservation.RESERVED;
        } catch (AccessDeniedException otherUsers) {
            return Reservation.DENIED;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reserve a test port in " + LOCKS, e);
        }
    }

    /**
     * Opens a port's lock file for writing, creating it, and the folder, writable by every user
     * when they are missing. An existing file is opened without {@code O_CREAT}, which the kernel
     * refuses on another user's file in a sticky folder where {@code fs.protected_regular} is set.
     */
    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.WRITE);
        } catch (NoSuchFileException absent) {
            createFolder();
            try {
                FileChannel created = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
                return created;
            } catch (FileAlreadyExistsException createdMeanwhile) {
                return FileChannel.open(file, StandardOpenOption.WRITE);
            }
        }
    }

    private static void createFolder() throws IOException {
        if (!Files.isDirectory(LOCKS)) {
            Files.createDirectories(LOCKS.getParent());
            try {
                Files.createDirectory(LOCKS);
                Files.setPosixFilePermissions(LOCKS, PosixFilePermissions.fromString("rwxrwxrwx"));
            } catch (FileAlreadyExistsException createdMeanwhile) {
                // by another JVM
            }
        }
    }

    private static boolean nothingListensOn(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}

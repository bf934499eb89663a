package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback interface for test servers, picked at random outside the kernel's
 * ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}): no outgoing connection of any
 * process takes one as its local port, so a test server stopped to test reconnection can start
 * again on its port. Each port handed out is also reserved for this JVM with a file lock in
 * {@code <tmp>/msight-test-ports/}, so two test JVMs on one machine never get the same one.
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
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int pick = ThreadLocalRandom.current().nextInt(candidates);
            int port = pick < below ? LOWEST + pick : ephemeral[1] + 1 + pick - below;
            if (reserve(port) && nothingListensOn(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port outside the ephemeral range after 1000 tries");
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

    private static boolean reserve(int port) {
        if (RESERVED.containsKey(port)) {
            return false;
        }
        try {
            Files.createDirectories(LOCKS);
            FileChannel channel = FileChannel.open(LOCKS.resolve(Integer.toString(port)), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) { // another JVM's
                channel.close();
                return false;
            }
            RESERVED.put(port, lock);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reserve a test port in " + LOCKS, e);
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

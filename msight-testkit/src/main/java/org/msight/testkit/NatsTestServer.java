package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real {@code nats-server} (Debian's) of the test's own, on a free loopback port, from a
 * generated configuration file. It can be stopped and started again on the same port, with the
 * same JetStream store, to test reconnection and redelivery. Never the machine's own on 4222.
 */
public final class NatsTestServer implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final Path executable = Files.isExecutable(Path.of("/usr/sbin/nats-server"))
            ? Path.of("/usr/sbin/nats-server") : Tools.require("nats-server", "nats-server");
    private final int port = FreePorts.next();
    private final Path dir;
    private final Path log;
    private Process process;

    /**
     * @param jetStream whether to enable JetStream, stored in a temporary folder that survives restarts
     * @param extraConfig more lines of nats-server configuration, such as {@code max_payload: 1024}
     */
    public NatsTestServer(boolean jetStream, String... extraConfig) {
        try {
            dir = Files.createTempDirectory("nats-test-server-");
            log = dir.resolve("nats.log");
            StringBuilder config = new StringBuilder("listen: \"127.0.0.1:" + port + "\"\n");
            if (jetStream) {
                config.append("jetstream { store_dir: \"").append(dir.resolve("store")).append("\" }\n");
            }
            for (String line : extraConfig) {
                config.append(line).append('\n');
            }
            Files.writeString(dir.resolve("nats.conf"), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A core NATS server without JetStream. */
    public NatsTestServer() {
        this(false);
    }

    /** Starts the server and waits until it greets clients; again after {@link #stop()}, on the same port. */
    public synchronized NatsTestServer start() {
        if (process != null) {
            throw new IllegalStateException("nats-server already runs on port " + port);
        }
        try {
            process = new ProcessBuilder(List.of(executable.toString(), "-c", dir.resolve("nats.conf").toString()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        awaitReady();
        return this;
    }

    /** Stops the server (SIGKILL, as a crash) and waits until it has gone; nothing when not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        ServerProcesses.stop(process, false);
        process = null;
    }

    /** The loopback port, the same across restarts. */
    public int port() {
        return port;
    }

    /** {@code nats://127.0.0.1:<port>}. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }

    /** Ready once a connection on the port is greeted with the server's INFO line. */
    private void awaitReady() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server exited with " + process.exitValue() + ": " + ServerProcesses.logText(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                socket.setSoTimeout(1000);
                byte[] greeting = socket.getInputStream().readNBytes(4);
                if (new String(greeting, java.nio.charset.StandardCharsets.US_ASCII).equals("INFO")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            ServerProcesses.pause("nats-server");
        }
        stop();
        throw new IllegalStateException("nats-server did not answer on port " + port + " within "
                + START_TIMEOUT_MILLIS + " ms: " + ServerProcesses.logText(log));
    }
}

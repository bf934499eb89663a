package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} of the test's own, on a free loopback port, without persistence.
 * It can be stopped and started again on the same port, to test reconnection.
 */
public final class RedisTestServer implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final Path executable = Tools.require("redis-server", "redis-server");
    private final int port = FreePorts.next();
    private final List<String> extraArguments;
    private final boolean tls;
    private final Path log;
    private Process process;

    /** A server without a password. */
    public RedisTestServer() {
        this(List.of());
    }

    /** @param extraArguments further {@code redis-server} options, such as {@code --requirepass secret} */
    public RedisTestServer(List<String> extraArguments) {
        this(extraArguments, false);
    }

    private RedisTestServer(List<String> extraArguments, boolean tls) {
        this.extraArguments = List.copyOf(extraArguments);
        this.tls = tls;
        try {
            this.log = Files.createTempFile("redis-test-server-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server that requires {@code password} ({@code requirepass}). */
    public static RedisTestServer withPassword(String password) {
        return new RedisTestServer(List.of("--requirepass", password));
    }

    /**
     * A server that speaks only TLS on its port and requires client certificates signed by the CA.
     *
     * @param certificate the server's PEM certificate
     * @param key its PEM private key
     * @param ca the PEM CA that signs server and client certificates
     */
    public static RedisTestServer withTls(Path certificate, Path key, Path ca) {
        return new RedisTestServer(List.of("--tls-cert-file", certificate.toString(), "--tls-key-file", key.toString(),
                "--tls-ca-cert-file", ca.toString()), true);
    }

    /** Starts the server and waits until it answers; again after {@link #stop()}, on the same port. */
    public synchronized RedisTestServer start() {
        if (process != null) {
            throw new IllegalStateException("redis-server already runs on port " + port);
        }
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no"));
        command.addAll(tls ? List.of("--port", "0", "--tls-port", String.valueOf(port))
                : List.of("--port", String.valueOf(port)));
        command.addAll(extraArguments);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        awaitReady();
        return this;
    }

    /** Stops the server (SIGTERM) and waits until it has gone; nothing when not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        ServerProcesses.stop(process, true);
        process = null;
    }

    /** The loopback port, the same across restarts. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Ready once PING gets an answer: {@code +PONG}, or {@code -NOAUTH} when a password is required;
     * with TLS, once the port accepts connections.
     */
    private void awaitReady() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + ServerProcesses.logText(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                if (tls) {
                    return;
                }
                socket.setSoTimeout(1000);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                int first = in.read();
                if (first == '+' || first == '-') {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            ServerProcesses.pause("redis-server");
        }
        stop();
        throw new IllegalStateException("redis-server did not answer on port " + port + " within "
                + START_TIMEOUT_MILLIS + " ms: " + ServerProcesses.logText(log));
    }
}

package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
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
public final class RedisTestServer extends LoopbackServer {

    private final Path executable = Tools.require("redis-server", "redis-server");
    private List<String> extraArguments;
    private final boolean tls;
    private final boolean cluster;

    /** A server without a password. */
    public RedisTestServer() {
        this(List.of());
    }

    /** @param extraArguments further {@code redis-server} options, such as {@code --requirepass secret} */
    public RedisTestServer(List<String> extraArguments) {
        this(extraArguments, false, false);
    }

    /** @param cluster a node of a Redis Cluster, its cluster bus on a free port of its own too */
    RedisTestServer(List<String> extraArguments, boolean tls, boolean cluster) {
        this(logFile(), extraArguments, tls, cluster);
    }

    /** @param log a temporary file of its own, deleted by {@link #close()} */
    private RedisTestServer(Path log, List<String> extraArguments, boolean tls, boolean cluster) {
        super("redis-server", log, log, true, Waits.GENEROUS, cluster ? 2 : 1);
        this.extraArguments = List.copyOf(extraArguments);
        this.tls = tls;
        this.cluster = cluster;
    }

    private static Path logFile() {
        try {
            return Files.createTempFile("redis-test-server-", ".log");
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
        return withTls(certificate, key, ca, List.of());
    }

    /** As {@link #withTls(Path, Path, Path)}, with further {@code redis-server} options. */
    public static RedisTestServer withTls(Path certificate, Path key, Path ca, List<String> extraArguments) {
        return new RedisTestServer(tlsArguments(certificate, key, ca, extraArguments), true, false);
    }

    /** The {@code redis-server} options of {@link #withTls(Path, Path, Path, List)}. */
    static List<String> tlsArguments(Path certificate, Path key, Path ca, List<String> extraArguments) {
        List<String> arguments = new ArrayList<>(List.of("--tls-cert-file", certificate.toString(), "--tls-key-file",
                key.toString(), "--tls-ca-cert-file", ca.toString()));
        arguments.addAll(extraArguments);
        return arguments;
    }

    /** Starts the server (SIGTERM stops it) and waits until it answers; again after {@link #stop()}, on the same port. */
    public RedisTestServer start() {
        launch();
        return this;
    }

    /**
     * Stops the server and starts it again on the same port with {@code extraArguments} in place
     * of the earlier ones: a restart that brings a password the server did not require, say.
     */
    public synchronized RedisTestServer restartWith(List<String> extraArguments) {
        stop();
        this.extraArguments = List.copyOf(extraArguments);
        return start();
    }

    @Override
    List<String> command() {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no"));
        command.addAll(tls ? List.of("--port", "0", "--tls-port", String.valueOf(port()))
                : List.of("--port", String.valueOf(port())));
        if (cluster) {
            // by default the bus port is the port + 10000: maybe taken, or past 65535
            command.addAll(List.of("--cluster-enabled", "yes", "--cluster-port", String.valueOf(port(1))));
        }
        command.addAll(extraArguments);
        return command;
    }

    /**
     * Ready once PING gets an answer: {@code +PONG}, or {@code -NOAUTH} when a password is required;
     * with TLS, once the port accepts connections.
     */
    @Override
    boolean answers(Socket socket) throws IOException {
        if (tls) {
            return true;
        }
        socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        int first = socket.getInputStream().read();
        return first == '+' || first == '-';
    }
}

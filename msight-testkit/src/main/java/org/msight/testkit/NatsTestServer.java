package org.msight.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real {@code nats-server} (Debian's) of the test's own, on a free loopback port, from a
 * generated configuration file. It can be stopped and started again on the same port, with the
 * same JetStream store, to test reconnection and redelivery. Never the machine's own on 4222.
 */
public final class NatsTestServer extends LoopbackServer {

    private final Path executable = Files.isExecutable(Path.of("/usr/sbin/nats-server"))
            ? Path.of("/usr/sbin/nats-server") : Tools.require("nats-server", "nats-server");
    private final Path dir;
    private final boolean jetStream;
    private volatile List<String> extraConfig;

    /**
     * @param jetStream whether to enable JetStream, stored in a temporary folder that survives restarts
     *     ({@link #close()} deletes it, with the log and the configuration file)
     * @param extraConfig more lines of nats-server configuration, such as {@code max_payload: 1024}
     */
    public NatsTestServer(boolean jetStream, String... extraConfig) {
        this(temporaryFolder(), jetStream, extraConfig);
    }

    private NatsTestServer(Path dir, boolean jetStream, String... extraConfig) {
        super("nats-server", dir.resolve("nats.log"), dir, false, Waits.GENEROUS, 1);
        this.dir = dir;
        this.jetStream = jetStream;
        this.extraConfig = List.of(extraConfig);
    }

    /** A core NATS server without JetStream. */
    public NatsTestServer() {
        this(false);
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("nats-test-server-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (SIGKILL stops it, as a crash) and waits until it greets clients; again after {@link #stop()}. */
    public NatsTestServer start() {
        launch();
        return this;
    }

    /** Replaces the extra configuration lines from the next {@link #start()} on (a password rotated, say). */
    public void configure(String... extraConfig) {
        this.extraConfig = List.of(extraConfig);
    }

    /** {@code nats://127.0.0.1:<port>}. */
    public String url() {
        return "nats://127.0.0.1:" + port();
    }

    /** Writes the configuration file, for the server's current port, and starts the server with it. */
    @Override
    List<String> command() {
        StringBuilder config = new StringBuilder("listen: \"127.0.0.1:" + port() + "\"\n");
        if (jetStream) {
            config.append("jetstream { store_dir: \"").append(dir.resolve("store")).append("\" }\n");
        }
        extraConfig.forEach(line -> config.append(line).append('\n'));
        Path file = dir.resolve("nats.conf");
        try {
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(executable.toString(), "-c", file.toString());
    }

    /** Ready once a connection on the port is greeted with the server's INFO line. */
    @Override
    boolean answers(Socket socket) throws IOException {
        return new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII).equals("INFO");
    }
}

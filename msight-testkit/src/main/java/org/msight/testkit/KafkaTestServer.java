package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one JVM) of the test's own, on
 * free loopback ports, started as its own JVM from the Kafka jars the build resolved (see module
 * {@code msight-testkit-kafka}), so no Kafka class reaches the test's class path. Its log folder
 * is formatted once with a random cluster id; {@link #kill()} and {@link #start()} again keep the
 * data and the ports, to test a broker crash; {@link #freeze()} stops it from answering. Topics are created on first use with
 * {@code num.partitions} partitions (2 unless overridden).
 */
public final class KafkaTestServer implements AutoCloseable {

    /** The class path file {@code msight-testkit-kafka} writes at build time. */
    private static final String CLASSPATH_RESOURCE = "org/msight/testkit/kafka-broker.classpath";
    /** A cold broker JVM starts in 3 to 5 s on an idle 2-core machine; much longer under load. */
    private static final long START_TIMEOUT_MILLIS = 120_000;
    private static final String STARTED = "Kafka Server started";

    private final int port = FreePorts.next();
    private final int controllerPort = FreePorts.next();
    /** Listeners besides the broker's own: name and port. */
    private final Map<String, Integer> listenerPorts = new LinkedHashMap<>();
    private final Path dir;
    private final Path log;
    private final Path properties;
    private final String classpath;
    private Process process;

    /** A broker with the test defaults. */
    public KafkaTestServer() {
        this(Map.of());
    }

    /**
     * @param overrides broker settings replacing or adding to the defaults, such as
     *     {@code message.max.bytes} or {@code num.partitions}
     */
    public KafkaTestServer(Map<String, String> overrides) {
        this(overrides, Map.of());
    }

    /**
     * A broker that also takes, on {@link #bootstrapServers(String) bootstrapServers("SASL_PLAINTEXT")},
     * SASL PLAIN logins of {@code username} with {@code password}, and OAUTHBEARER logins with
     * unsecured tokens (a JWS with {@code "alg":"none"}, a {@code sub} and an {@code exp}; Kafka's
     * own validator for tests).
     */
    public static KafkaTestServer withSasl(String username, String password) {
        Map<String, String> sasl = new LinkedHashMap<>();
        sasl.put("sasl.enabled.mechanisms", "PLAIN,OAUTHBEARER");
        sasl.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + username + "=\""
                        + password + "\";");
        sasl.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        return withListeners(Map.of("SASL_PLAINTEXT", "SASL_PLAINTEXT"), sasl);
    }

    /**
     * A broker that also serves {@code listeners}, each a listener name and its security protocol
     * (such as {@code SSL}), on a port of its own ({@link #bootstrapServers(String)}); the broker's
     * own listener stays plain. {@code overrides} configure them, as in
     * {@code listener.name.<name in lower case>.ssl.keystore.type}; values may span lines.
     */
    public static KafkaTestServer withListeners(Map<String, String> listeners, Map<String, String> overrides) {
        return new KafkaTestServer(overrides, listeners);
    }

    private KafkaTestServer(Map<String, String> overrides, Map<String, String> listeners) {
        this.classpath = brokerClasspath();
        listeners.keySet().forEach(name -> listenerPorts.put(name, FreePorts.next()));
        try {
            this.dir = Files.createTempDirectory("kafka-test-server-");
            this.log = dir.resolve("server.log");
            this.properties = dir.resolve("server.properties");
            Map<String, String> settings = defaults(listeners);
            settings.putAll(overrides);
            StringBuilder text = new StringBuilder();
            settings.forEach((key, value) -> text.append(key).append('=')
                    .append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
            Files.writeString(properties, text);
            Files.writeString(dir.resolve("log4j2.properties"), """
                    appender.out.type = Console
                    appender.out.name = out
                    appender.out.layout.type = PatternLayout
                    appender.out.layout.pattern = [%d] %p %m (%c)%n
                    rootLogger.level = WARN
                    rootLogger.appenderRef.out.ref = out
                    logger.started.name = kafka.server.KafkaRaftServer
                    logger.started.level = INFO
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Light settings for one test broker: one replica of everything, one partition of the
     * internal topics (the default 50 take seconds to create), small segments, few threads.
     */
    private Map<String, String> defaults(Map<String, String> protocols) {
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
        StringBuilder protocolMap = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        listenerPorts.forEach((name, listenerPort) -> {
            listeners.append(',').append(name).append("://127.0.0.1:").append(listenerPort);
            protocolMap.append(',').append(name).append(':').append(protocols.get(name));
        });
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        settings.put("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort);
        settings.put("advertised.listeners", listeners.toString());
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", protocolMap.toString());
        settings.put("log.dirs", dir.resolve("data").toString());
        settings.put("num.partitions", "2");
        settings.put("auto.create.topics.enable", "true");
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("offsets.topic.num.partitions", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("transaction.state.log.num.partitions", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        settings.put("share.coordinator.state.topic.num.partitions", "1");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("group.min.session.timeout.ms", "1000");
        settings.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        settings.put("log.retention.bytes", String.valueOf(64 * 1024 * 1024));
        settings.put("num.network.threads", "2");
        settings.put("num.io.threads", "2");
        settings.put("num.recovery.threads.per.data.dir", "1");
        settings.put("background.threads", "2");
        return settings;
    }

    /**
     * Starts the broker and waits until it serves; again after {@link #kill()} or {@link #stop()},
     * on the same ports and data. The first start formats the log folder.
     */
    public synchronized KafkaTestServer start() {
        if (process != null) {
            throw new IllegalStateException("the Kafka broker already runs on port " + port);
        }
        if (!Files.isDirectory(dir.resolve("data"))) {
            format();
        }
        process = java("kafka.Kafka", properties.toString());
        awaitStarted();
        return this;
    }

    /** {@code kafka-storage.sh format}: the log folder gets the cluster id and the controller's metadata. */
    private void format() {
        Process storage = java("kafka.tools.StorageTool", "format", "--cluster-id", randomClusterId(), "--config",
                properties.toString(), "--ignore-formatted");
        try {
            if (!storage.waitFor(START_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                storage.destroyForcibly();
                throw new IllegalStateException("kafka-storage format took over " + START_TIMEOUT_MILLIS + " ms: "
                        + logText());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            storage.destroyForcibly();
            throw new IllegalStateException("interrupted while formatting the Kafka log folder");
        }
        if (storage.exitValue() != 0) {
            throw new IllegalStateException("kafka-storage format exited with " + storage.exitValue() + ": "
                    + logText());
        }
    }

    /**
     * What {@code kafka-storage.sh random-uuid} prints: 16 random bytes, URL-safe Base64 without
     * padding, and like Kafka's own never starting with '-', which the tool's command line would
     * take for an option.
     */
    private static String randomClusterId() {
        String id;
        do {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits());
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
        } while (id.startsWith("-"));
        return id;
    }

    /**
     * A JVM on the broker's class path, its output appended to the log. Small heap, serial GC and
     * the C1 compiler only: a test broker starts in a few seconds and stays under 300 MB.
     */
    private Process java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start java for " + mainClass, e);
        }
    }

    /** Whether the broker was started and not stopped or killed since. */
    public synchronized boolean running() {
        return process != null;
    }

    /** Kills the broker at once (SIGKILL), as a crash; nothing when not running. */
    public synchronized void kill() {
        end(true);
    }

    /** Stops the broker (SIGTERM, a controlled shutdown) and waits until it has gone; nothing when not running. */
    public synchronized void stop() {
        end(false);
    }

    /** Freezes the broker (SIGSTOP): connections stay open, nothing is read or answered. */
    public synchronized void freeze() {
        ServerProcesses.signal(started(), "STOP");
    }

    /** Lets a frozen broker go on (SIGCONT). */
    public synchronized void thaw() {
        ServerProcesses.signal(started(), "CONT");
    }

    private Process started() {
        if (process == null) {
            throw new IllegalStateException("the Kafka broker on port " + port + " is not running");
        }
        return process;
    }

    private void end(boolean forcibly) {
        if (process != null) {
            ServerProcesses.stop(process, !forcibly);
            process = null;
        }
    }

    /** {@code 127.0.0.1:<port>}, the same across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** {@code 127.0.0.1:<port>} of the listener {@code name} of {@link #withListeners} or {@link #withSasl}. */
    public String bootstrapServers(String name) {
        Integer listenerPort = listenerPorts.get(name);
        if (listenerPort == null) {
            throw new IllegalArgumentException("no listener " + name + ", only " + listenerPorts.keySet());
        }
        return "127.0.0.1:" + listenerPort;
    }

    /** The broker's loopback port. */
    public int port() {
        return port;
    }

    /** The class path of the broker's JVM, for Kafka's own tools run against it (its perf tests). */
    public String classpath() {
        return classpath;
    }

    /** What the broker printed so far (warnings and errors, and its start lines). */
    public String logText() {
        return ServerProcesses.logText(log);
    }

    /** Stops the broker and deletes its folder. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Started once the broker logged that it started (after its log recovery and the controller's
     * election) and its port accepts connections.
     */
    private void awaitStarted() {
        long startedLines = countStarted();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                int code = process.exitValue();
                process = null;
                throw new IllegalStateException("the Kafka broker exited with " + code + ": " + logText());
            }
            if (countStarted() > startedLines && accepts()) {
                return;
            }
            ServerProcesses.pause("the Kafka broker");
        }
        kill();
        throw new IllegalStateException("the Kafka broker did not start on port " + port + " within "
                + START_TIMEOUT_MILLIS + " ms: " + logText());
    }

    private long countStarted() {
        return logText().lines().filter(line -> line.contains(STARTED)).count();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** @throws IllegalStateException when the build did not write the class path file */
    private static String brokerClasspath() {
        try (InputStream in = KafkaTestServer.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: build with Maven"
                        + " (module msight-testkit-kafka writes it), e.g. mvn -pl <module> -am verify");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

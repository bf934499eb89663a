package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one JVM) of the test's own, on
 * free loopback ports, started as its own JVM from the Kafka jars the build resolved (see module
 * {@code msight-testkit-kafka}), so no Kafka class reaches the test's class path. Its log folder
 * is formatted once with a random cluster id; {@link #kill()} and {@link #start()} again keep the
 * data and the ports, to test a broker crash; {@link #freeze()} stops it from answering. Topics
 * are created on first use with {@code num.partitions} partitions (2 unless overridden).
 */
public final class KafkaTestServer extends LoopbackServer {

    /** The class path file {@code msight-testkit-kafka} writes at build time. */
    private static final String CLASSPATH_RESOURCE = "org/msight/testkit/kafka-broker.classpath";
    /** A cold broker JVM starts in 3 to 5 s on an idle 2-core machine; much longer under load. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final String STARTED = "Kafka Server started";

    /** Listeners besides the broker's own, in the order of their ports: name and security protocol. */
    private final Map<String, String> listeners;
    private final Map<String, String> overrides;
    private final Path dir;
    private final Path properties;
    private final String classpath;

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
        return withListeners(Map.of("SASL_PLAINTEXT", "SASL_PLAINTEXT"), sasl(Map.of(username, password)));
    }

    /**
     * As {@link #withSasl}, with Kafka's authorizer: {@code username} may do anything, as may
     * clients of the broker's own plain listener, and a second PLAIN login, {@code limited} with
     * {@code limitedPassword}, only what ACLs allow (such as those an {@code Admin} of the plain
     * listener creates): an edge box's consumer-only login, say.
     */
    public static KafkaTestServer withSaslAndAcls(String username, String password, String limited,
            String limitedPassword) {
        Map<String, String> settings = sasl(Map.of(username, password, limited, limitedPassword));
        settings.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        settings.put("super.users", "User:ANONYMOUS;User:" + username);
        return withListeners(Map.of("SASL_PLAINTEXT", "SASL_PLAINTEXT"), settings);
    }

    /** The settings of the SASL_PLAINTEXT listener: PLAIN logins of {@code users} (name and password), OAUTHBEARER. */
    private static Map<String, String> sasl(Map<String, String> users) {
        StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        users.forEach((user, password) -> plain.append(" user_").append(user).append("=\"").append(password)
                .append('"'));
        Map<String, String> sasl = new LinkedHashMap<>();
        sasl.put("sasl.enabled.mechanisms", "PLAIN,OAUTHBEARER");
        sasl.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plain.append(';').toString());
        sasl.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        return sasl;
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
        this(temporaryFolder(), overrides, listeners);
    }

    /** Ports: the broker's, the controller's, then one for each of {@code listeners}. */
    private KafkaTestServer(Path dir, Map<String, String> overrides, Map<String, String> listeners) {
        super("the Kafka broker", dir.resolve("server.log"), dir, true, START_TIMEOUT, 2 + listeners.size());
        this.classpath = brokerClasspath();
        this.dir = dir;
        this.properties = dir.resolve("server.properties");
        this.listeners = new LinkedHashMap<>(listeners);
        this.overrides = Map.copyOf(overrides);
        try {
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

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("kafka-test-server-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Light settings for one test broker: one replica of everything, one partition of the
     * internal topics (the default 50 take seconds to create), small segments, few threads.
     */
    private Map<String, String> defaults() {
        int controllerPort = port(1);
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port());
        StringBuilder protocolMap = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        List<String> names = List.copyOf(this.listeners.keySet());
        for (int i = 0; i < names.size(); i++) {
            listeners.append(',').append(names.get(i)).append("://127.0.0.1:").append(port(2 + i));
            protocolMap.append(',').append(names.get(i)).append(':').append(this.listeners.get(names.get(i)));
        }
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
    public KafkaTestServer start() {
        launch();
        return this;
    }

    /** Writes the broker's properties for its current ports, formats the log folder the first time, and runs it. */
    @Override
    List<String> command() {
        Map<String, String> settings = defaults();
        settings.putAll(overrides);
        StringBuilder text = new StringBuilder();
        settings.forEach((key, value) -> text.append(key).append('=')
                .append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
        try {
            Files.writeString(properties, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Files.isDirectory(dir.resolve("data"))) {
            format();
        }
        return java("kafka.Kafka", properties.toString());
    }

    /** Started once the broker logged that it started (after its log recovery and the controller's election). */
    @Override
    boolean answers(Socket socket) {
        return logSinceLaunch().contains(STARTED);
    }

    /** {@code kafka-storage.sh format}: the log folder gets the cluster id and the controller's metadata. */
    private void format() {
        List<String> command = java("kafka.tools.StorageTool", "format", "--cluster-id", randomClusterId(), "--config",
                properties.toString(), "--ignore-formatted");
        Tools.Output format = Tools.run(new ProcessBuilder(command).redirectErrorStream(true), START_TIMEOUT);
        if (format.exitCode() != 0) {
            throw new IllegalStateException("kafka-storage format exited with " + format.exitCode() + ": "
                    + format.text());
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
     * The command line of a JVM on the broker's class path. Small heap, serial GC and the C1
     * compiler only: a test broker starts in a few seconds and stays under 300 MB.
     */
    private List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** The broker's log folder: a folder per partition ({@code <topic>-<n>}), of segment files. */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /** {@code 127.0.0.1:<port>}, the same across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port();
    }

    /** {@code 127.0.0.1:<port>} of the listener {@code name} of {@link #withListeners} or {@link #withSasl}. */
    public String bootstrapServers(String name) {
        List<String> names = List.copyOf(listeners.keySet());
        if (!names.contains(name)) {
            throw new IllegalArgumentException("no listener " + name + ", only " + names);
        }
        return "127.0.0.1:" + port(2 + names.indexOf(name));
    }

    /** The class path of the broker's JVM, for Kafka's own tools run against it (its perf tests). */
    public String classpath() {
        return classpath;
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

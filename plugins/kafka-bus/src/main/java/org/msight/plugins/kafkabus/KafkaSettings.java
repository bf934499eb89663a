package org.msight.plugins.kafkabus;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.utils.Utils;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.PemTls;
import org.msight.api.Setting;
import org.msight.api.Suggestions;
import org.msight.api.bus.ServerList;

/**
 * The {@code msight.kafka} block, checked, and the Kafka client properties it makes. Holds the
 * SASL password and token: {@link #toString()} and {@link #describe()} leave them out.
 *
 * @param servers bootstrap brokers
 * @param clientProperties security and extra properties common to producers and consumers
 */
record KafkaSettings(List<String> servers, String saslMechanism, String saslUsername, boolean tls,
        boolean sensorNameKey, String startPosition, String acks, Duration linger, long bufferSize,
        Duration deliveryTimeout, int maxRequestSize, Duration maxBlock, Duration sessionTimeout, Duration commitInterval,
        int maxPollRecords, Duration revokeTimeout, Duration connectTimeout, Map<String, Object> clientProperties) {

    static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");

    /**
     * Reads a validated {@code msight.kafka} block.
     *
     * @throws IllegalArgumentException naming the key, for a value the bus cannot use
     */
    static KafkaSettings from(Config kafka) {
        List<String> servers;
        try {
            servers = ServerList.parse(kafka.getString("servers"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("servers: " + e.getMessage());
        }
        checkServers(servers);
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", servers));
        String mechanism = kafka.getString("sasl.mechanism").trim().toUpperCase(Locale.ROOT);
        String username = kafka.getString("sasl.username");
        if (!mechanism.isEmpty()) {
            if (!SASL_MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("sasl.mechanism: '" + mechanism + "' is not one of "
                        + SASL_MECHANISMS);
            }
            client.put(SaslConfigs.SASL_MECHANISM, mechanism);
            client.putAll(Sasl.properties(mechanism, username, kafka.getString("sasl.password"),
                    kafka.getString("sasl.oauth-token")));
        }
        boolean tls = Setting.isOn(kafka.getString("tls.enabled"));
        if (tls) {
            client.putAll(tlsProperties(kafka.getConfig("tls")));
        }
        client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                (mechanism.isEmpty() ? "" : "SASL_") + (tls ? "SSL" : "PLAINTEXT"));
        Map<String, String> extra = new HashMap<>();
        for (Map.Entry<String, ConfigValue> property : kafka.getConfig("properties").entrySet()) {
            extra.put(property.getKey().replace("\"", ""), String.valueOf(property.getValue().unwrapped()));
        }
        checkProperties(extra);
        client.putAll(extra);
        return new KafkaSettings(servers, mechanism, username, tls,
                // every value checked by its declared Setting (KafkaBusProvider) before a bus is made
                kafka.getString("record-key").equals("sensor_name"),
                kafka.getString("start-position"), kafka.getString("acks"),
                kafka.getDuration("linger"), kafka.getBytes("buffer-size"), kafka.getDuration("delivery-timeout"),
                (int) Math.min(Integer.MAX_VALUE, kafka.getBytes("max-request-size")),
                kafka.getDuration("max-block"),
                kafka.getDuration("session-timeout"), kafka.getDuration("commit-interval"),
                kafka.getInt("max-poll-records"), kafka.getDuration("revoke-timeout"),
                kafka.getDuration("connect-timeout"), Map.copyOf(client));
    }

    /**
     * Checks the servers as the clients read {@code bootstrap.servers} (ClientUtils.parseAndValidateAddresses),
     * short of resolving their hosts: Kafka's host and port pattern, a port in range.
     *
     * @throws IllegalArgumentException at {@code servers}, naming a server the clients refused at start
     *     by its place in the list (and its host, when only its port is wrong), never showing it: a
     *     list unquoted is split at a comma a password may hold ({@code u:s3cr3t,part@kafka1:9092})
     */
    private static void checkServers(List<String> servers) {
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i);
            String host = Utils.getHost(server);
            String which = "servers: server " + (i + 1) + " of " + servers.size();
            if (host == null) {
                throw new IllegalArgumentException(which + " is not a broker's host:port, such as kafka1:9092 (Kafka"
                        + " takes no user or password in it: set sasl.username and sasl.password); not shown, as it"
                        + " may hold one");
            }
            int port;
            try {
                port = Utils.getPort(server);
            } catch (NumberFormatException tooLong) {
                port = -1;
            }
            if (port > 65_535 || port < 0) {
                throw new IllegalArgumentException(which + (host.contains(":") ? "" : " (" + LogSafe.text(host) + ")")
                        + ": the port is not in 0-65535");
            }
        }
    }

    /** The producer's properties: asynchronous, batched, bounded in memory and in blocking. */
    Map<String, Object> producerProperties(String clientId) {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        producer.put(ProducerConfig.ACKS_CONFIG, acks);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize());
        // KafkaPublisher hands a message over only while a batch fits, so the producer never blocks
        // for room; it blocks only for the partitions of a topic it has not published to yet.
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferSize);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis());
        long requestTimeout = Math.max(1, Math.min(10_000, deliveryTimeout.toMillis() - linger.toMillis()));
        producer.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout);
        producer.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                (int) Math.max(deliveryTimeout.toMillis(), requestTimeout + linger.toMillis()));
        producer.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize);
        boolean idempotent = acks.equals("all") || acks.equals("-1");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
        if (!idempotent) { // a retried batch would otherwise land after a later one: a sensor's frames out of order
            producer.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        }
        producer.putAll(clientProperties);
        return producer;
    }

    /**
     * Bytes of one batch. A batch takes this much of the buffer even for one message (at 30
     * frames/s and a linger of 5 ms, most batches hold one frame), and a message larger than
     * this makes a batch of its own size: 256 KB batches two 110 KB frames together at saturation
     * and wastes at most about half of the buffer at low rates.
     */
    int batchSize() {
        return (int) Math.min(Math.min(maxRequestSize, 256 * 1024), Math.max(16 * 1024, bufferSize / 8));
    }

    /** Kafka's own {@code max.poll.interval.ms}, kept unless {@code revoke-timeout} needs more. */
    static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    /** What {@code max.poll.interval.ms} leaves beyond {@code revoke-timeout} for the rest of a poll. */
    static final Duration POLL_INTERVAL_MARGIN = Duration.ofMinutes(1);

    /**
     * The longest between a member's heartbeats: Kafka's own default. A rebalance waits for each
     * member's next heartbeat, so a third of a long session would hold it up past the 5 s that a
     * member stopping during it may spend committing.
     */
    static final Duration MAX_HEARTBEAT_INTERVAL = Duration.ofSeconds(3);

    /** A consumer's properties: its group, committing only what the bus commits, bounded fetches. */
    Map<String, Object> consumerProperties(String clientId, String groupId) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // start-position is applied by StartPositions, which says what the topic deleted unconsumed
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        consumer.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        consumer.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                (int) Math.max(1, Math.min(sessionTimeout.toMillis() / 3, MAX_HEARTBEAT_INTERVAL.toMillis())));
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        // Sticky among this runtime's members; range too, which Python MSight's (librdkafka's) offer: a
        // group with no strategy common to its members refuses the one joining. Having range makes
        // every rebalance take all partitions back before it hands them out (Kafka's eager protocol).
        consumer.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(CooperativeStickyAssignor.class,
                RangeAssignor.class));
        // Fetch little ahead of what a node handles: a few requests' worth, not the 50 MB default.
        consumer.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, (int) Math.min(Integer.MAX_VALUE, 4L * maxRequestSize));
        consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxRequestSize);
        consumer.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) connectTimeout.toMillis());
        // A member giving up partitions waits for its node inside poll(), up to revoke-timeout: a wait
        // past max.poll.interval.ms (5 min by default) would put it out of its group, its commit refused.
        consumer.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) Math.min(Integer.MAX_VALUE, Math.max(DEFAULT_MAX_POLL_INTERVAL.toMillis(),
                        revokeTimeout.plus(POLL_INTERVAL_MARGIN).toMillis())));
        consumer.putAll(clientProperties);
        return consumer;
    }

    /** The admin client's properties, for the check at start. */
    Map<String, Object> adminProperties(String clientId) {
        Map<String, Object> admin = new HashMap<>(clientProperties);
        admin.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        admin.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, (int) connectTimeout.toMillis());
        admin.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) connectTimeout.toMillis());
        return admin;
    }

    /**
     * Whether the clients reach the brokers in plain text (PLAINTEXT, SASL_PLAINTEXT), as
     * {@code tls.enabled} or a {@code security.protocol} in {@code properties} says.
     */
    boolean plainText() {
        return String.valueOf(clientProperties.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG))
                .toUpperCase(Locale.ROOT).endsWith("PLAINTEXT");
    }

    /** The brokers and security, without secrets, for messages: {@code [h1:9092] (SASL PLAIN as alice, TLS)}. */
    String describe() {
        String security = (saslMechanism.isEmpty() ? "" : "SASL " + saslMechanism
                + (saslUsername.isEmpty() ? "" : " as " + saslUsername)) + (tls ? (saslMechanism.isEmpty() ? "" : ", ")
                + "TLS" : "");
        return servers + (security.isEmpty() ? "" : " (" + security + ")");
    }

    @Override
    public String toString() {
        return "KafkaSettings" + describe();
    }

    /** TLS through {@link PemTlsEngines}, with the context {@link PemTls} makes of the PEM files. */
    private static Map<String, Object> tlsProperties(Config tls) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, PemTlsEngines.class);
        properties.put(PemTlsEngines.CONTEXT, PemTls.context(path(tls, "ca-cert-file"), path(tls, "cert-file"),
                path(tls, "key-file"), Setting.isOn(tls.getString("verify")), "msight.kafka.tls"));
        if (!Setting.isOn(tls.getString("check-hostname"))) {
            properties.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
        }
        return properties;
    }

    /** Properties the bus's own work rests on, which {@code properties} may not change: why, and what to set instead. */
    private static final Map<String, String> SET_BY_THE_BUS = Map.of(
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "the bus places its consumers itself, saying what a topic deleted"
                    + " before its group consumed it: set start-position instead",
            ConsumerConfig.GROUP_ID_CONFIG, "each subscribing node is a member of its own group: set the node's"
                    + " group-id instead",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "the bus commits a message once its node is done with it (at"
                    + " least once); the client's own commits would skip what was fetched but not handled",
            ProducerConfig.BUFFER_MEMORY_CONFIG, "the bus hands messages over only while they fit in it: set"
                    + " buffer-size instead",
            ProducerConfig.BATCH_SIZE_CONFIG, "the bus sizes batches from buffer-size and max-request-size, and"
                    + " hands messages over only while a batch fits: set those instead",
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "the bus times its members' heartbeats from it, and names it"
                    + " when the brokers refuse it: set session-timeout instead",
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "the bus sets it from session-timeout (a third of it, 3 s"
                    + " at most): set session-timeout instead");

    /**
     * The producer's, consumer's and admin client's definitions of their properties: made when asked,
     * under the plugin's class loader (the runtime's while the bus is made), as making them loads the
     * clients' default classes through the thread's loader; in a static field they were made as the
     * plugin loaded, under another loader, and the plugin did not load.
     */
    private static List<ConfigDef> clients() {
        return List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef());
    }

    /**
     * Checks each extra property as the clients read it (type, range, a class on the plugin's
     * loader, each of a list of classes too) with Kafka's own definitions of the producer's,
     * consumer's and admin client's settings, without connecting. A name no client knows is refused
     * when it is one or two letters from one they know (a misspelling the clients would ignore);
     * any other is left for the pluggable classes the properties name, which read their own. A
     * {@code sasl.jaas.config} is read as the clients read it.
     *
     * @throws IllegalArgumentException naming the first property a client would refuse
     */
    private static void checkProperties(Map<String, String> properties) {
        for (Map.Entry<String, String> own : SET_BY_THE_BUS.entrySet()) {
            if (properties.containsKey(own.getKey())) {
                throw new IllegalArgumentException("properties.\"" + own.getKey() + "\": " + own.getValue());
            }
        }
        List<ConfigDef> clients = clients();
        Set<String> known = new HashSet<>();
        clients.forEach(definitions -> known.addAll(definitions.names()));
        for (String name : properties.keySet()) {
            String meant = known.contains(name) ? "" : Suggestions.didYouMean(name, known, 2);
            if (!meant.isEmpty()) {
                throw new IllegalArgumentException("properties.\"" + LogSafe.text(name)
                        + "\": no Kafka client has this property" + meant);
            }
        }
        for (ConfigDef definitions : clients) {
            for (org.apache.kafka.common.config.ConfigValue value : definitions.validate(properties)) {
                if (properties.containsKey(value.name()) && !value.errorMessages().isEmpty()) {
                    throw new IllegalArgumentException("properties.\"" + value.name() + "\": "
                            + LogSafe.text(value.errorMessages().get(0)));
                }
            }
        }
        for (String classes : classLists()) {
            if (properties.containsKey(classes)) {
                checkClasses(classes, properties.get(classes));
            }
        }
        for (String store : List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG)) {
            checkReadable(store, properties.get(store));
        }
        if (properties.containsKey(SaslConfigs.SASL_JAAS_CONFIG)) {
            checkJaas(properties.get(SaslConfigs.SASL_JAAS_CONFIG));
        }
    }

    /**
     * The properties whose values are lists of classes ({@code interceptor.classes}, {@code
     * metric.reporters}, {@code partition.assignment.strategy}), as Kafka's definitions describe
     * them. Typed as plain lists, they pass its validation whatever they name: the clients load the
     * classes only when created.
     */
    static Set<String> classLists() {
        return clients().stream().flatMap(client -> client.configKeys().values().stream())
                .filter(key -> key.type == ConfigDef.Type.LIST && key.documentation != null
                        && key.documentation.startsWith("A list of class"))
                .map(key -> key.name).collect(Collectors.toSet());
    }

    /** Loads each class of the list {@code name} as the clients do when created: with the plugin's loader. */
    private static void checkClasses(String name, String classes) {
        for (Object each : (List<?>) ConfigDef.parseType(name, classes, ConfigDef.Type.LIST)) {
            try {
                Class.forName((String) each, true, Utils.getContextOrKafkaClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                String why = e instanceof ClassNotFoundException ? "not found" : e.toString();
                throw new IllegalArgumentException("properties.\"" + name + "\": class '" + LogSafe.text((String) each)
                        + "' cannot be loaded (" + LogSafe.text(why) + "): each of its values is a class name");
            }
        }
    }

    /**
     * A {@code sasl.jaas.config} read as the clients read it when created. Kafka's reason is shown
     * without the word it quotes, which may be a part of the password: {@code password=two words;}
     * is "Value not specified for key 'words'".
     */
    private static void checkJaas(String jaas) {
        try {
            JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG, new Password(jaas)));
        } catch (IllegalArgumentException | KafkaException e) {
            throw new IllegalArgumentException("properties.\"" + SaslConfigs.SASL_JAAS_CONFIG + "\": Kafka cannot read"
                    + " it (" + LogSafe.text(String.valueOf(e.getMessage()).replaceAll(" '.*'", "")) + "): write it as"
                    + " <login module class> required name=\"value\" ...; with each value in double quotes, \\\" for a"
                    + " quote in one");
        }
    }

    /**
     * A key or trust store's file, read once: the Kafka client that cannot read it logs an ERROR
     * with a stack trace before failing, and its failure names no file.
     */
    private static void checkReadable(String name, String file) {
        if (file == null || file.isEmpty()) {
            return;
        }
        try (InputStream store = Files.newInputStream(Path.of(file))) {
            store.read(); // a folder opens, and fails only here
        } catch (IOException | InvalidPathException e) {
            throw new IllegalArgumentException("properties.\"" + name + "\": " + LogSafe.text(file) + ": "
                    + (e instanceof IOException io ? IoFailures.reason(io) : "not a file name"));
        }
    }

    private static Path path(Config tls, String key) {
        String file = tls.getString(key);
        return file.isEmpty() ? null : Path.of(file);
    }
}

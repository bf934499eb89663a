package org.msight.redis;

import com.typesafe.config.Config;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.net.ssl.SSLParameters;
import org.msight.api.PemTls;
import org.msight.api.Secrets;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.ServerList;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * How to reach Redis: the {@code msight.redis} block, whose defaults are MSight's
 * {@code MSIGHT_REDIS_MESSAGE_BROKER_*} environment variables. {@link #toString()} leaves the
 * password out. With a Redis Cluster ({@code cluster.enabled}), host, port and unix socket give way
 * to the cluster's seed nodes, and the database is 0, the only one a cluster has.
 *
 * @param username ACL user, or {@code null}; a Redis older than 6, which has none, is given the password alone
 * @param password password, or {@code null}; never logged
 * @param unixSocket a unix socket to connect to instead of host and port, or {@code null}
 * @param tls TLS settings, or {@code null} for a plain connection
 * @param socketTimeout how long a command waits for its reply; the subscribing connection pings
 *     Redis this often and reconnects after two of them without a word
 * @param publishTimeout longest a publish waits before its message counts as lost
 * @param clusterNodes seed nodes of a Redis Cluster, tried in order; empty for a single server
 */
public record RedisSettings(String host, int port, Path unixSocket, int db, String username, String password, Tls tls,
        Duration connectTimeout, Duration socketTimeout, Duration publishTimeout, Duration backoffInitial,
        Duration backoffMax, List<HostAndPort> clusterNodes) {

    /** The block that names the TLS files, for their problems. */
    private static final String TLS_SETTINGS = "msight.redis.tls";

    /**
     * TLS settings; files are PEM.
     *
     * @param caCertFile CA of the server's certificate, or {@code null} for the JVM's trust store
     * @param certFile client certificate, or {@code null} for none
     * @param keyFile the client certificate's private key (PEM: PKCS#8, or PKCS#1 RSA), or {@code null} when
     *     {@code certFile} holds it
     */
    public record Tls(Path caCertFile, Path certFile, Path keyFile, boolean verifyHostname) {
    }

    /** The keys of a {@code msight.redis} block, as the redis bus declares them. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.optional("host", SettingType.STRING, "Redis host (MSIGHT_REDIS_MESSAGE_BROKER_HOST)")
                    .check("must be a host name or address, such as 127.0.0.1, not a URL (port, user and password"
                            + " are settings of their own)", host -> !((String) host).matches("(?s).*[/@\\s].*")),
            Setting.optional("port", SettingType.INT, "Redis port (MSIGHT_REDIS_MESSAGE_BROKER_PORT)").between(1, 65535),
            Setting.optional("unix-socket-path", SettingType.STRING,
                    "a unix socket instead of host and port; empty for none (..._UNIX_SOCKET_PATH)"),
            Setting.optional("db", SettingType.INT, "database number (MSIGHT_REDIS_MESSAGE_BROKER_DB)").atLeast(0),
            Setting.optional("username", SettingType.STRING, "ACL user; empty for none (..._USERNAME)"),
            Setting.optional("password", SettingType.STRING, "password; empty for none (..._PASSWORD)").secret(),
            Setting.block("tls", "TLS (MSIGHT_REDIS_MESSAGE_BROKER_USE_TLS, ..._TLS_*)",
                    Setting.onOff("enabled", "connect with TLS: true, 1 or yes (any case)"),
                    Setting.optional("ca-cert-file", SettingType.STRING, "PEM CA; empty for the JVM's trust store"),
                    Setting.optional("cert-file", SettingType.STRING, "PEM client certificate; empty for none"),
                    Setting.optional("key-file", SettingType.STRING,
                            "its PEM key (PKCS#8, or PKCS#1 RSA); empty: in cert-file"),
                    Setting.optional("verify-hostname", SettingType.BOOLEAN, "check the certificate names the host")),
            Setting.optional("connect-timeout", SettingType.DURATION, "time to establish a connection")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("socket-timeout", SettingType.DURATION,
                    "time to wait for a reply; the subscriber pings this often and reconnects after two silent ones")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("publish-timeout", SettingType.DURATION,
                    "longest a publish may wait; past it the message counts as lost")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.backoff("reconnect-backoff", "wait between reconnection attempts, doubling"),
            Setting.block("cluster", "a Redis Cluster (MSIGHT_REDIS_MESSAGE_BROKER_USE_CLUSTER, ..._CLUSTER_NODES)",
                    Setting.onOff("enabled", "connect to a Redis Cluster: true, 1 or yes (any case)"),
                    Setting.optional("nodes", SettingType.STRING,
                            "seed nodes, ['host:port', 'host:port'] or host:port,host:port; empty for host:port")
                            .check("must be seed nodes such as ['127.0.0.1:7000', '127.0.0.1:7001']",
                                    nodes -> ((String) nodes).isBlank() || !clusterNodes((String) nodes).isEmpty())));

    /**
     * @throws IllegalArgumentException for a cluster with a unix socket or a database other than 0
     *     (timeouts and backoffs are checked by their declared rules)
     */
    public RedisSettings {
        clusterNodes = List.copyOf(clusterNodes);
        if (!clusterNodes.isEmpty() && unixSocket != null) {
            throw new IllegalArgumentException("cluster.enabled: a cluster is reached at its nodes, not over"
                    + " unix-socket-path " + unixSocket + ": clear one of them");
        }
        if (!clusterNodes.isEmpty() && db != 0) {
            throw new IllegalArgumentException("db: a Redis Cluster has only database 0, not " + db);
        }
    }

    /**
     * Settings from a {@code msight.redis} block (resolved, with the reference defaults). The TLS
     * files are read now too, so that one that cannot be used is a problem of the file's, found by
     * {@code --check}; each connection reads them again (a certificate renewed meanwhile).
     *
     * @throws IllegalArgumentException naming the key, for a TLS file that cannot be used or settings
     *     that contradict each other
     */
    public static RedisSettings from(Config redis) {
        Tls tls = Setting.isOn(redis.getString("tls.enabled"))
                ? new Tls(path(redis, "tls.ca-cert-file"), path(redis, "tls.cert-file"), path(redis, "tls.key-file"),
                        redis.getBoolean("tls.verify-hostname"))
                : null;
        if (tls != null) {
            PemTls.context(tls.caCertFile(), tls.certFile(), tls.keyFile(), TLS_SETTINGS);
        }
        return new RedisSettings(redis.getString("host"), redis.getInt("port"), path(redis, "unix-socket-path"),
                redis.getInt("db"),
                text(redis, "username"), text(redis, "password"), tls, redis.getDuration("connect-timeout"),
                redis.getDuration("socket-timeout"), redis.getDuration("publish-timeout"),
                redis.getDuration("reconnect-backoff.initial"), redis.getDuration("reconnect-backoff.max"),
                Setting.isOn(redis.getString("cluster.enabled")) ? clusterSeeds(redis) : List.of());
    }

    /** The cluster's seed nodes; without any, host and port, as MSight takes them. */
    private static List<HostAndPort> clusterSeeds(Config redis) {
        String nodes = redis.getString("cluster.nodes");
        return nodes.isBlank() ? List.of(new HostAndPort(redis.getString("host"), redis.getInt("port")))
                : clusterNodes(nodes);
    }

    /**
     * The nodes of a list such as {@code ['127.0.0.1:7000', '127.0.0.1:7001']} or
     * {@code 127.0.0.1:7000,127.0.0.1:7001}.
     *
     * @throws IllegalArgumentException when the list cannot be read or a node is not {@code host:port}
     */
    static List<HostAndPort> clusterNodes(String text) {
        List<HostAndPort> nodes = new ArrayList<>();
        for (String node : ServerList.parse(text)) {
            int colon = node.lastIndexOf(':');
            int port = colon > 0 && node.substring(colon + 1).matches("\\d{1,5}")
                    ? Integer.parseInt(node.substring(colon + 1)) : 0;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("cluster node '" + node + "' is not host:port");
            }
            nodes.add(new HostAndPort(node.substring(0, colon), port));
        }
        return List.copyOf(nodes);
    }

    /** Whether this is a Redis Cluster. */
    public boolean cluster() {
        return !clusterNodes.isEmpty();
    }

    /** {@code host:port}, the unix socket's path, or the cluster's seed nodes, for messages. */
    public String address() {
        if (cluster()) {
            return "cluster " + clusterNodes.stream().map(HostAndPort::toString).collect(Collectors.joining(","));
        }
        return unixSocket != null ? unixSocket.toString() : Secrets.redactUrl(host) + ":" + port;
    }

    /**
     * A new connection to one server, authenticated and on the configured database: in a cluster,
     * the first seed node that answers, for pub/sub (a message published on any node of a cluster
     * reaches the subscribers of every node). It has one socket: once that is closed, every command
     * fails ("the connection was closed") and its owner makes a new connection; Jedis would open
     * another socket silently, which a command sent as the socket was being closed would write
     * into where no one can close it.
     *
     * @param replyTimeout how long commands on it wait for a reply
     * @throws JedisException when Redis is unreachable or refuses the credentials
     *     ({@link RedisFailures#describe} says which, in one line); in a cluster, the failure of the
     *     last seed node
     * @throws RedisAccessException when the TLS files cannot be used
     */
    public Jedis connect(Duration replyTimeout) {
        return connect(replyTimeout, (server, socket) -> { });
    }

    /**
     * As {@link #connect(Duration)}, handing {@code opened} settings that reach the same server
     * alone (in a cluster, the seed node that answered; else these settings) and the socket.
     * Closing the socket from another thread ends at once a write that Redis no longer reads (a
     * socket write has no time limit), which {@link Jedis#disconnect()} cannot: it flushes first.
     */
    public Jedis connect(Duration replyTimeout, BiConsumer<RedisSettings, Socket> opened) {
        return authenticated(replyTimeout, config -> connect(config, opened));
    }

    private Jedis connect(DefaultJedisClientConfig config, BiConsumer<RedisSettings, Socket> opened) {
        if (!cluster()) {
            JedisSocketFactory sockets = unixSocket != null ? new UnixSockets(unixSocket, config)
                    : new DefaultJedisSocketFactory(new HostAndPort(host, port), config);
            return connect(sockets, config, socket -> opened.accept(this, socket));
        }
        RuntimeException failure = null;
        for (HostAndPort node : clusterNodes) {
            RedisSettings server = onlyNode(node);
            try {
                return connect(new DefaultJedisSocketFactory(node, config), config,
                        socket -> opened.accept(server, socket));
            } catch (RuntimeException e) {
                if (RedisFailures.isCredentialProblem(e)) {
                    throw e;
                }
                failure = e;
            }
        }
        throw failure;
    }

    /** These settings for one node of the cluster alone, as for a single server. */
    private RedisSettings onlyNode(HostAndPort node) {
        return new RedisSettings(node.getHost(), node.getPort(), null, 0, username, password, tls, connectTimeout,
                socketTimeout, publishTimeout, backoffInitial, backoffMax, List.of());
    }

    private static Jedis connect(JedisSocketFactory sockets, JedisClientConfig config, Consumer<Socket> opened) {
        AtomicBoolean socketMade = new AtomicBoolean();
        return pinged(new Jedis(() -> {
            if (socketMade.getAndSet(true)) {
                throw new JedisConnectionException("the connection was closed");
            }
            Socket socket = sockets.createSocket();
            opened.accept(socket);
            return socket;
        }, config), Jedis::ping);
    }

    /**
     * A new client for keys and scripts, authenticated: a {@link JedisCluster}, which sends each
     * command to the node of its key's slot, or else a client of the one server, on the configured
     * database.
     *
     * @param replyTimeout how long commands wait for a reply
     * @throws JedisException when Redis is unreachable or refuses the credentials
     * @throws RedisAccessException when the TLS files cannot be used
     */
    public UnifiedJedis client(Duration replyTimeout) {
        return authenticated(replyTimeout, config -> client(config, replyTimeout));
    }

    private UnifiedJedis client(DefaultJedisClientConfig config, Duration replyTimeout) {
        if (cluster()) {
            // two attempts within about one reply timeout: a heartbeat never waits on a dead master for long
            return pinged(new JedisCluster(Set.copyOf(clusterNodes), config, 2, replyTimeout.multipliedBy(2)),
                    JedisCluster::ping);
        }
        return pinged(new UnifiedJedis(new PooledConnectionProvider(unixSocket != null
                ? new ConnectionFactory(new UnixSockets(unixSocket, config), config)
                : new ConnectionFactory(new HostAndPort(host, port), config))), UnifiedJedis::ping);
    }

    /**
     * What {@code open} makes with the credentials; when Redis is older than 6, again without the
     * user name, as redis-py retries: such a Redis has no ACL users, and takes AUTH with the password
     * alone (a user name is a wrong number of arguments).
     */
    private <T> T authenticated(Duration replyTimeout, Function<DefaultJedisClientConfig, T> open) {
        try {
            return open.apply(clientConfig(replyTimeout, username));
        } catch (JedisException e) {
            if (username == null || !RedisFailures.wantsPasswordAlone(e)) {
                throw e;
            }
            return open.apply(clientConfig(replyTimeout, null));
        }
    }

    /**
     * The client once it answers a PING: without a password, a server that wants one says so only
     * then. A refusal answers all the same when it comes from a Redis that cannot save, or that is
     * loading its dataset or a replica cut off from its master (each still carries pub/sub, as for
     * Python MSight, which sends no PING; its refusals of keys say why), or from an ACL without
     * PING (Redis took the credentials; Python MSight's users may lack it).
     */
    private static <T extends AutoCloseable> T pinged(T client, Consumer<T> ping) {
        try {
            ping.accept(client);
            return client;
        } catch (RuntimeException e) {
            if (RedisFailures.cannotSave(e) || RedisFailures.lacksItsData(e) || RedisFailures.notPermitted(e)) {
                return client;
            }
            try {
                client.close();
            } catch (Exception ignored) {
                // failed already
            }
            throw e;
        }
    }

    /**
     * Credentials, TLS and timeouts, the same for every kind of connection.
     *
     * @param user the ACL user to authenticate as, or {@code null} for the password alone
     */
    private DefaultJedisClientConfig clientConfig(Duration replyTimeout, String user) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis(connectTimeout))
                .socketTimeoutMillis(millis(replyTimeout))
                .database(db)
                .user(user)
                .password(password)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (tls != null) {
            SSLParameters parameters = new SSLParameters();
            if (tls.verifyHostname()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            try {
                config.ssl(true).sslSocketFactory(PemTls.context(tls.caCertFile(), tls.certFile(), tls.keyFile(),
                        TLS_SETTINGS).getSocketFactory()).sslParameters(parameters);
            } catch (IllegalArgumentException e) {
                throw new RedisAccessException(e.getMessage());
            }
        }
        return config.build();
    }

    @Override
    public String toString() {
        return "RedisSettings[" + address() + ", db " + db + (username == null ? "" : ", user " + username)
                + (password == null ? "" : ", password set") + (tls == null ? "" : ", " + tls) + "]";
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }

    private static String text(Config config, String key) {
        String value = config.getString(key);
        return value.isEmpty() ? null : value;
    }

    private static Path path(Config config, String key) {
        String value = text(config, key);
        return value == null ? null : Path.of(value);
    }
}

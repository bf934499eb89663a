package org.msight.redis;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLParameters;
import org.msight.api.PemTls;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * How to reach Redis: the {@code msight.redis} block, whose defaults are MSight's
 * {@code MSIGHT_REDIS_MESSAGE_BROKER_*} environment variables. {@link #toString()} leaves the
 * password out.
 *
 * @param username ACL user, or {@code null}
 * @param password password, or {@code null}; never logged
 * @param unixSocket a unix socket to connect to instead of host and port, or {@code null}
 * @param tls TLS settings, or {@code null} for a plain connection
 * @param socketTimeout how long a command waits for its reply; the subscribing connection pings
 *     Redis this often and reconnects after two of them without a word
 * @param publishTimeout longest a publish waits before its message counts as lost
 */
public record RedisSettings(String host, int port, Path unixSocket, int db, String username, String password, Tls tls,
        Duration connectTimeout, Duration socketTimeout, Duration publishTimeout, Duration backoffInitial,
        Duration backoffMax) {

    /**
     * TLS settings; files are PEM.
     *
     * @param caCertFile CA of the server's certificate, or {@code null} for the JVM's trust store
     * @param certFile client certificate, or {@code null} for none
     * @param keyFile the client certificate's private key (PKCS#8), or {@code null}
     */
    public record Tls(Path caCertFile, Path certFile, Path keyFile, boolean verifyHostname) {
    }

    private static final Set<String> TRUE = Set.of("true", "yes", "on", "1");

    /** The keys of a {@code msight.redis} block, as the redis bus declares them. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.optional("host", SettingType.STRING, "Redis host (MSIGHT_REDIS_MESSAGE_BROKER_HOST)"),
            Setting.optional("port", SettingType.INT, "Redis port (MSIGHT_REDIS_MESSAGE_BROKER_PORT)").between(1, 65535),
            Setting.optional("unix-socket-path", SettingType.STRING,
                    "a unix socket instead of host and port; empty for none (..._UNIX_SOCKET_PATH)"),
            Setting.optional("db", SettingType.INT, "database number (MSIGHT_REDIS_MESSAGE_BROKER_DB)").atLeast(0),
            Setting.optional("username", SettingType.STRING, "ACL user; empty for none (..._USERNAME)"),
            Setting.optional("password", SettingType.STRING, "password; empty for none (..._PASSWORD)").secret(),
            Setting.block("tls", "TLS (MSIGHT_REDIS_MESSAGE_BROKER_USE_TLS, ..._TLS_*)",
                    Setting.optional("enabled", SettingType.STRING, "connect with TLS: true, 1 or yes"),
                    Setting.optional("ca-cert-file", SettingType.STRING, "PEM CA; empty for the JVM's trust store"),
                    Setting.optional("cert-file", SettingType.STRING, "PEM client certificate; empty for none"),
                    Setting.optional("key-file", SettingType.STRING, "its PKCS#8 PEM key; empty for none"),
                    Setting.optional("verify-hostname", SettingType.BOOLEAN, "check the certificate names the host")),
            Setting.optional("connect-timeout", SettingType.DURATION, "time to establish a connection"),
            Setting.optional("socket-timeout", SettingType.DURATION,
                    "time to wait for a reply; the subscriber pings this often and reconnects after two silent ones"),
            Setting.optional("publish-timeout", SettingType.DURATION,
                    "longest a publish may wait; past it the message counts as lost"),
            Setting.backoff("reconnect-backoff", "wait between reconnection attempts, doubling"));

    /** @throws IllegalArgumentException for a zero or negative timeout or backoff */
    public RedisSettings {
        for (Duration duration : new Duration[] {connectTimeout, socketTimeout, publishTimeout, backoffInitial,
                backoffMax}) {
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("timeouts and backoffs must be positive, got " + duration);
            }
        }
    }

    /** Settings from a {@code msight.redis} block (resolved, with the reference defaults). */
    public static RedisSettings from(Config redis) {
        Tls tls = TRUE.contains(redis.getString("tls.enabled").trim().toLowerCase(Locale.ROOT))
                ? new Tls(path(redis, "tls.ca-cert-file"), path(redis, "tls.cert-file"), path(redis, "tls.key-file"),
                        redis.getBoolean("tls.verify-hostname"))
                : null;
        return new RedisSettings(redis.getString("host"), redis.getInt("port"), path(redis, "unix-socket-path"),
                redis.getInt("db"),
                text(redis, "username"), text(redis, "password"), tls, redis.getDuration("connect-timeout"),
                redis.getDuration("socket-timeout"), redis.getDuration("publish-timeout"),
                redis.getDuration("reconnect-backoff.initial"), redis.getDuration("reconnect-backoff.max"));
    }

    /** {@code host:port}, or the unix socket's path, for messages. */
    public String address() {
        return unixSocket != null ? unixSocket.toString() : host + ":" + port;
    }

    /**
     * A new connection, authenticated and on the configured database.
     *
     * @param replyTimeout how long commands on it wait for a reply
     * @throws JedisException when Redis is unreachable or refuses the credentials
     *     ({@link RedisFailures#describe} says which, in one line)
     * @throws RedisAccessException when the TLS files cannot be used
     */
    public Jedis connect(Duration replyTimeout) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis(connectTimeout))
                .socketTimeoutMillis(millis(replyTimeout))
                .database(db)
                .user(username)
                .password(password)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (tls != null) {
            SSLParameters parameters = new SSLParameters();
            if (tls.verifyHostname()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            try {
                config.ssl(true).sslSocketFactory(PemTls.context(tls.caCertFile(), tls.certFile(), tls.keyFile(),
                        "msight.redis.tls").getSocketFactory()).sslParameters(parameters);
            } catch (IllegalArgumentException e) {
                throw new RedisAccessException(e.getMessage());
            }
        }
        Jedis jedis = unixSocket != null ? new Jedis(new UnixSockets(unixSocket), config.build())
                : new Jedis(new HostAndPort(host, port), config.build());
        try {
            jedis.ping(); // without a password, a server that wants one says so only at the first command
            return jedis;
        } catch (RuntimeException e) {
            jedis.close();
            throw e;
        }
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

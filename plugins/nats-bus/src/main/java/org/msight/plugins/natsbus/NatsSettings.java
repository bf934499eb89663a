package org.msight.plugins.natsbus;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.msight.api.PemTls;
import org.msight.api.Secrets;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.ServerList;
import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.NatsUri;

/**
 * How to reach NATS: the {@code msight.nats} block, whose defaults are MSight's
 * {@code MSIGHT_NATS_*} environment variables. {@link #toString()} leaves the secrets out.
 *
 * @param servers server URLs, such as {@code nats://localhost:4222}
 * @param username user, or {@code null}
 * @param password password, or {@code null}; never logged
 * @param token token, or {@code null}; never logged
 * @param nkeySeed NKey seed, or the path of a file holding it, or {@code null}; never logged
 * @param userJwt a user JWT issued to the NKey of {@code nkeySeed}, which signs for it; or {@code null}
 * @param userCredentials a {@code .creds} file, or {@code null}
 * @param tls whether to connect with TLS
 * @param jetStream whether topics are JetStream streams (at least once) rather than core subjects
 */
record NatsSettings(List<String> servers, String username, String password, String token, String nkeySeed,
        String userJwt, Path userCredentials, boolean tls, Path caCertFile, Path certFile, Path keyFile, Duration connectTimeout,
        Duration reconnectWait, Duration pingInterval, int maxPendingMessages, boolean jetStream, Duration maxAge,
        Duration ackWait) {

    /** A host, with a port or not, that a refused server clearly has after its scheme and user info. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(?::[0-9]+)?/?");

    static final List<Setting> SETTINGS = List.of(
            Setting.optional("servers", SettingType.STRING,
                    "servers, as MSight writes them: \"['nats://host:4222']\" (MSIGHT_NATS_SERVERS)").nonEmpty(),
            Setting.optional("username", SettingType.STRING, "user; empty for none (MSIGHT_NATS_USERNAME)"),
            Setting.optional("password", SettingType.STRING, "password (MSIGHT_NATS_PASSWORD)").secret(),
            Setting.optional("token", SettingType.STRING, "token (MSIGHT_NATS_TOKEN)").secret(),
            Setting.optional("nkey-seed", SettingType.STRING,
                    "NKey seed, or a file holding it (MSIGHT_NATS_NKEY_SEED)").secret(),
            Setting.optional("user-jwt", SettingType.STRING,
                    "user JWT, issued to the NKey of nkey-seed (MSIGHT_NATS_USER_JWT)").secret(),
            Setting.optional("user-credentials", SettingType.STRING,
                    "a .creds file (MSIGHT_NATS_USER_CREDENTIALS)"),
            Setting.block("tls", "TLS (MSIGHT_NATS_USE_TLS, MSIGHT_NATS_TLS_*)",
                    Setting.onOff("enabled", "connect with TLS: true, 1 or yes"),
                    Setting.optional("ca-cert-file", SettingType.STRING, "PEM CA; empty for the JVM's trust store"),
                    Setting.optional("cert-file", SettingType.STRING, "PEM client certificate; empty for none"),
                    Setting.optional("key-file", SettingType.STRING,
                            "its PEM key (PKCS#8, or PKCS#1 RSA); empty: in cert-file")),
            Setting.optional("connect-timeout", SettingType.DURATION,
                    "time to connect; a server unreachable at start is an error")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("reconnect-wait", SettingType.DURATION, "wait between reconnection attempts")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.optional("ping-interval", SettingType.DURATION,
                    "a server that answers no ping for two of these is lost and reconnected to")
                    .between(Duration.ofMillis(100), Duration.ofMinutes(10)),
            Setting.optional("max-pending-messages", SettingType.INT,
                    "messages waiting to be written to the server at most, and with JetStream"
                    + " acknowledgements awaited; beyond, a publish is refused")
                    .between(1, 100_000),
            Setting.block("jetstream", "at least once: a stream per topic, a durable consumer per group",
                    Setting.optional("enabled", SettingType.BOOLEAN, "JetStream instead of core NATS"),
                    Setting.optional("max-age", SettingType.DURATION, "how long a stream keeps messages; 0s: no limit")
                            .between(Duration.ZERO, Duration.ofDays(3650)),
                    Setting.optional("ack-wait", SettingType.DURATION,
                            "redelivery after this without acknowledgement or word of progress")
                            .between(Duration.ofSeconds(1), Duration.ofHours(1))));

    /**
     * Settings from a {@code msight.nats} block.
     *
     * @throws IllegalArgumentException naming the key, for a server list that cannot be read or
     *     credentials that do not go together
     */
    static NatsSettings from(Config nats) {
        List<String> servers;
        try {
            // the client reads a server without a scheme as nats://; with one, user info in it is masked in logs
            servers = ServerList.parse(nats.getString("servers")).stream()
                    .map(server -> server.contains("://") ? server : "nats://" + server).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("servers: " + e.getMessage());
        }
        String userJwt = text(nats, "user-jwt");
        if (userJwt != null && text(nats, "user-credentials") != null) {
            throw new IllegalArgumentException("user-jwt: user-credentials holds a JWT already: set one of the two");
        }
        if (userJwt != null && text(nats, "nkey-seed") == null) {
            throw new IllegalArgumentException("user-jwt: needs nkey-seed (MSIGHT_NATS_NKEY_SEED), the seed of the NKey"
                    + " it was issued to, which signs the server's challenge; or give both in user-credentials");
        }
        if (text(nats, "token") != null && text(nats, "username") != null) { // the client refuses the pair
            throw new IllegalArgumentException("token: set (MSIGHT_NATS_TOKEN) with username (MSIGHT_NATS_USERNAME):"
                    + " the NATS client (jnats) takes one or the other: set one of the two");
        }
        return new NatsSettings(servers, text(nats, "username"), text(nats, "password"), text(nats, "token"),
                text(nats, "nkey-seed"), userJwt, path(nats, "user-credentials"), Setting.isOn(nats.getString("tls.enabled")),
                path(nats, "tls.ca-cert-file"), path(nats, "tls.cert-file"), path(nats, "tls.key-file"),
                nats.getDuration("connect-timeout"), nats.getDuration("reconnect-wait"),
                nats.getDuration("ping-interval"), nats.getInt("max-pending-messages"),
                nats.getBoolean("jetstream.enabled"), nats.getDuration("jetstream.max-age"),
                nats.getDuration("jetstream.ack-wait"));
    }

    /**
     * The client's options: reconnecting forever (also to a server that stopped answering pings),
     * without a reconnect buffer (a publish while the server is away fails at once and counts as
     * lost, as MSight's would), a bounded queue of messages to write that discards, never
     * blocks, when full, and requests' answers (JetStream's acknowledgements) given up by the
     * client only after the publisher gave them up.
     *
     * @throws IllegalArgumentException naming the key, for a server URL the client cannot read or
     *     TLS files it cannot use
     */
    Options.Builder options() {
        Options.Builder options = new Options.Builder();
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            try {
                options.servers(new String[] {servers.get(i)});
                hosts.add(new NatsUri(servers.get(i)).getHost());
            } catch (IllegalArgumentException | URISyntaxException e) {
                throw notAServer(i);
            }
            // the client takes a port past 65535, to fail only as it connects
            if (!Setting.isUrl(servers.get(i), "nats", "tls", "opentls", "ws", "wss")) {
                throw notAServer(i);
            }
        }
        options.connectionTimeout(connectTimeout)
                // a write stalled this long drops the connection; the client wants it past the connect timeout
                .socketWriteTimeout(max(Options.DEFAULT_SOCKET_WRITE_TIMEOUT, connectTimeout.plusMillis(
                        Options.MINIMUM_SOCKET_WRITE_TIMEOUT_GT_CONNECTION_TIMEOUT + 1)))
                .reconnectWait(reconnectWait)
                .pingInterval(pingInterval)
                .maxPingsOut(2)
                .maxReconnects(-1)
                .reconnectBufferSize(0)
                .requestCleanupInterval(JetStreamPublisher.ACK_WAIT.multipliedBy(2)) // its own timeout comes first
                .maxMessagesInOutgoingQueue(maxPendingMessages)
                .discardMessagesWhenOutgoingQueueFull();
        if (username != null) {
            if (password == null) {
                throw new IllegalArgumentException("username: set (MSIGHT_NATS_USERNAME) without a password: set"
                        + " password (MSIGHT_NATS_PASSWORD) too");
            }
            options.userInfo(username, password);
        }
        if (token != null) {
            options.token(token.toCharArray());
        }
        if (userCredentials != null) {
            options.authHandler(PemTls.read("user-credentials", userCredentials, NatsSettings::credentials));
        } else if (nkeySeed != null) {
            options.authHandler(nkeySeedHandler());
        }
        if (tls) {
            options.sslContext(HostCheckedTls.of(PemTls.context(caCertFile, certFile, keyFile, "msight.nats.tls"),
                    hosts));
        } else if (anyServer("tls|wss")) {
            options.sslContext(HostCheckedTls.of(jvmDefaultTls(), hosts)); // the client's own choice, checked
        }
        if (tls || anyServer("tls|wss|opentls|ws")) {
            // TLS to the URL's host, which the certificate must name (and SNI tells), as nats-py, and a WebSocket's
            // Host header with it, for proxies that route by it: the client would connect to an address it resolved
            // the name to, check the certificate against that address, and send it as the Host
            options.noResolveHostnames();
        }
        return options;
    }

    /** Whether a server's URL has one of {@code schemes}, a regex's alternatives. */
    private boolean anyServer(String schemes) {
        return servers.stream().anyMatch(server -> server.toLowerCase(Locale.ROOT).matches("(" + schemes + ")://.*"));
    }

    /**
     * The client's handler of {@code nkey-seed}: the seed itself, or, as Python MSight gives it to
     * nats-py ({@code nkeys_seed}), the path of a file that holds it, read at each connection.
     */
    private AuthHandler nkeySeedHandler() {
        char[] jwt = userJwt == null ? null : userJwt.toCharArray();
        if (isSeed(nkeySeed)) {
            return Nats.staticCredentials(jwt, nkeySeed.toCharArray());
        }
        Path file = Path.of(nkeySeed);
        // no seed has '/' or '.': a value without either that names no file is a mistyped seed, never shown
        if (!nkeySeed.contains("/") && !nkeySeed.contains(".") && !Files.exists(file)) {
            throw new IllegalArgumentException("nkey-seed: not an NKey seed (MSIGHT_NATS_NKEY_SEED: a user's seed,"
                    + " which starts with SU, or the path of a file holding one)");
        }
        return PemTls.read("nkey-seed", file, path -> {
            if (!isSeed(SeedFile.seedIn(path))) {
                throw new IOException("holds no NKey seed (MSIGHT_NATS_NKEY_SEED: the file's text is a user's seed,"
                        + " which starts with SU, as nk -gen user writes it)");
            }
            return new SeedFile(path, jwt);
        });
    }

    private static boolean isSeed(String text) {
        try {
            NKey.fromSeed(text.toCharArray()).clear();
            return true;
        } catch (RuntimeException e) { // not one: the client's message may hold the text, a secret
            return false;
        }
    }

    private static SSLContext jvmDefaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("servers: the JVM has no default TLS for tls:// or wss:// (" + e
                    + ")", e);
        }
    }

    /**
     * The client's handler of a {@code .creds} file, which reads it at each connection: read once
     * here, so a file that holds no user JWT and NKey seed is named at start, not taken for a server
     * that cannot be reached.
     */
    private static AuthHandler credentials(Path file) throws IOException {
        AuthHandler handler = Nats.credentials(file.toString());
        char[] jwt;
        try {
            jwt = handler.getJWT();
            handler.getID(); // the public key of its seed
        } catch (IllegalStateException e) { // the client's, for a file it cannot read or take apart
            jwt = null;
        }
        if (jwt == null || jwt.length == 0) {
            throw new IOException("not a .creds file: it holds a user JWT and an NKey seed, each between the -----BEGIN"
                    + " and ------END lines that nsc writes (MSIGHT_NATS_USER_CREDENTIALS)");
        }
        return handler;
    }

    /**
     * The client's handler of an NKey seed file, which reads it at each connection as nats-py does:
     * its text, stripped, is the seed; a seed replaced in the file is used from the next connection on.
     */
    private static final class SeedFile implements AuthHandler {

        private final Path file;
        private final char[] userJwt;

        SeedFile(Path file, char[] userJwt) {
            this.file = file;
            this.userJwt = userJwt;
        }

        static String seedIn(Path file) throws IOException {
            return Files.readString(file, StandardCharsets.ISO_8859_1).strip();
        }

        @Override
        public byte[] sign(byte[] nonce) {
            return seeded().sign(nonce);
        }

        @Override
        public char[] getID() {
            return seeded().getID();
        }

        @Override
        public char[] getJWT() {
            return userJwt;
        }

        /** The handler of the seed the file holds now. */
        private AuthHandler seeded() {
            try {
                return Nats.staticCredentials(userJwt, seedIn(file).toCharArray());
            } catch (IOException e) { // as the client's own handler of a .creds file fails
                throw new IllegalStateException("nkey-seed: cannot read " + file.toAbsolutePath() + " ("
                        + e.getClass().getSimpleName() + ")", e);
            }
        }
    }

    /**
     * The server at {@code index} refused, named by its place in the list and its host when it
     * clearly has one, never shown: a list unquoted is split at a comma a password may hold
     * ({@code nats://bob:x,y@h:4222} gives {@code nats://bob:x}).
     */
    private IllegalArgumentException notAServer(int index) {
        String server = servers.get(index);
        Matcher host = HOST.matcher(server.substring(Math.max(server.indexOf("://") + 3, server.lastIndexOf('@') + 1)));
        boolean named = host.matches();
        String which = "servers: server " + (index + 1) + " of " + servers.size()
                + (named ? " (" + host.group(1) + ")" : "");
        if (named && host.group(1).contains("_")) { // Docker Compose's service names
            return new IllegalArgumentException(which + ": the NATS client (jnats) takes no host name"
                    + " with '_'; give the server a name without it (a network alias), or its address");
        }
        return new IllegalArgumentException(which + " is not a"
                + " server URL such as nats://host:4222: check its scheme (nats, tls, ws or wss), host and port");
    }

    /** The servers, for messages, with any user-info in their URLs masked. */
    String address() {
        return servers.stream().map(Secrets::redactUrl).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "NatsSettings[" + address() + (username == null ? "" : ", user " + username)
                + (password == null ? "" : ", password set") + (token == null ? "" : ", token set")
                + (nkeySeed == null ? "" : ", nkey set") + (userJwt == null ? "" : ", jwt set") + (tls ? ", tls" : "")
                + (jetStream ? ", jetstream" : "") + "]";
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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

package org.msight.plugins.redisbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisClusterTestServer;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestCertificates;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisTlsTest {

    private static final List<String> KEYS = RedisClusterTestServer.KEYS_ON_EVERY_MASTER;

    @TempDir
    Path dir;
    private RedisTestServer server;
    private final LogCapture log = LogCapture.of(RedisBus.class);

    @AfterEach
    void stop() {
        BusTests.closeAll(log);
        if (server != null) {
            server.stop();
        }
    }

    /** Settings for a cluster whose nodes are given as {@code host} and their ports. */
    private static RedisSettings cluster(RedisClusterTestServer cluster, String host, RedisSettings.Tls tls) {
        return new RedisSettings("127.0.0.1", 6379, null, 0, null, null, tls, RedisTests.UNREACHED,
                RedisTests.UNREACHED, RedisTests.UNREACHED, Duration.ofMillis(50), Duration.ofMillis(300),
                cluster.ports().stream().map(port -> new HostAndPort(host, port)).toList());
    }

    private RedisSettings settings(RedisSettings.Tls tls) {
        return new RedisSettings("127.0.0.1", server.port(), null, 0, null, null, tls, RedisTests.UNREACHED,
                RedisTests.UNREACHED, RedisTests.UNREACHED, Duration.ofMillis(50), Duration.ofMillis(300), List.of());
    }

    /** Starts a server that requires client certificates; returns settings with the CA and one. */
    private RedisSettings serverWithClientCertificates(TestCertificates certificates) {
        server = RedisTestServer.withTls(certificates.serverCert, certificates.serverKey, certificates.ca).start();
        return settings(new RedisSettings.Tls(certificates.ca, certificates.clientCert, certificates.clientKey, true));
    }

    @Test
    void connectsWithTheCaAndAClientCertificateFromPemFiles() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        RedisSettings tls = serverWithClientCertificates(certificates);
        try (Jedis jedis = tls.connect(tls.socketTimeout())) {
            jedis.set("greeting", "over tls");
            assertThat(jedis.get("greeting")).isEqualTo("over tls");
        }

        RedisSettings untrusted = settings(new RedisSettings.Tls(null, certificates.clientCert, certificates.clientKey,
                true));
        assertThatThrownBy(() -> untrusted.connect(untrusted.socketTimeout()))
                .satisfies(e -> assertThat(RedisFailures.describe(untrusted, e))
                        .isEqualTo("Redis at 127.0.0.1:" + server.port() + ": TLS: the server's certificate is not"
                                + " signed by a CA this client trusts: trust that CA (ca-cert-file or ca-file in the"
                                + " TLS settings, else the JVM's trust store)"));
    }

    /**
     * TLS on, at a server that takes the connection and never answers (frozen; a Redis without TLS
     * waiting for a command's line end does the same): the handshake times out, and the bus says
     * the server took the connection but did not answer the handshake. It said "a port without TLS
     * does not answer a TLS handshake", as if the server surely did not speak TLS.
     */
    @Test
    void aServerThatTakesTheConnectionButNeverAnswersTheHandshakeIsSaidSo() throws Exception {
        try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RedisBus bus = startBusOverTls(frozen.getLocalPort())) {
            assertThat(log.await("the outage", line -> line.endsWith("; retrying"))).isEqualTo("Redis at 127.0.0.1:"
                    + frozen.getLocalPort() + " accepted the connection but did not answer the TLS handshake in time"
                    + " (Read timed out): check that it is up, not frozen, and that it serves TLS on that port (a Redis"
                    + " without TLS waits for a command instead; msight.redis.tls.enabled); retrying");
        }
    }

    /** TLS on, at a server that answers the handshake in plain text (a Redis without TLS's error): said as before. */
    @Test
    void aServerThatAnswersTheHandshakeInPlainTextIsSaidToNotSpeakTls() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            BusTests.acceptEach(plain, client -> {
                accepted.add(client);
                client.getInputStream().read(new byte[1024]);
                client.getOutputStream().write("-ERR unknown command\r\n".getBytes(StandardCharsets.US_ASCII));
            });
            try (RedisBus bus = startBusOverTls(plain.getLocalPort())) {
                assertThat(log.await("the outage", line -> line.endsWith("; retrying"))).isEqualTo("Redis at 127.0.0.1:"
                        + plain.getLocalPort() + ": TLS: the server does not speak TLS on this port: turn TLS off for"
                        + " it (http://, tls.enabled = false), or use its TLS port; retrying");
            }
        } finally {
            BusTests.closeAll(accepted.toArray(Socket[]::new));
        }
    }

    /** A bus started with TLS on, to {@code port} on this machine, with short timeouts. */
    private RedisBus startBusOverTls(int port) throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        RedisBus bus = new RedisBus(new RedisSettings("127.0.0.1", port, null, 0, null, null,
                new RedisSettings.Tls(certificates.ca, null, null, true), Duration.ofSeconds(2), Duration.ofMillis(300),
                Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(300), List.of()),
                TestBusContext.of("redis", ""));
        bus.start();
        return bus;
    }

    /**
     * TLS on, at a Redis with TLS that answers the handshake but no command in time (all its
     * clients paused, as a Redis stalled by a long command or a save is): the read that times out
     * is no TLS matter, and is said as Redis that does not answer.
     */
    @Test
    void aTlsRedisThatAnswersNoCommandInTimeIsSaidAsUnreachable() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        server = RedisTestServer.withTls(certificates.serverCert, certificates.serverKey, certificates.ca).start();
        RedisSettings tls = new RedisSettings("127.0.0.1", server.port(), null, 0, null, null,
                new RedisSettings.Tls(certificates.ca, certificates.clientCert, certificates.clientKey, true),
                Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(50),
                Duration.ofMillis(300), List.of());
        try (Jedis admin = settings(tls.tls()).connect(Duration.ofSeconds(2))) {
            admin.clientPause(60_000); // longer than the connection below takes; the server is stopped after
        }
        assertThatThrownBy(() -> tls.connect(tls.socketTimeout()))
                .satisfies(e -> assertThat(RedisFailures.describe(tls, e))
                        .isEqualTo("Redis unreachable at 127.0.0.1:" + server.port() + " (Read timed out)"));
    }

    @Test
    void aClusterOverTlsWithHostnameVerificationReachesEveryNode() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        TestCertificates.Signed server = new TestCertificates.Signed(certificates.serverCert, certificates.serverKey);
        try (RedisClusterTestServer cluster = RedisClusterTestServer.withTls(certificates, server).start()) {
            writesAndReadsOnEveryNode(cluster(cluster, "127.0.0.1", new RedisSettings.Tls(certificates.ca,
                    certificates.clientCert, certificates.clientKey, true)));
        }
    }

    private static void writesAndReadsOnEveryNode(RedisSettings settings) {
        assertThat(KEYS.stream().map(key -> JedisClusterCRC16.getSlot(key) * 3 / 16384).distinct())
                .as("a key on every master").hasSize(3);
        try (UnifiedJedis client = settings.client(settings.socketTimeout())) {
            KEYS.forEach(key -> client.set(key, "over tls"));
            assertThat(KEYS).allMatch(key -> "over tls".equals(client.get(key)));
        }
    }

    /**
     * A client reaches each node of a cluster at the address the cluster gives for it (here
     * 127.0.0.1), not at the configured seed: a certificate naming only the seed's host fails the
     * check, with a message that says so and what to change.
     */
    @Test
    void aClusterWhoseCertificateNamesOnlyTheSeedsHostIsRefusedSayingWhy() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        TestCertificates.Signed server = certificates.sign("dns-only", "DNS:localhost");
        try (RedisClusterTestServer cluster = RedisClusterTestServer.withTls(certificates, server).start()) {
            RedisSettings verified = cluster(cluster, "localhost", new RedisSettings.Tls(certificates.ca,
                    certificates.clientCert, certificates.clientKey, true));
            assertThatThrownBy(() -> verified.client(verified.socketTimeout()).close())
                    .satisfies(e -> assertThat(RedisFailures.describe(verified, e))
                            .matches("Redis at 127\\.0\\.0\\.1:\\d+, a node of the cluster localhost:.*: TLS: .*")
                            .contains("the server's certificate does not name 127.0.0.1, the host connected to")
                            .contains("every node's certificate must name the node as CLUSTER SLOTS gives it")
                            .endsWith("or set msight.redis.tls.verify-hostname = false"));

            writesAndReadsOnEveryNode(cluster(cluster, "localhost", new RedisSettings.Tls(certificates.ca,
                    certificates.clientCert, certificates.clientKey, false)));
        }
    }

    @Test
    void aPkcs1RsaKeyWorksAsItDoesForTheUploaderOneReaderForEveryPlugin() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        TestCertificates.Signed rsa = certificates.signWithPkcs1RsaKey("rsa-client", "DNS:localhost");
        assertThat(java.nio.file.Files.readString(rsa.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        server = RedisTestServer.withTls(certificates.serverCert, certificates.serverKey, certificates.ca).start();
        RedisSettings tls = settings(new RedisSettings.Tls(certificates.ca, rsa.cert(), rsa.key(), true));
        try (Jedis jedis = tls.connect(tls.socketTimeout())) {
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void anEncryptedKeyFailsTheStartNamingTheFileAndHowToConvertIt() throws Exception {
        Path encrypted = java.nio.file.Files.writeString(dir.resolve("encrypted.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        TestCertificates certificates = new TestCertificates(dir);
        server = RedisTestServer.withTls(certificates.serverCert, certificates.serverKey, certificates.ca).start();
        RedisBus bus = new RedisBus(settings(new RedisSettings.Tls(certificates.ca, certificates.clientCert, encrypted,
                true)), TestBusContext.of("redis", ""));
        try (bus) {
            assertThatThrownBy(bus::start).isInstanceOf(RedisAccessException.class)
                    .hasMessageContaining("msight.redis.tls.key-file: " + encrypted + ": the key is encrypted")
                    .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        }
    }

    /**
     * The publisher looks at a connection idle for a second before using it (a TLS socket whose
     * read timed out must stay usable), and replaces one Redis closed without losing the publish.
     */
    @Test
    void anIdleTlsPublishingConnectionIsKeptWhileOpenAndReplacedOnceRedisClosedIt() throws Exception {
        RedisSettings tls = serverWithClientCertificates(new TestCertificates(dir));
        RedisBus bus = new RedisBus(tls, TestBusContext.of("redis", ""));
        try (bus; Jedis raw = tls.connect(tls.socketTimeout())) {
            bus.start();
            assertThat(bus.publish(BusTests.TOPIC, BusTests.image(1))).isTrue();
            String connection = publishingConnection(raw);
            awaitIdleForOverASecond(raw); // looked at before the next publish
            assertThat(bus.publish(BusTests.TOPIC, BusTests.image(2))).isTrue();
            assertThat(publishingConnection(raw)).as("the same connection").isEqualTo(connection);
            awaitIdleForOverASecond(raw);
            raw.clientKill(redis.clients.jedis.params.ClientKillParams.clientKillParams()
                    .id(connection.substring("id=".length())));
            assertThat(bus.publish(BusTests.TOPIC, BusTests.image(3))).as("after Redis closed it").isTrue();
            assertThat(publishingConnection(raw)).as("a new connection").isNotEqualTo(connection);
        }
        assertThat(log.messages()).noneMatch(line -> line.contains("retrying"));
    }

    /**
     * Waits until Redis says the publishing connection has been idle two seconds: its clock counts
     * whole seconds, so "1" may come well under a second after the publish, and "2" more than a
     * second after. Redis notes a command after the publisher does, so the publisher has been idle
     * at least as long, past its own one second.
     */
    private static void awaitIdleForOverASecond(Jedis raw) {
        org.msight.redis.RedisTests.await("the publishing connection to be idle over a second", () -> raw.clientList()
                .lines().filter(line -> line.contains("cmd=publish"))
                .anyMatch(line -> !line.matches(".* idle=[01] .*")));
    }

    /** The {@code id=} of the connection whose last command was a publish, from Redis's client list. */
    private static String publishingConnection(Jedis raw) {
        return raw.clientList().lines().filter(line -> line.contains("cmd=publish")).map(line -> line.split(" ")[0])
                .findFirst().orElseThrow();
    }
}

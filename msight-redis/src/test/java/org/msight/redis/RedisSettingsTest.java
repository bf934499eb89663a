package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.TestCertificates;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

class RedisSettingsTest {

    /** The runtime's reference block under {@code hocon}. */
    static Config block(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                .getConfig("msight.redis")).resolve();
    }

    /**
     * A command sent after its socket was closed fails: Jedis would otherwise open a socket of its
     * own, which a publisher cutting off a frozen Redis does not know of and cannot close.
     */
    @Test
    void aConnectionWhoseSocketWasClosedFailsInsteadOfOpeningAnother() throws Exception {
        List<Socket> opened = new CopyOnWriteArrayList<>();
        try (RedisTestServer server = new RedisTestServer().start()) {
            RedisSettings settings = RedisTests.settings(server.port(), null);
            try (Jedis connection = settings.connect(settings.socketTimeout(),
                    (reached, socket) -> opened.add(socket))) {
                assertThat(connection.ping()).isEqualTo("PONG");
                opened.get(0).close();
                assertThatThrownBy(connection::ping).isInstanceOf(JedisConnectionException.class)
                        .satisfies(e -> assertThat(RedisFailures.describe(settings, e)).isEqualTo(
                                "Redis unreachable at 127.0.0.1:" + server.port() + " (the connection was closed)"));
                assertThat(opened).as("sockets opened").hasSize(1);
            }
        }
    }

    /**
     * A replica cut off from its master with replica-serve-stale-data no refuses PING, as a Redis
     * loading its dataset does, and carries pub/sub: both kinds of connection are made, and the
     * registry's client is refused its keys in Redis's words, as Python MSight's is.
     */
    @Test
    void aRedisWithoutItsDataGivesConnectionsThatCarryPubSubAndAreRefusedKeys() throws Exception {
        try (ServerSocket silentMaster = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RedisTestServer server = new RedisTestServer(List.of("--replicaof", "127.0.0.1",
                        String.valueOf(silentMaster.getLocalPort()), "--replica-serve-stale-data", "no")).start()) {
            RedisSettings settings = RedisTests.settings(server.port(), null);
            try (Jedis connection = settings.connect(settings.socketTimeout());
                    UnifiedJedis client = settings.client(settings.socketTimeout())) {
                assertThatThrownBy(connection::ping).hasMessageStartingWith("MASTERDOWN");
                assertThat(connection.publish("topic", "message")).as("subscribers reached").isZero();
                assertThatThrownBy(() -> client.hget("MSIGHT:NODES", "camera")).satisfies(refused -> assertThat(
                        RedisFailures.describe(settings, refused)).isEqualTo("Redis at 127.0.0.1:" + server.port()
                        + " refused the command: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is"
                        + " set to 'no'."));
            }
        }
    }

    /**
     * A Redis older than 6 has no ACL users: it takes AUTH with the password alone, and refuses
     * one with a user name (MSIGHT_REDIS_MESSAGE_BROKER_USERNAME set) for its number of arguments.
     * redis-py then authenticates again with the password alone, and so do both kinds of connection.
     */
    @Test
    void aRedisOlderThan6IsGivenThePasswordAloneAsRedisPyDoes() throws Exception {
        List<List<String>> auths = new CopyOnWriteArrayList<>();
        try (ServerSocket redis5 = new ServerSocket(FreePorts.next(), 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket client = redis5.accept();
                        Thread connection = new Thread(() -> answerAsRedis5(client, auths), "redis-5-connection");
                        connection.setDaemon(true);
                        connection.start();
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "redis-5");
            acceptor.setDaemon(true);
            acceptor.start();
            RedisSettings base = RedisTests.settings(redis5.getLocalPort(), "s3cret-pw");
            RedisSettings settings = new RedisSettings(base.host(), base.port(), null, 0, "camera", base.password(),
                    null, base.connectTimeout(), base.socketTimeout(), base.publishTimeout(), base.backoffInitial(),
                    base.backoffMax(), List.of());

            List<String> withUser = List.of("camera", "s3cret-pw");
            List<String> passwordAlone = List.of("s3cret-pw");
            try (Jedis connection = settings.connect(settings.socketTimeout())) {
                assertThat(connection.ping()).isEqualTo("PONG");
            }
            assertThat(auths).as("connect's").startsWith(withUser).endsWith(passwordAlone);
            auths.clear();
            try (UnifiedJedis client = settings.client(settings.socketTimeout())) {
                assertThat(client.ping()).isEqualTo("PONG");
            }
            assertThat(auths).as("client's").startsWith(withUser).endsWith(passwordAlone);
        }
    }

    /**
     * Answers one connection as Redis 5 does: AUTH with the password alone, an error for AUTH with a
     * user name; PONG to PING, OK to anything else. Notes the arguments of each AUTH.
     */
    private static void answerAsRedis5(Socket client, List<List<String>> auths) {
        try (client) {
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = client.getOutputStream();
            for (String array = in.readLine(); array != null; array = in.readLine()) {
                List<String> command = new ArrayList<>();
                for (int n = Integer.parseInt(array.substring(1)); n > 0; n--) {
                    in.readLine(); // the bulk string's length
                    command.add(in.readLine());
                }
                String name = command.get(0).toUpperCase(Locale.ROOT);
                if (name.equals("AUTH")) {
                    auths.add(command.subList(1, command.size()));
                }
                String reply = name.equals("AUTH") && command.size() != 2
                        ? "-ERR wrong number of arguments for 'auth' command"
                        : name.equals("PING") ? "+PONG" : "+OK";
                out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the client went
        }
    }

    /**
     * A user with the rights MSight uses (pub/sub; hashes and EVAL for the registry; INFO), not
     * PING, which Python MSight never sends: the PING that checks a new connection is refused
     * (NOPERM) once Redis took the credentials, and the connection is good.
     */
    @Test
    void aUserWithoutTheRightToPingConnects() {
        try (RedisTestServer server = new RedisTestServer().start()) {
            RedisSettings admin = RedisTests.settings(server.port(), null);
            try (Jedis raw = admin.connect(admin.socketTimeout())) {
                raw.aclSetUser("camera", "on", ">s3cret-pw", "~MSIGHT*", "&*", "+@pubsub", "+@hash", "+eval", "+info");
            }
            RedisSettings camera = new RedisSettings(admin.host(), admin.port(), null, 0, "camera", "s3cret-pw", null,
                    admin.connectTimeout(), admin.socketTimeout(), admin.publishTimeout(), admin.backoffInitial(),
                    admin.backoffMax(), List.of());

            try (Jedis connection = camera.connect(camera.socketTimeout())) {
                assertThatThrownBy(connection::ping).hasMessageStartingWith("NOPERM");
                assertThat(connection.publish("rtsp_topic", "frame")).isZero();
            }
            try (UnifiedJedis registry = camera.client(camera.socketTimeout())) {
                assertThat(registry.eval("return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])",
                        List.of("MSIGHT:NODES"), List.of("rtsp_node", "{}"))).isEqualTo(1L);
            }
        }
    }

    @Test
    void referenceDefaultsAreMsights() {
        RedisSettings settings = RedisSettings.from(block("host = localhost, port = 6379, password = \"\""
                + ", username = \"\", db = 0, tls.enabled = false"));
        assertThat(settings.address()).isEqualTo("localhost:6379");
        assertThat(settings.db()).isZero();
        assertThat(settings.password()).isNull();
        assertThat(settings.username()).isNull();
        assertThat(settings.tls()).isNull();
        assertThat(settings.publishTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.backoffMax()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void tlsAndCredentialsAreReadAndThePasswordStaysOutOfToString(@TempDir Path dir) throws Exception {
        Path ca = new TestCertificates(dir).ca;
        RedisSettings settings = RedisSettings.from(block("host = redis.lab, port = \"6380\", db = \"2\""
                + ", username = edge, password = hunter2, tls { enabled = \"True\", ca-cert-file = \"" + ca + "\" }"));
        assertThat(settings.port()).isEqualTo(6380);
        assertThat(settings.db()).isEqualTo(2);
        assertThat(settings.password()).isEqualTo("hunter2");
        assertThat(settings.tls()).isEqualTo(new RedisSettings.Tls(ca, null, null, true));
        assertThat(settings.toString()).contains("redis.lab:6380", "user edge", "password set")
                .doesNotContain("hunter2");
    }

    /** Read with the settings, so that --check finds it at its line, not the first connection. */
    @Test
    void aTlsFileThatCannotBeUsedIsAProblemOfItsKey(@TempDir Path dir) {
        Path missing = dir.resolve("ca.pm");
        assertThatThrownBy(() -> RedisSettings.from(block("tls { enabled = yes, ca-cert-file = \"" + missing + "\" }")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("msight.redis.tls.ca-cert-file: " + missing + ": no such file");
    }

    @Test
    void clusterNodesAreReadAsMsightWritesThemAndTakeThePlaceOfHostAndPort() {
        RedisSettings settings = RedisSettings.from(block("cluster { enabled = \"yes\", nodes = \"['127.0.0.1:7000',"
                + " 'redis-b:7001']\" }"));
        assertThat(settings.clusterNodes()).containsExactly(new HostAndPort("127.0.0.1", 7000),
                new HostAndPort("redis-b", 7001));
        assertThat(settings.address()).isEqualTo("cluster 127.0.0.1:7000,redis-b:7001");
        assertThat(RedisSettings.from(block("cluster { enabled = \"1\", nodes = \"h1:1,h2:2\" }")).clusterNodes())
                .containsExactly(new HostAndPort("h1", 1), new HostAndPort("h2", 2));
        assertThat(RedisSettings.from(block("cluster.nodes = \"h1:1\"")).cluster()).as("not enabled").isFalse();
        assertThatThrownBy(() -> RedisSettings.clusterNodes("['h1']")).hasMessage("cluster node 'h1' is not host:port");
    }

    /** MSight's get_redis_client(): "Use single host:port as cluster entry point". */
    @Test
    void aClusterWithoutNodesIsReachedAtHostAndPortAsMsightReachesIt() {
        assertThat(RedisSettings.from(block("host = redis-a, port = 7005, cluster.enabled = \"TRUE\"")).clusterNodes())
                .containsExactly(new HostAndPort("redis-a", 7005));
    }

    /** As MSight reads them: true, 1 or yes in any case is on (the settings check refuses words unclear for off). */
    @Test
    void aSwitchIsOnAsMsightReadsIt() {
        assertThat(RedisSettings.from(block("cluster { enabled = \"Yes\", nodes = \"h1:1\" }")).cluster()).isTrue();
        assertThat(RedisSettings.from(block("cluster { enabled = 1, nodes = \"h1:1\" }")).cluster()).isTrue();
        assertThat(RedisSettings.from(block("cluster { enabled = \"no\", nodes = \"h1:1\" }")).cluster()).isFalse();
        assertThat(RedisSettings.from(block("cluster { enabled = \"n\", nodes = \"h1:1\" }")).cluster()).isFalse();
    }

    @Test
    void aClusterHasNeitherAUnixSocketNorADatabaseOtherThanZero() {
        String cluster = "cluster { enabled = true, nodes = \"h1:7000\" }, ";
        assertThatThrownBy(() -> RedisSettings.from(block(cluster + "db = 2"))).isInstanceOf(
                IllegalArgumentException.class).hasMessage("db: a Redis Cluster has only database 0, not 2");
        assertThatThrownBy(() -> RedisSettings.from(block(cluster + "unix-socket-path = /run/redis.sock")))
                .hasMessage("cluster.enabled: a cluster is reached at its nodes, not over unix-socket-path"
                        + " /run/redis.sock: clear one of them");
    }
}

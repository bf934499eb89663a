package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.TestCertificates;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
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
            try (Jedis connection = settings.connect(settings.socketTimeout(), opened::add)) {
                assertThat(connection.ping()).isEqualTo("PONG");
                opened.get(0).close();
                assertThatThrownBy(connection::ping).isInstanceOf(JedisConnectionException.class)
                        .satisfies(e -> assertThat(RedisFailures.describe(settings, e)).isEqualTo(
                                "Redis unreachable at 127.0.0.1:" + server.port() + " (the connection was closed)"));
                assertThat(opened).as("sockets opened").hasSize(1);
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

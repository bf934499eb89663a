package org.msight.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Waits;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

class UnixSocketsTest {

    /** Commands to a frozen Redis fail after the socket timeout (1 s here) instead of waiting for good. */
    @Test
    void aFrozenRedisFailsCommandsOverAUnixSocketAsOverTcp(@TempDir Path dir) {
        Path socket = dir.resolve("redis.sock");
        RedisSettings settings = RedisTests.withTimeouts(RedisTests.unixSettings(socket), Duration.ofSeconds(1),
                Duration.ofMillis(300));
        try (RedisTestServer server = new RedisTestServer(List.of("--unixsocket", socket.toString(),
                "--unixsocketperm", "700")).start();
                Jedis connection = settings.connect(settings.socketTimeout());
                UnifiedJedis registryClient = settings.client(settings.socketTimeout())) {
            connection.set("greeting", "over a unix socket");
            server.freeze();
            try {
                assertTimeoutPreemptively(Waits.GENEROUS, () -> {
                    assertThatThrownBy(connection::ping).isInstanceOf(JedisConnectionException.class)
                            .hasRootCauseInstanceOf(SocketTimeoutException.class);
                    assertThatThrownBy(registryClient::ping).isInstanceOf(JedisConnectionException.class)
                            .hasRootCauseInstanceOf(SocketTimeoutException.class);
                    assertThatThrownBy(() -> settings.connect(settings.socketTimeout()))
                            .satisfies(e -> assertThat(RedisFailures.describe(settings, e))
                                    .isEqualTo("Redis unreachable at " + socket + " (Read timed out)"));
                });
            } finally {
                server.thaw();
            }
            try (Jedis again = settings.connect(settings.socketTimeout())) {
                assertThat(again.get("greeting")).isEqualTo("over a unix socket");
            }
        }
    }

    /**
     * A unix connection's local address is its channel's: {@code Socket}'s own (which the subscriber
     * asks for its hint) opened a TCP socket, left open until collected, at every connection.
     */
    @Test
    void aConnectionsLocalAddressIsItsChannelsNotATcpSocketsOfItsOwn(@TempDir Path dir) {
        Path socket = dir.resolve("redis.sock");
        RedisSettings settings = RedisTests.unixSettings(socket);
        AtomicReference<Socket> opened = new AtomicReference<>();
        try (RedisTestServer server = new RedisTestServer(List.of("--unixsocket", socket.toString(),
                "--unixsocketperm", "700")).start();
                Jedis connection = settings.connect(settings.socketTimeout(), (reached, unix) -> opened.set(unix))) {
            assertThat(opened.get().getLocalSocketAddress()).isInstanceOf(UnixDomainSocketAddress.class);
        }
    }
}

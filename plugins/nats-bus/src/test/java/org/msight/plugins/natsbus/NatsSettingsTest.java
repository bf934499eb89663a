package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.testkit.TestBusContext;

/** Settings the NATS client (jnats) refuses: a problem of the settings, not a stack trace. */
class NatsSettingsTest {

    /** jnats refused the pair with an IllegalStateException as the bus was made. */
    @Test
    void aTokenWithAUsernameIsRefusedNamingBoth() {
        TestBusContext both = TestBusContext.of("nats", "username = alice, password = s3cret, token = s3cret-token");
        assertThatThrownBy(() -> NatsSettings.from(both.config())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token: set (MSIGHT_NATS_TOKEN) with username (MSIGHT_NATS_USERNAME): the NATS client"
                        + " (jnats) takes one or the other: set one of the two");
    }

    /** Options the client refuses to build (an IllegalStateException) are refused with its message. */
    @Test
    void optionsTheClientRefusesToBuildAreAProblemOfTheSettings() {
        TestBusContext context = TestBusContext.of("nats", "");
        NatsSettings valid = NatsSettings.from(context.config());
        NatsSettings both = new NatsSettings(valid.servers(), "alice", "s3cret", "s3cret-token", null, null, null,
                false, null, null, null, valid.connectTimeout(), valid.reconnectWait(), valid.pingInterval(),
                valid.maxPendingMessages(), false, valid.maxAge(), valid.ackWait());
        assertThatThrownBy(() -> new NatsBus(both, context)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Options can't have token and username");
    }

    /**
     * The TLS the client makes, with the JVM's trust store for a tls:// or wss:// server without
     * msight.nats.tls, and with its files, checks that the server's certificate names the host
     * connected to, as Python's ssl does: the client's sockets checked no name.
     */
    @ParameterizedTest
    @ValueSource(strings = {"servers = \"['tls://h:4443']\"", "servers = \"['nats://h:4222', 'wss://h:443']\"",
        "tls.enabled = true"})
    void tlsSocketsAndEnginesCheckTheServersHostName(String settings) throws Exception {
        SSLContext tls = NatsSettings.from(TestBusContext.of("nats", settings).config()).options().build()
                .getSslContext();
        // over a connected socket, with the URL's host: as the client makes them
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket connected = new Socket(listening.getInetAddress(), listening.getLocalPort());
                SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(connected, "h", 4443, true)) {
            assertThat(socket.getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        }
        assertThat(tls.createSSLEngine("h", 4443).getSSLParameters().getEndpointIdentificationAlgorithm())
                .isEqualTo("HTTPS");
    }

    /**
     * With TLS the client connects by the URL's host name, which the server's certificate must name:
     * it put an address it resolved the name to in its place, which a certificate for the name does
     * not name (NatsTlsTest connects so). A ws:// server is so asked for by that name (its Host
     * header), which proxies route by: it was the address. Else it still tries each address of the name.
     */
    @ParameterizedTest
    @ValueSource(strings = {"servers = \"['tls://h:4443']\"", "servers = \"['nats://h:4222', 'wss://h:443']\"",
        "servers = \"['opentls://h:4443']\"", "tls.enabled = true", "servers = \"['nats://h:4222', 'ws://h:80']\""})
    void withTlsOrWebSocketsTheClientConnectsByTheUrlsHostName(String settings) {
        assertThat(NatsSettings.from(TestBusContext.of("nats", settings).config()).options().build()
                .isNoResolveHostnames()).isTrue();
        String plain = "servers = \"['nats://h:4222', 'nats://h2:4222']\"";
        assertThat(NatsSettings.from(TestBusContext.of("nats", plain).config()).options().build()
                .isNoResolveHostnames()).isFalse();
    }

    /**
     * A server the cluster announces by its address alone is checked, and told by SNI, by the first
     * configured server's host name, as nats-py checks it by its announcer's: its certificate names
     * that name, not the address. An address configured itself, or with no name configured, is kept.
     */
    @ParameterizedTest
    @CsvSource({"'tls://10.0.0.9:4443', 10.0.0.5, ''", "'tls://10.0.0.5:4443', 10.0.0.5, ''",
        "'tls://10.0.0.5:4443'; 'tls://nats.example:4443', 10.0.0.9, nats.example",
        "'tls://nats.example:4443', other.example, other.example", "'tls://nats.example:4443', 10.0.0.5, nats.example",
        "'tls://nats.example:4443', '[::1]', nats.example",
        "'tls://10.0.0.5:4443'; 'tls://nats.example:4443', 10.0.0.5, ''"})
    void anAnnouncedAddressIsCheckedByTheFirstConfiguredName(String servers, String host, String sni)
            throws Exception {
        SSLContext tls = NatsSettings.from(TestBusContext.of("nats", "servers = \"[" + servers.replace(';', ',')
                + "]\"").config()).options().build().getSslContext();
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket connected = new Socket(listening.getInetAddress(), listening.getLocalPort());
                SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(connected, host, 4443, true)) {
            assertThat(socket.getSSLParameters().getServerNames()).isEqualTo(sni.isEmpty() ? null
                    : List.of(new SNIHostName(sni)));
            assertThat(socket.getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        }
    }

    /** Each server masked on its own: a password holding ", " showed its start in the servers joined. */
    @Test
    void theServersShownHaveEachItsUserInfoMasked() {
        TestBusContext context = TestBusContext.of("nats", "servers = \"['nats://bob:x, y@h1:4222', 'nats://h2:4222']\"");
        assertThat(NatsSettings.from(context.config()).address()).isEqualTo("nats://***@h1:4222, nats://h2:4222");
    }
}

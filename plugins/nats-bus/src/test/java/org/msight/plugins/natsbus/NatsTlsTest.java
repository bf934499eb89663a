package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.FreePorts;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestCertificates;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** The nats bus over TLS (MSIGHT_NATS_USE_TLS, MSIGHT_NATS_TLS_*) against real nats-server processes. */
class NatsTlsTest {

    private static final String PASSWORD = "s3cret-nats-pw";

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = new TestCertificates(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A server that requires TLS with the test's certificate and, with {@code verify}, a client certificate. */
    private NatsTestServer server(boolean verify) {
        return server(new TestCertificates.Signed(certificates.serverCert, certificates.serverKey), verify);
    }

    private NatsTestServer server(TestCertificates.Signed certificate, boolean verify) {
        return server(certificate, verify, "");
    }

    /** As {@link #server(TestCertificates.Signed, boolean)}, with more lines of configuration. */
    private NatsTestServer server(TestCertificates.Signed certificate, boolean verify, String more) {
        NatsTestServer server = new NatsTestServer(false, "tls { cert_file: \"" + certificate.cert()
                + "\", key_file: \"" + certificate.key() + "\", ca_file: \"" + certificates.ca + "\", verify: "
                + verify + " }", "authorization { user: msight, password: " + PASSWORD + " }", more);
        closeables.add(server);
        return server.start();
    }

    /**
     * Two servers routed into one cluster, with {@code first}'s and {@code second}'s certificates,
     * each announcing the other to its clients by its address (tls://127.0.0.1:port), as nats-server
     * does by default.
     */
    private List<NatsTestServer> cluster(TestCertificates.Signed first, TestCertificates.Signed second) {
        int firstRoutes = FreePorts.next();
        int secondRoutes = FreePorts.next();
        return List.of(server(first, false, clusterConfig(firstRoutes, secondRoutes)),
                server(second, false, clusterConfig(secondRoutes, firstRoutes)));
    }

    private static String clusterConfig(int routesPort, int otherRoutesPort) {
        return "cluster { name: msight, listen: \"127.0.0.1:" + routesPort + "\", routes: [\"nats-route://127.0.0.1:"
                + otherRoutesPort + "\"] }";
    }

    private NatsBus bus(TestBusContext context) {
        NatsBus bus = new NatsBus(NatsSettings.from(context.config()), context);
        closeables.add(bus);
        return bus;
    }

    /**
     * The settings of a client of {@code server} with {@code tls}, whose connect-timeout no stall of a
     * loaded machine reaches: the client tries once to connect at start.
     */
    private static TestBusContext context(NatsTestServer server, String tls) {
        return context(server.url(), tls, "60s");
    }

    private static TestBusContext context(String url, String tls, String connectTimeout) {
        return TestBusContext.of("nats", "servers = \"['" + url + "']\", username = msight, password = "
                + PASSWORD + ", connect-timeout = " + connectTimeout + "\ntls { enabled = \"true\", " + tls + " }");
    }

    /** Publishes until the subscriber got one message: the subscription has reached the server by then. */
    private void carries(NatsTestServer server, String tls) {
        carries(server.url(), tls);
    }

    /** As {@link #carries(NatsTestServer, String)}, with the server at {@code url}. */
    private void carries(String url, String tls) {
        TestReceiver receiver = TestReceiver.handling();
        TestBusContext subscriberContext = context(url, tls, "60s");
        NatsBus subscriber = bus(subscriberContext);
        subscriber.subscribe(new Subscription("tls_topic", "uploader", Optional.empty(), receiver));
        subscriber.start();
        TestBusContext publisherContext = context(url, tls, "60s");
        NatsBus publisher = bus(publisherContext);
        publisher.start();
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish("tls_topic", new BytesData(Metadata.create("cam", "edge-01", Metadata.now()),
                    new byte[] {1, 2, 3}));
            return !receiver.handled().isEmpty();
        });
        assertThat(receiver.handled().get(0).metadata().sensorName()).isEqualTo("cam");
        assertThat(subscriberContext.log().all() + publisherContext.log().all()).doesNotContain(PASSWORD);
    }

    @Test
    void publishesAndSubscribesOverTlsTrustingTheCaFile() {
        carries(server(false), "ca-cert-file = \"" + certificates.ca + "\"");
    }

    @Test
    void mutualTlsWithAClientCertificateAndKey() {
        NatsTestServer server = server(true);
        carries(server, "ca-cert-file = \"" + certificates.ca + "\", cert-file = \"" + certificates.clientCert
                + "\", key-file = \"" + certificates.clientKey + "\"");

        // the server ends the connection after the handshake: the client sees a timeout (a short one), not a TLS error
        NatsBus withoutCertificate = bus(context(server.url(), "ca-cert-file = \"" + certificates.ca + "\"", "2s"));
        assertThatThrownBy(withoutCertificate::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NATS unreachable at " + server.url())
                .hasMessageContaining("MSIGHT_NATS_TLS_CERT_FILE").hasMessageNotContaining("\n");
    }

    /**
     * A server named by a host name that its certificate names, and not its address, is reached by
     * tls:// or with tls.enabled, as by nats-py: the client connected to the address it resolved
     * the name to, and refused every such certificate for not naming that address.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tls", "nats"})
    void aServerCertificateNamingTheUrlsHostNameAloneIsTaken(String scheme) throws Exception {
        NatsTestServer server = server(certificates.sign("named", "DNS:localhost"), false);
        carries(scheme + "://localhost:" + server.port(), "ca-cert-file = \"" + certificates.ca + "\"");
    }

    /**
     * A server whose certificate, of a trusted CA, does not name the URL's host is refused, as
     * Python's ssl refuses it (a man in the middle with any certificate of that CA): the client
     * connected to it. The certificate naming it connects
     * ({@link #aServerCertificateNamingTheUrlsHostNameAloneIsTaken}).
     */
    @Test
    void aServerCertificateNotNamingTheHostIsRefusedNamingTheHost() throws Exception {
        NatsTestServer server = server(certificates.sign("elsewhere", "DNS:elsewhere.example"), false);
        String url = "tls://localhost:" + server.port();
        TestBusContext context = context(url, "ca-cert-file = \"" + certificates.ca + "\"", "60s");
        NatsBus bus = bus(context);
        assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NATS at " + url + ": TLS: the server's certificate does not name localhost, the"
                        + " host connected to: connect by a name in it, or add this one to its subjectAltName; check"
                        + " msight.nats.tls (MSIGHT_NATS_TLS_CA_CERT_FILE, MSIGHT_NATS_TLS_CERT_FILE,"
                        + " MSIGHT_NATS_TLS_KEY_FILE)");
        assertThat(context.log().all()).doesNotContain(PASSWORD);
    }

    /**
     * The cluster announces its other server by its address; its certificate names the host name
     * only. When the server the bus was given by that name dies, the bus goes on to the other one,
     * checked by that name, as nats-py: it was refused for not naming the address, and the bus
     * stayed in the outage.
     */
    @Test
    void aServerTheClusterAnnouncesByItsAddressIsCheckedByTheConfiguredName() throws Exception {
        TestCertificates.Signed named = certificates.sign("cluster-named", "DNS:localhost");
        List<NatsTestServer> cluster = cluster(named, named);
        String tls = "ca-cert-file = \"" + certificates.ca + "\"";
        TestReceiver receiver = TestReceiver.handling();
        NatsBus subscriber = bus(context("tls://localhost:" + cluster.get(1).port(), tls, "60s"));
        subscriber.subscribe(new Subscription("tls_topic", "uploader", Optional.empty(), receiver));
        subscriber.start();
        // the route is up, and the first server knows the second's address, once a message crosses it
        publishUntilReceived(startedBus("tls://localhost:" + cluster.get(0).port(), tls), "routed", receiver);
        TestBusContext publisherContext = context("tls://localhost:" + cluster.get(0).port(), tls, "60s");
        NatsBus publisher = startedBus(publisherContext);

        cluster.get(0).stop();
        publishUntilReceived(publisher, "after", receiver);
        assertThat(publisherContext.log().all()).doesNotContain(PASSWORD);
    }

    /**
     * A server of the cluster whose certificate does not name the configured host refuses every
     * reconnection: said at WARN, naming it and why, once a minute at most (it was at debug level).
     * Its certificate names its address, by which its own subscriber reaches it.
     */
    @Test
    void aRefusedReconnectionIsAWarningNamingTheServerAndWhy() throws Exception {
        List<NatsTestServer> cluster = cluster(certificates.sign("cluster-first", "DNS:localhost"),
                certificates.sign("cluster-second", "IP:127.0.0.1"));
        String tls = "ca-cert-file = \"" + certificates.ca + "\"";
        String first = "tls://localhost:" + cluster.get(0).port();
        TestReceiver receiver = TestReceiver.handling();
        NatsBus subscriber = bus(context("tls://127.0.0.1:" + cluster.get(1).port(), tls, "60s"));
        subscriber.subscribe(new Subscription("tls_topic", "uploader", Optional.empty(), receiver));
        subscriber.start();
        publishUntilReceived(startedBus(first, tls), "routed", receiver);
        TestBusContext publisherContext = context(first, tls, "60s");
        startedBus(publisherContext);

        cluster.get(0).stop();
        await().atMost(Waits.GENEROUS).until(() -> publisherContext.log().messages(Level.WARN).stream()
                .anyMatch(line -> line.startsWith("NATS: a connection to")));
        assertThat(publisherContext.log().messages(Level.WARN))
                .filteredOn(line -> line.startsWith("NATS: a connection"))
                .singleElement().asString().isEqualTo("NATS: a connection to 127.0.0.1:" + cluster.get(1).port()
                        + " (checked as localhost) failed: TLS: the server's certificate does not name localhost, the"
                        + " host connected to: connect by a name in it, or add this one to its subjectAltName");
        assertThat(publisherContext.log().all()).doesNotContain(PASSWORD);
    }

    private NatsBus startedBus(String url, String tls) {
        return startedBus(context(url, tls, "60s"));
    }

    private NatsBus startedBus(TestBusContext context) {
        NatsBus bus = bus(context);
        bus.start();
        return bus;
    }

    /** Publishes as sensor {@code sensor} until {@code receiver} handled one of its messages. */
    private static void publishUntilReceived(NatsBus publisher, String sensor, TestReceiver receiver) {
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish("tls_topic", new BytesData(Metadata.create(sensor, "edge-01", Metadata.now()),
                    new byte[] {1, 2, 3}));
            return receiver.handled().stream().anyMatch(data -> data.metadata().sensorName().equals(sensor));
        });
    }

    @Test
    void aServerCertificateOfAnotherCaIsOneLineNamingTheTlsSettingsWithoutSecrets() throws Exception {
        NatsTestServer server = server(false);
        TestCertificates other = new TestCertificates(Files.createDirectories(dir.resolve("other")));
        TestBusContext context = context(server, "ca-cert-file = \"" + other.ca + "\"");
        NatsBus bus = bus(context);
        assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NATS at " + server.url() + ": TLS: the server's certificate is not signed by a"
                        + " CA this client trusts")
                .hasMessageContaining("MSIGHT_NATS_TLS_CA_CERT_FILE")
                .hasMessageNotContaining("\n").hasMessageNotContaining(PASSWORD);
        assertThat(context.log().all()).doesNotContain(PASSWORD);
        assertThat(context.log().messages(Level.WARN)).as("no outage: it never connected").isEmpty();
    }
}

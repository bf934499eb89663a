package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.bus.Bus;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.LogCapture;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestCertificates;
import org.slf4j.event.Level;

/**
 * TLS (MSIGHT_KAFKA_USE_TLS, MSIGHT_KAFKA_TLS_*) against a real broker with three TLS listeners:
 * SSL with the test CA's certificate for 127.0.0.1, MTLS which also requires a client
 * certificate, and ELSEWHERE whose certificate names another host.
 */
class KafkaBusTlsTest {

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static KafkaTestServer broker;

    @BeforeAll
    static void startBroker() throws Exception {
        certificates = new TestCertificates(dir);
        TestCertificates.Signed elsewhere = certificates.sign("elsewhere", "DNS:elsewhere.example");
        Map<String, String> listeners = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        listeners.put("SSL", "SSL");
        serve(settings, "ssl", certificates.serverCert, certificates.serverKey);
        listeners.put("MTLS", "SSL");
        serve(settings, "mtls", certificates.serverCert, certificates.serverKey);
        settings.put("listener.name.mtls.ssl.client.auth", "required");
        settings.put("listener.name.mtls.ssl.truststore.type", "PEM");
        settings.put("listener.name.mtls.ssl.truststore.certificates", Files.readString(certificates.ca));
        listeners.put("ELSEWHERE", "SSL");
        serve(settings, "elsewhere", elsewhere.cert(), elsewhere.key());
        broker = KafkaTestServer.withListeners(listeners, settings).start();
    }

    /** The listener's certificate and key, in Kafka's PEM key store. */
    private static void serve(Map<String, String> settings, String listener, Path cert, Path key) throws IOException {
        String prefix = "listener.name." + listener + ".ssl.";
        settings.put(prefix + "keystore.type", "PEM");
        settings.put(prefix + "keystore.certificate.chain", Files.readString(cert));
        settings.put(prefix + "keystore.key", Files.readString(key));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static TestBusContext context(String listener, String tls) {
        return TestBusContext.of("kafka", "servers = \"['" + broker.bootstrapServers(listener) + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n"
                + "tls { enabled = \"true\", " + tls + " }");
    }

    private static String ca(Path file) {
        return "ca-cert-file = \"" + file + "\"";
    }

    /**
     * The start's failure: one line about TLS naming the settings, without key material or the
     * names of classes, and no warning of the Kafka client's (with its stack trace) besides.
     */
    private static AbstractThrowableAssert<?, ?> startFails(TestBusContext context) {
        Bus bus = new KafkaBusProvider().create(context);
        try (LogCapture kafkaLog = LogCapture.of("org.apache.kafka")) {
            AbstractThrowableAssert<?, ?> failure = assertThatThrownBy(bus::start)
                    .isInstanceOf(IllegalStateException.class).hasMessageMatching("Kafka at \\[[^]]+\\]: TLS: .*")
                    .hasMessageContaining("MSIGHT_KAFKA_TLS_")
                    .hasMessageNotContaining("\n").hasMessageNotContaining("PRIVATE KEY")
                    .hasMessageNotContaining("Exception");
            assertThat(kafkaLog.messages(Level.WARN)).isEmpty();
            return failure;
        } finally {
            bus.close();
        }
    }

    @Test
    void publishesAndConsumesOverTlsTrustingTheCaFile() {
        RoundTrip.carriesAMessage(context("SSL", ca(certificates.ca)));
    }

    @Test
    void mutualTlsWithAClientCertificateAndKey() {
        RoundTrip.carriesAMessage(context("MTLS", ca(certificates.ca) + ", cert-file = \"" + certificates.clientCert
                + "\", key-file = \"" + certificates.clientKey + "\""));
        startFails(context("MTLS", ca(certificates.ca))).hasMessageContaining("TLS: the server refused this client's"
                + " certificate, or its lack of one");
    }

    @Test
    void aBrokerOfAnotherCaIsRefusedInOneLineUnlessVerifyIsFalse() throws Exception {
        TestCertificates other = new TestCertificates(Files.createDirectories(dir.resolve("other")));
        startFails(context("SSL", ca(other.ca)))
                .hasMessageContaining("TLS: the server's certificate is not signed by a CA this client trusts");
        RoundTrip.carriesAMessage(context("SSL", "verify = false"));
    }

    /**
     * TLS set in the Kafka clients' own properties instead of tls.enabled (a PEM trust store they
     * read themselves): the check at start asks the broker over TLS, as the clients do, not in
     * plain text, which a TLS listener answers as no broker does.
     */
    @Test
    void tlsSetInTheClientsOwnPropertiesIsUsedAtStart() {
        RoundTrip.carriesAMessage(TestBusContext.of("kafka", "servers = \"['" + broker.bootstrapServers("SSL") + "']\"\n"
                + "start-position = earliest, max-block = 30s, connect-timeout = 30s\n"
                + "properties { \"security.protocol\" = ssl, \"ssl.truststore.type\" = PEM, \"ssl.truststore.location\""
                + " = \"" + certificates.ca + "\" }"));
    }

    @Test
    void theHostNameIsCheckedUnlessCheckHostnameIsFalse() {
        startFails(context("ELSEWHERE", ca(certificates.ca)))
                .hasMessageContaining("TLS: the server's certificate does not name 127.0.0.1, the host connected to");
        RoundTrip.carriesAMessage(context("ELSEWHERE", ca(certificates.ca) + ", check-hostname = false"));
    }
}

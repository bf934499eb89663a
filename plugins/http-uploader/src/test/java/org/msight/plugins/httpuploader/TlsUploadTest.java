package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.testkit.FreePorts;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestCertificates;
import org.msight.testkit.TestCertificates.Signed;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** HTTPS with a self-signed CA, and mutual TLS: they work when configured and fail clearly when not. */
class TlsUploadTest {

    @TempDir
    static Path dir;
    private static final String PASSWORD = "changeit";
    private static TestCertificates certificates;
    private static SSLContext serverTls;
    private static Path clientKeyStore;
    private static Path caTrustStore;
    private static Signed rsaClient;
    private static Signed elsewhere;
    /** The JDK's own properties for the test, by which the JVM trusts the test's CA. */
    private static Map<String, String> jvmTrust;

    private final RecordingLogger log = new RecordingLogger("uploader");
    private RecordingServer server;
    private Uploading uploader;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = new TestCertificates(dir);
        serverTls = certificates.serverContext();
        clientKeyStore = certificates.keyStore(new Signed(certificates.clientCert, certificates.clientKey), PASSWORD);
        caTrustStore = certificates.trustStore(PASSWORD);
        rsaClient = certificates.signWithPkcs1RsaKey("client-rsa", "DNS:uploader");
        elsewhere = certificates.sign("elsewhere", "DNS:elsewhere.example");
        jvmTrust = Map.of("javax.net.ssl.trustStore", caTrustStore.toString(),
                "javax.net.ssl.trustStorePassword", PASSWORD, "javax.net.ssl.trustStoreType", "PKCS12");
    }

    @AfterEach
    void stop() {
        if (uploader != null) {
            uploader.close();
        }
        if (server != null) {
            server.close();
        }
        jvmTrust.keySet().forEach(System::clearProperty);
    }

    @Test
    void httpsWorksWithTheCaFile() throws Exception {
        server = RecordingServer.https(serverTls, false);
        TestNodeContext context = upload("tls.ca-file = \"" + certificates.ca + "\"");

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(server.requests()).hasSize(1);
    }

    /** The JDK's words for it name its classes (PKIX path building failed: sun.security...Exception: ...). */
    @Test
    void anUntrustedServerFailsWithAClearMessage() throws Exception {
        server = RecordingServer.https(serverTls, false);
        TestNodeContext context = upload("");

        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server's certificate is not signed by a CA this client trusts: trust that CA"
                        + " (ca-cert-file or ca-file in the TLS settings, else the JVM's trust store)")
                .doesNotContain("sun.security", "Exception");
    }

    @Test
    void aServerCertificateForAnotherHostFailsNamingTheHost() throws Exception {
        server = RecordingServer.https(certificates.serverContext(elsewhere), false);
        TestNodeContext context = upload("tls.ca-file = \"" + certificates.ca + "\"");

        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server's certificate does not name 127.0.0.1, the host connected to");
    }

    @Test
    void mutualTlsWorksWithPemCertificateAndKey() throws Exception {
        server = RecordingServer.https(serverTls, true);
        TestNodeContext context = upload("tls { ca-file = \"" + certificates.ca + "\", cert-file = \""
                + certificates.clientCert + "\", key-file = \"" + certificates.clientKey + "\" }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    /** As Python's requests takes cert=file: the key in the certificate's file, key-file not set. */
    @Test
    void mutualTlsWorksWithTheKeyInTheCertificateFile() throws Exception {
        Path both = Files.writeString(dir.resolve("client-and-key.pem"), Files.readString(certificates.clientCert)
                + Files.readString(certificates.clientKey));
        server = RecordingServer.https(serverTls, true);
        TestNodeContext context = upload("tls { ca-file = \"" + certificates.ca + "\", cert-file = \"" + both + "\" }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void mutualTlsWorksWithAnRsaKeyAndATrustStore() throws Exception {
        server = RecordingServer.https(serverTls, true);
        TestNodeContext context = upload("tls { trust-store = \"" + caTrustStore + "\", trust-store-password"
                + " = " + PASSWORD + ", cert-file = \"" + rsaClient.cert()
                + "\", key-file = \"" + rsaClient.key() + "\" }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void mutualTlsWorksWithAKeyStore() throws Exception {
        server = RecordingServer.https(serverTls, true);
        TestNodeContext context = upload("tls { ca-file = \"" + certificates.ca + "\", key-store = \""
                + clientKeyStore + "\", key-store-password = " + PASSWORD + " }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void aServerThatWantsAClientCertificateFailsWithAClearMessage() throws Exception {
        server = RecordingServer.https(serverTls, true);
        TestNodeContext context = upload("tls.ca-file = \"" + certificates.ca + "\"");

        assertThat(context.count("failed")).as(log.all()).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server asks for a client certificate").contains("set tls.cert-file and tls.key-file");
    }

    /**
     * A server that asks for a client certificate and takes uploads without one (it only wants
     * one) is not blamed for a later failure: once it had asked, every failure not of connecting
     * said that it asks for a client certificate and closed the connection without one.
     */
    @Test
    void aFailureAfterAServerThatOnlyWantsAClientCertificateAnsweredIsNotBlamedOnIt() throws Exception {
        int port = FreePorts.next();
        server = RecordingServer.https(serverTls, RecordingServer.ClientCertificate.WANTED, port);
        TestNodeContext context = upload("tls.ca-file = \"" + certificates.ca + "\"");
        assertThat(context.count("uploads")).as(log.all()).isEqualTo(1);

        server.close(); // the collector restarts with another host's certificate
        server = RecordingServer.https(certificates.serverContext(elsewhere), RecordingServer.ClientCertificate.NONE,
                port);
        uploadAgain();

        assertThat(context.count("failed")).as(log.all()).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server's certificate does not name 127.0.0.1, the host connected to")
                .doesNotContain("client certificate");
    }

    /**
     * A client certificate renewed on disk (step-ca, Vault, cert-manager) is used without a restart:
     * the collector, restarted, trusts only the renewed certificate's CA, and uploads go on. The
     * TLS made at the node's creation served every connection until the process restarted.
     */
    @Test
    void aRenewedClientCertificateIsUsedWithoutARestart(@TempDir Path renewal) throws Exception {
        TestCertificates renewedCa = new TestCertificates(renewal);
        Path cert = issued(certificates.clientCert, renewal.resolve("tls.crt"));
        Path key = issued(certificates.clientKey, renewal.resolve("tls.key"));
        int port = FreePorts.next();
        server = RecordingServer.https(serverTls, RecordingServer.ClientCertificate.NEEDED, port);
        TestNodeContext context = upload(renewable(cert, key));

        server.close();
        server = RecordingServer.https(renewedCa.serverContext(new Signed(certificates.serverCert,
                certificates.serverKey)), RecordingServer.ClientCertificate.NEEDED, port); // trusts the renewed CA only
        Files.copy(renewedCa.clientCert, cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewedCa.clientKey, key, StandardCopyOption.REPLACE_EXISTING);
        uploadAgain();

        assertThat(context.count("uploads")).as(log.all()).isEqualTo(2);
        assertThat(log.messages(Level.INFO)).contains("the TLS files changed: new connections use them");
    }

    /**
     * A renewal caught half written keeps the TLS read before in use, said once, not at each
     * connection; once it is whole, it is read.
     */
    @Test
    void aHalfWrittenRenewalKeepsTheFilesReadBeforeUntilItIsWhole(@TempDir Path renewal) throws Exception {
        TestCertificates renewedCa = new TestCertificates(renewal);
        Path cert = issued(certificates.clientCert, renewal.resolve("tls.crt"));
        Path key = issued(certificates.clientKey, renewal.resolve("tls.key"));
        int port = FreePorts.next();
        server = RecordingServer.https(serverTls, RecordingServer.ClientCertificate.NEEDED, port);
        TestNodeContext context = upload(renewable(cert, key));

        Files.writeString(cert, Files.readString(renewedCa.clientCert).substring(0, 200));
        for (int i = 0; i < 2; i++) { // a new connection each time: the collector restarts
            server.close();
            server = RecordingServer.https(serverTls, RecordingServer.ClientCertificate.NEEDED, port);
            uploadAgain();
        }
        assertThat(context.count("uploads")).as(log.all()).isEqualTo(3);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("tls.")).containsExactly(
                "tls.cert-file: " + cert + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it; new connections"
                        + " use the TLS files read before until these change again");

        server.close();
        server = RecordingServer.https(renewedCa.serverContext(new Signed(certificates.serverCert,
                certificates.serverKey)), RecordingServer.ClientCertificate.NEEDED, port);
        Files.copy(renewedCa.clientCert, cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewedCa.clientKey, key, StandardCopyOption.REPLACE_EXISTING);
        uploadAgain();
        assertThat(context.count("uploads")).as(log.all()).isEqualTo(4);
    }

    /** {@code file} copied to {@code to}, written an hour ago: as issued before its renewal. */
    private static Path issued(Path file, Path to) throws Exception {
        Files.copy(file, to);
        Files.setLastModifiedTime(to, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        return to;
    }

    /** A tls block with the client certificate in {@code cert} and {@code key}; a retry: a connection closed since. */
    private String renewable(Path cert, Path key) {
        return "tls { ca-file = \"" + certificates.ca + "\", cert-file = \"" + cert + "\", key-file = \"" + key
                + "\" }\nretries = 1, retry-backoff { initial = 10ms, max = 10ms }";
    }

    @Test
    void unusableTlsFilesAreReportedBeforeAnythingRuns() {
        String url = "url = \"https://127.0.0.1:1/\"\n";
        assertThatThrownBy(() -> createNode(url + "tls.ca-file = \"" + dir.resolve("missing.pem") + "\""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tls.ca-file: " + dir.resolve("missing.pem") + ": no such file");
        assertThatThrownBy(() -> createNode(url + "tls { key-store = \"" + clientKeyStore
                + "\", key-store-password = wrong }"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tls.key-store: " + clientKeyStore + ": keystore password was incorrect (check tls.key-store-password)");
        assertThatThrownBy(() -> createNode(url + "tls { cert-file = \"" + certificates.clientCert
                + "\", key-file = \"" + certificates.clientCert + "\" }"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tls.key-file: ").hasMessageEndingWith("no PEM private key"
                        + " (-----BEGIN PRIVATE KEY-----) in it");
        assertThatThrownBy(() -> createNode(url + "tls.cert-file = \"" + certificates.clientCert + "\""))
                .hasMessage("tls.cert-file: " + certificates.clientCert + ": cert-file holds no private key: set key-file");
        assertThatThrownBy(() -> createNode(url + "tls.key-file = \"" + certificates.clientKey + "\""))
                .hasMessage("tls.cert-file: needed with tls.key-file");
        assertThatThrownBy(() -> createNode("url = \"http://127.0.0.1:1/\", tls.ca-file = \""
                + certificates.ca + "\""))
                .hasMessage("tls: set for an http:// url; use https:// or remove the tls block");
    }

    /** Creates an uploader through its provider, as the runtime does; for settings that fail there. */
    private static void createNode(String block) {
        createNode(block, Map.of());
    }

    /**
     * A 308 from an http:// url to https:// is followed as requests follows it, trusting what it
     * trusts: the CA file REQUESTS_CA_BUNDLE names, else what the JVM trusts (here the test's CA,
     * named by the JDK's own properties for the test).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRedirectFromAnHttpUrlToHttpsIsFollowedTrustingWhatRequestsTrusts(boolean caBundle) throws Exception {
        server = RecordingServer.https(serverTls, false);
        HttpServer redirecting = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        redirecting.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Location", server.url("/moved"));
            exchange.sendResponseHeaders(308, -1);
            exchange.close();
        });
        redirecting.start();
        if (!caBundle) {
            jvmTrust.forEach(System::setProperty);
        }
        try {
            TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"http://127.0.0.1:"
                    + redirecting.getAddress().getPort() + "/up\", retries = 0").withLogger(log);
            uploader = Uploading.open(context, caBundle ? Map.of("REQUESTS_CA_BUNDLE", certificates.ca.toString())
                    : Map.of());
            uploader.put(Frames.next("cam"));
            uploader.flush(Waits.GENEROUS);

            assertThat(context.count("uploads")).as(log.messages(Level.WARN).toString()).isEqualTo(1);
            assertThat(server.requests()).singleElement().satisfies(request -> assertThat(request.uri().getPath())
                    .startsWith("/moved"));
        } finally {
            redirecting.stop(0);
        }
    }

    /**
     * Where the tls block names no CA, the PEM file the environment names for MSight's requests
     * is trusted, as requests takes it: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE (an empty one is
     * unset); a launcher has no tls setting. Said at start. The JVM's CAs were trusted instead.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "ca.pem | missing.pem | REQUESTS_CA_BUNDLE",
        "null   | ca.pem      | CURL_CA_BUNDLE",
        "''     | ca.pem      | CURL_CA_BUNDLE",
    })
    void httpsTrustsTheCaFileTheEnvironmentNamesForRequests(String requestsCaBundle, String curlCaBundle,
            String used) throws Exception {
        Map<String, String> environment = new HashMap<>();
        if (requestsCaBundle != null) {
            environment.put("REQUESTS_CA_BUNDLE", requestsCaBundle.isEmpty() ? "" : dir.resolve(requestsCaBundle)
                    .toString());
        }
        environment.put("CURL_CA_BUNDLE", dir.resolve(curlCaBundle).toString());
        server = RecordingServer.https(serverTls, false);
        TestNodeContext context = upload("", environment);

        assertThat(context.count("uploads")).as(log.all()).isEqualTo(1);
        assertThat(log.messages(Level.INFO)).contains("uploads trust the CAs of " + certificates.ca + " (from " + used
                + "), not the JVM's");
    }

    /** As tls.ca-file, and as requests takes it in place of its own CA bundle: the JVM's CAs are not trusted then. */
    @Test
    void theEnvironmentsCaFileTakesThePlaceOfTheJvmsCas(@TempDir Path other) throws Exception {
        jvmTrust.forEach(System::setProperty);
        server = RecordingServer.https(serverTls, false);
        TestNodeContext context = upload("", Map.of("REQUESTS_CA_BUNDLE", new TestCertificates(other).ca.toString()));

        assertThat(context.count("failed")).as(log.all()).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server's certificate is not signed by a CA this client trusts");
    }

    /** The tls block's trust goes before the environment's, as requests' verify= before REQUESTS_CA_BUNDLE. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theTlsBlocksTrustGoesBeforeTheEnvironments(boolean trustStore, @TempDir Path other) throws Exception {
        server = RecordingServer.https(serverTls, false);
        TestNodeContext context = upload(trustStore ? "tls { trust-store = \"" + caTrustStore
                + "\", trust-store-password = " + PASSWORD + " }" : "tls.ca-file = \"" + certificates.ca + "\"",
                Map.of("REQUESTS_CA_BUNDLE", new TestCertificates(other).ca.toString()));

        assertThat(context.count("uploads")).as(log.all()).isEqualTo(1);
        assertThat(log.all()).doesNotContain("REQUESTS_CA_BUNDLE");
    }

    /**
     * A CA file the environment names that cannot be read stops the start, naming the variable,
     * as tls.ca-file's does; requests would fail each upload. An http:// url takes it only for a
     * redirect to https://: it stops nothing there, as a proxy variable no upload takes.
     */
    @Test
    void aCaFileOfTheEnvironmentThatCannotBeReadStopsTheStartNamingTheVariable() {
        String url = "url = \"https://127.0.0.1:1/\"";
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> createNode(url, Map.of("REQUESTS_CA_BUNDLE", missing.toString(),
                "CURL_CA_BUNDLE", certificates.ca.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("REQUESTS_CA_BUNDLE: " + missing + ": no such file");
        assertThatThrownBy(() -> createNode(url, Map.of("CURL_CA_BUNDLE", dir.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CURL_CA_BUNDLE: " + dir + ": a folder, not a file: give the path of the file in it");

        createNode("url = \"http://127.0.0.1:1/\"", Map.of("REQUESTS_CA_BUNDLE", missing.toString()));
    }

    /** Creates an uploader with {@code environment}'s variables. */
    private static void createNode(String block, Map<String, String> environment) {
        new HttpUploaderProvider().create(TestNodeContext.of("http-uploader", block), InetAddress::getAllByName,
                environment);
    }

    private TestNodeContext upload(String tls) throws Exception {
        return upload(tls, Map.of());
    }

    /** One upload with {@code environment}'s variables. */
    private TestNodeContext upload(String tls, Map<String, String> environment) throws Exception {
        TestNodeContext context = TestNodeContext.of("http-uploader",
                "url = \"" + server.url("/") + "\", retries = 0\n" + tls).withLogger(log);
        uploader = Uploading.open(context, environment);
        uploadAgain();
        return context;
    }

    /** One more upload with the uploader open. */
    private void uploadAgain() throws Exception {
        uploader.put(Frames.next("cam"));
        uploader.flush(Waits.GENEROUS);
    }
}

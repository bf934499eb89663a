package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** HTTPS with a self-signed CA, and mutual TLS: they work when configured and fail clearly when not. */
class TlsUploadTest {

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    private RecordingServer server;
    private HttpUploader uploader;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = new TestCertificates(dir);
    }

    @AfterEach
    void stop() {
        if (uploader != null) {
            uploader.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void httpsWorksWithTheCaFile() throws Exception {
        server = RecordingServer.https(certificates.server, false);
        TestContext context = upload("tls.ca-file = \"" + certificates.caPem + "\"");

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void anUntrustedServerFailsWithAClearMessage() throws Exception {
        server = RecordingServer.https(certificates.server, false);
        TestContext context = upload("");

        assertThat(context.count("dropped")).isEqualTo(1);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server's certificate is not trusted").contains("set tls.ca-file (PEM)");
    }

    @Test
    void mutualTlsWorksWithPemCertificateAndKey() throws Exception {
        server = RecordingServer.https(certificates.server, true);
        TestContext context = upload("tls { ca-file = \"" + certificates.caPem + "\", cert-file = \""
                + certificates.clientCertPem + "\", key-file = \"" + certificates.clientKeyPem + "\" }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void mutualTlsWorksWithAnRsaKeyAndATrustStore() throws Exception {
        server = RecordingServer.https(certificates.server, true);
        TestContext context = upload("tls { trust-store = \"" + certificates.caTrustStore + "\", trust-store-password"
                + " = " + TestCertificates.PASSWORD + ", cert-file = \"" + certificates.clientCertPem
                + "\", key-file = \"" + certificates.clientRsaKeyPem + "\" }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void mutualTlsWorksWithAKeyStore() throws Exception {
        server = RecordingServer.https(certificates.server, true);
        TestContext context = upload("tls { ca-file = \"" + certificates.caPem + "\", key-store = \""
                + certificates.clientKeyStore + "\", key-store-password = " + TestCertificates.PASSWORD + " }");

        assertThat(context.count("uploads")).isEqualTo(1);
    }

    @Test
    void aServerThatWantsAClientCertificateFailsWithAClearMessage() throws Exception {
        server = RecordingServer.https(certificates.server, true);
        TestContext context = upload("tls.ca-file = \"" + certificates.caPem + "\"");

        assertThat(context.count("dropped")).as(context.log().all()).isEqualTo(1);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .contains("TLS: the server asks for a client certificate").contains("set tls.cert-file and tls.key-file");
    }

    @Test
    void unusableTlsFilesAreReportedBeforeAnythingRuns() {
        String url = "url = \"https://127.0.0.1:1/\"\n";
        assertThatThrownBy(() -> new TestContext(url + "tls.ca-file = \"" + dir.resolve("missing.pem") + "\"")
                .createNode())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tls.ca-file: cannot read ").hasMessageEndingWith("missing.pem (no such file)");
        assertThatThrownBy(() -> new TestContext(url + "tls { key-store = \"" + certificates.clientKeyStore
                + "\", key-store-password = wrong }").createNode())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tls.key-store: ").hasMessageContaining("wrong password?");
        assertThatThrownBy(() -> new TestContext(url + "tls { cert-file = \"" + certificates.clientCertPem
                + "\", key-file = \"" + certificates.clientCertPem + "\" }").createNode())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tls.key-file: ").hasMessageEndingWith("no PEM private key"
                        + " (-----BEGIN PRIVATE KEY-----) in it");
        assertThatThrownBy(() -> new TestContext(url + "tls.cert-file = \"" + certificates.clientCertPem + "\"")
                .createNode())
                .hasMessage("tls.key-file: needed with tls.cert-file");
        assertThatThrownBy(() -> new TestContext("url = \"http://127.0.0.1:1/\", tls.ca-file = \""
                + certificates.caPem + "\"").createNode())
                .hasMessage("tls: set for an http:// url; use https:// or remove the tls block");
    }

    private TestContext upload(String tls) throws Exception {
        TestContext context = new TestContext("url = \"" + server.url("/") + "\", retries = 0\n" + tls);
        uploader = context.createNode();
        uploader.open();
        uploader.put(Frames.next("cam"));
        uploader.flush(Duration.ofSeconds(10));
        return context;
    }
}

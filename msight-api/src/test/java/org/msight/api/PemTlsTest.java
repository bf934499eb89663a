package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTlsTest {

    /** A CRL openssl made (another CA's: what matters is that Python's ssl reads it). */
    private static final String CRL = """
            -----BEGIN X509 CRL-----
            MIGkMEwCAQEwCgYIKoZIzj0EAwIwDTELMAkGA1UEAwwCY2EXDTI2MTIwNzExMDIx
            MloXDTI2MTIwOTExMDIxMlqgDjAMMAoGA1UdFAQDAgEBMAoGCCqGSM49BAMCA0gA
            MEUCICb1G6S1au+QbJhs5ywxqoM8DazVw8J84y3ael5aCIcPAiEAt0yqiIlMOpLO
            rhrKfuaD+U81gtkRkg8lRpXrhusTn4Q=
            -----END X509 CRL-----
            """;
    private static String certificate;
    private static String key;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificate(@TempDir Path keytoolDir) throws Exception {
        TlsHandshakes keytool = new TlsHandshakes(keytoolDir);
        keytool.ca("ca", "msight-test-ca");
        certificate = keytool.certificatePem("ca");
        key = keytool.keyPem("ca");
    }

    @Test
    void encryptedKeysOfBothStylesAreRefusedSayingHowToDecryptThem() throws Exception {
        Path traditional = Files.writeString(dir.resolve("rsa.key"), """
                -----BEGIN RSA PRIVATE KEY-----
                Proc-Type: 4,ENCRYPTED
                DEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF

                AAAA
                -----END RSA PRIVATE KEY-----
                """);
        Path pkcs8 = Files.writeString(dir.resolve("pkcs8.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        for (Path key : new Path[] {traditional, pkcs8}) {
            assertThatThrownBy(() -> PemTls.privateKey(key)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the key is encrypted").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        }
    }

    /** Text that is not ASCII around the key's block (a byte order mark, openssl's Bag Attributes) is no obstacle. */
    @Test
    void aKeyFileWithTextThatIsNotAsciiAroundItsBlockIsRead() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        String pem = "\uFEFFBag Attributes\n    friendlyName: cam\u00e9ra \u2014 entr\u00e9e\nKey Attributes: <No Attributes>\n"
                + "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path key = Files.writeString(dir.resolve("key.pem"), pem, StandardCharsets.UTF_8);
        assertThat(PemTls.privateKey(key).getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
    }

    @Test
    void aFileWithoutAKeyOrACertificateSaysWhatIsMissing() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        assertThatThrownBy(() -> PemTls.privateKey(empty)).hasMessage("no PEM private key (-----BEGIN PRIVATE KEY-----) in it");
        assertThatThrownBy(() -> PemTls.context(empty, null, null, "msight.redis.tls"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("msight.redis.tls.ca-cert-file: " + empty + ": ");
    }

    /** As Python's ssl takes it (load_cert_chain, load_verify_locations): one file for the certificate and its key. */
    @Test
    void aCertificateFileMayHoldItsKeyBeforeOrAfterIt() throws Exception {
        for (String pem : new String[] {certificate + key, key + certificate}) {
            Path both = Files.writeString(dir.resolve("both.pem"), pem);
            assertThat(PemTls.trustStore(both).size()).isEqualTo(1);
            assertThatCode(() -> PemTls.context(both, both, both, "msight.nats.tls")).doesNotThrowAnyException();
            assertThatCode(() -> PemTls.context(both, both, null, "msight.nats.tls")).doesNotThrowAnyException();
        }
    }

    /** Without key-file, the key is read from cert-file, which must hold it; key-file alone has no certificate. */
    @Test
    void withoutAKeyFileTheCertificateFileMustHoldTheKey() throws Exception {
        Path certificateOnly = Files.writeString(dir.resolve("cert.pem"), certificate);
        assertThatThrownBy(() -> PemTls.context(null, certificateOnly, null, "msight.redis.tls")).hasMessage(
                "msight.redis.tls.cert-file: " + certificateOnly + ": cert-file holds no private key: set key-file");
        Path keyOnly = Files.writeString(dir.resolve("key.pem"), key);
        assertThatThrownBy(() -> PemTls.context(null, null, keyOnly, "msight.redis.tls"))
                .hasMessage("msight.redis.tls.key-file: needs cert-file, the certificate it is the key of");
    }

    /** As Python's ssl reads a CA file: a byte order mark before it, a CRL after its certificate. */
    @Test
    void aCaFileMayStartWithAByteOrderMarkOrHoldACrl() throws Exception {
        for (String pem : new String[] {"\uFEFF" + certificate, certificate + CRL}) {
            Path ca = Files.writeString(dir.resolve("ca.pem"), pem, StandardCharsets.UTF_8);
            assertThat(PemTls.trustStore(ca).size()).isEqualTo(1);
        }
    }

    @Test
    void aFileWithAKeyButNoCertificateSaysSo() throws Exception {
        Path keyOnly = Files.writeString(dir.resolve("key.pem"), key);
        assertThatThrownBy(() -> PemTls.context(null, keyOnly, keyOnly, "msight.nats.tls"))
                .hasMessage("msight.nats.tls.cert-file: " + keyOnly + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
    }

    @Test
    void aMissingFileSaysSoOnce() {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> PemTls.context(missing, null, null, "msight.nats.tls"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("msight.nats.tls.ca-cert-file: " + missing + ": no such file");
    }
}

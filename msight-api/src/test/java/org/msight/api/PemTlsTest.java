package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTlsTest {

    @TempDir
    Path dir;

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

    @Test
    void aMissingFileSaysSoOnce() {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> PemTls.context(missing, null, null, "msight.nats.tls"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("msight.nats.tls.ca-cert-file: " + missing + ": no such file");
    }
}

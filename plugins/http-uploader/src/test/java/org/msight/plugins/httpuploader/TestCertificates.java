package org.msight.plugins.httpuploader;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/**
 * A self-signed test CA and a server and a client certificate it signed, made with the JDK's
 * {@code keytool}, in the files the uploader's {@code tls} settings take: PEM CA, certificates
 * and keys (PKCS#8 and PKCS#1), PKCS12 trust and key stores.
 */
final class TestCertificates {

    static final String PASSWORD = "changeit";

    final Path caPem;
    final Path caTrustStore;
    final Path clientCertPem;
    final Path clientKeyPem;
    final Path clientRsaKeyPem;
    final Path clientKeyStore;
    final SSLContext server;

    TestCertificates(Path dir) throws Exception {
        Path ca = dir.resolve("ca.p12");
        keytool(dir, null, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=MSight Test CA", "-ext", "bc:c", "-keystore", ca.toString());
        caPem = dir.resolve("ca.pem");
        Files.write(caPem, keytool(dir, null, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString()));
        Certificate caCert = certificates(caPem).get(0);

        Path serverStore = signedKeyPair(dir, ca, "server", "CN=127.0.0.1", "san=ip:127.0.0.1,dns:localhost");
        Path clientStore = signedKeyPair(dir, ca, "client", "CN=uploader", null);
        clientCertPem = dir.resolve("client.pem");
        clientKeyPem = dir.resolve("client-key.pem");
        clientRsaKeyPem = dir.resolve("client-rsa-key.pem");
        clientKeyStore = dir.resolve("client-store.p12");
        caTrustStore = dir.resolve("ca-trust.p12");

        KeyStore client = load(clientStore);
        PrivateKey clientKey = (PrivateKey) client.getKey("client", PASSWORD.toCharArray());
        Certificate[] clientChain = {certificates(clientCertPem).get(0), caCert};
        Files.writeString(clientKeyPem, pem("PRIVATE KEY", clientKey.getEncoded()));
        Files.writeString(clientRsaKeyPem, pem("RSA PRIVATE KEY", pkcs1(clientKey.getEncoded())));
        save(store(s -> s.setKeyEntry("client", clientKey, PASSWORD.toCharArray(), clientChain)), clientKeyStore);
        save(store(s -> s.setCertificateEntry("ca", caCert)), caTrustStore);

        KeyStore serverKeys = load(serverStore);
        PrivateKey serverKey = (PrivateKey) serverKeys.getKey("server", PASSWORD.toCharArray());
        KeyStore serverChain = store(s -> s.setKeyEntry("server", serverKey, PASSWORD.toCharArray(),
                new Certificate[] {certificates(dir.resolve("server.pem")).get(0), caCert}));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverChain, PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(caTrustStore));
        server = SSLContext.getInstance("TLS");
        server.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    }

    /** A key pair in {@code <name>.p12} and its certificate, signed by the CA, in {@code <name>.pem}. */
    private static Path signedKeyPair(Path dir, Path ca, String name, String subject, String extension)
            throws Exception {
        Path store = dir.resolve(name + ".p12");
        keytool(dir, null, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", subject, "-keystore", store.toString());
        byte[] request = keytool(dir, null, "-certreq", "-alias", name, "-keystore", store.toString());
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-validity", "2",
                "-keystore", ca.toString()));
        if (extension != null) {
            sign.addAll(List.of("-ext", extension));
        }
        Files.write(dir.resolve(name + ".pem"), keytool(dir, request, sign.toArray(String[]::new)));
        return store;
    }

    private static byte[] keytool(Path dir, byte[] input, String... args) throws Exception {
        Path keytool = Tools.require(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "openjdk-17-jdk-headless");
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-Xshare:auto", "-storetype",
                "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        if (input != null) {
            builder.redirectInput(Files.write(Files.createTempFile(dir, "keytool-", ".in"), input).toFile());
        }
        Tools.Output output = Tools.run(builder, Waits.GENEROUS);
        if (output.exitCode() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output.text());
        }
        return output.text().getBytes(StandardCharsets.UTF_8);
    }

    private static List<Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The PKCS#1 key inside a PKCS#8 RSA key: the content of its final OCTET STRING. */
    private static byte[] pkcs1(byte[] pkcs8) {
        // SEQUENCE(4) INTEGER 0(3) AlgorithmIdentifier(15) OCTET STRING header (4, long form) for 2048-bit keys.
        if (pkcs8[22] != 0x04 || pkcs8[23] != (byte) 0x82) {
            throw new IllegalStateException("unexpected PKCS#8 layout");
        }
        return Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
    }

    private static KeyStore load(Path file) throws Exception {
        return KeyStore.getInstance(file.toFile(), PASSWORD.toCharArray());
    }

    private static KeyStore store(StoreFiller filler) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        filler.fill(store);
        return store;
    }

    private static void save(KeyStore store, Path file) throws Exception {
        try (var out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
    }

    @FunctionalInterface
    private interface StoreFiller {
        void fill(KeyStore store) throws Exception;
    }

}

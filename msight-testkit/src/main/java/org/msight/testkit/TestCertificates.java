package org.msight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway CA with a server certificate for 127.0.0.1 and localhost and a client certificate,
 * made by openssl in a folder of the test's: PEM files, keys in PKCS#8, valid for two days; and
 * the same in PKCS#12 key and trust stores, and as a server's TLS context.
 */
public final class TestCertificates {

    /** The CA's certificate. */
    public final Path ca;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    private final Path openssl = Tools.require("openssl", "openssl");
    private final Path dir;
    private final Path caKey;

    /** A certificate and its key. */
    public record Signed(Path cert, Path key) {
    }

    /** Makes the CA and both certificates in {@code dir}. */
    public TestCertificates(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        ca = dir.resolve("ca.pem");
        caKey = dir.resolve("ca.key");
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=msight-test-ca", "-keyout", caKey.toString(), "-out", ca.toString());
        Signed server = sign("server", "IP:127.0.0.1,DNS:localhost");
        serverCert = server.cert();
        serverKey = server.key();
        Signed client = sign("client", "IP:127.0.0.1,DNS:localhost");
        clientCert = client.cert();
        clientKey = client.key();
    }

    /**
     * Another certificate of this CA, in {@code <name>.pem} and {@code <name>.key}.
     *
     * @param subjectAltName the names it holds, such as {@code DNS:elsewhere.example} for a
     *     server whose certificate does not name the host a client connects to
     */
    public Signed sign(String name, String subjectAltName) throws IOException, InterruptedException {
        return sign(name, subjectAltName, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
    }

    /**
     * As {@link #sign}, with an RSA key written in PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as older
     * tools make them.
     */
    public Signed signWithPkcs1RsaKey(String name, String subjectAltName) throws IOException, InterruptedException {
        Signed signed = sign(name, subjectAltName, "-newkey", "rsa:2048");
        run("rsa", "-in", signed.key().toString(), "-traditional", "-out", signed.key().toString());
        return signed;
    }

    /** {@code signed}'s key and certificate, with the CA's, in the PKCS#12 key store {@code <name>.p12}. */
    public Path keyStore(Signed signed, String password) throws IOException {
        Path store = Path.of(signed.cert().toString().replaceFirst("\\.pem$", "") + ".p12");
        run("pkcs12", "-export", "-in", signed.cert().toString(), "-inkey", signed.key().toString(), "-certfile",
                ca.toString(), "-name", "key", "-passout", "pass:" + password, "-out", store.toString());
        return store;
    }

    /** The CA's certificate in the PKCS#12 trust store {@code ca-trust.p12}. */
    public Path trustStore(String password) throws IOException, GeneralSecurityException {
        Path store = dir.resolve("ca-trust.p12");
        try (OutputStream out = Files.newOutputStream(store)) {
            caStore().store(out, password.toCharArray());
        }
        return store;
    }

    /** TLS that serves the server certificate and trusts the CA's client certificates. */
    public SSLContext serverContext() throws IOException, GeneralSecurityException {
        return serverContext(new Signed(serverCert, serverKey));
    }

    /** TLS that serves {@code certificate} and trusts the CA's client certificates. */
    public SSLContext serverContext(Signed certificate) throws IOException, GeneralSecurityException {
        char[] password = "server".toCharArray();
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(KeyStore.getInstance(keyStore(certificate, "server").toFile(), password), password);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(caStore());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private KeyStore caStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        return store;
    }

    private Signed sign(String name, String subjectAltName, String... newKey) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path request = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".pem");
        Path extensions = Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + subjectAltName + "\n");
        List<String> arguments = new ArrayList<>(List.of("req"));
        arguments.addAll(List.of(newKey));
        arguments.addAll(List.of("-nodes", "-subj", "/CN=" + name, "-keyout", key.toString(), "-out", request.toString()));
        run(arguments.toArray(String[]::new));
        run("x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", extensions.toString(), "-out", certificate.toString());
        return new Signed(certificate, key);
    }

    private void run(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(openssl.toString()));
        command.addAll(List.of(arguments));
        Tools.Output output = Tools.run(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true),
                Waits.GENEROUS);
        if (output.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.text());
        }
    }
}

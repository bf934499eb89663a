package org.msight.api;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real TLS handshakes on loopback, with throwaway certificates made by the JDK's keytool in a
 * folder of the test's ({@code <name>.p12}, valid for two days unless told otherwise): how a
 * client's handshake fails, for what {@link IoFailures} makes of it. (msight-api's tests cannot
 * use the testkit's openssl certificates: the testkit depends on msight-api.)
 */
final class TlsHandshakes {

    private static final String PASSWORD = "changeit";
    /** Longest a keytool run, or a handshake, may take: far more than either needs. */
    private static final int SECONDS = 60;
    private final Path dir;

    TlsHandshakes(Path dir) {
        this.dir = dir;
    }

    /** A CA's key and self-signed certificate, {@code CN=<commonName>}, in {@code <name>.p12}. */
    void ca(String name, String commonName) throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-dname", "CN=" + commonName, "-validity", "2",
                "-ext", "BC:c=ca:true", "-keystore", store(name));
        keytool("-exportcert", "-alias", name, "-keystore", store(name), "-file", dir.resolve(name + ".crt").toString());
    }

    /**
     * A key and a certificate {@code ca} signs, {@code CN=<name>}, in {@code <name>.p12} with the CA's.
     *
     * @param gencertOptions keytool -gencert's: {@code -ext SAN=ip:127.0.0.1}, {@code -startdate -3d}...
     */
    void signed(String name, String ca, String... gencertOptions) throws IOException, InterruptedException,
            GeneralSecurityException {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-dname", "CN=" + name, "-keystore", store(name));
        String request = dir.resolve(name + ".csr").toString();
        keytool("-certreq", "-alias", name, "-keystore", store(name), "-file", request);
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", ca, "-keystore", store(ca), "-infile",
                request, "-outfile", dir.resolve(name + ".crt").toString(), "-validity", "2"));
        gencert.addAll(List.of(gencertOptions));
        keytool(gencert.toArray(String[]::new));
        KeyStore keys = KeyStore.getInstance(dir.resolve(name + ".p12").toFile(), PASSWORD.toCharArray());
        Key key = keys.getKey(name, PASSWORD.toCharArray());
        keys.setKeyEntry(name, key, PASSWORD.toCharArray(), new Certificate[] {certificate(name), certificate(ca)});
        try (OutputStream out = Files.newOutputStream(dir.resolve(name + ".p12"))) {
            keys.store(out, PASSWORD.toCharArray());
        }
    }

    /**
     * TLS with the key and certificate of {@code keys} (none when {@code null}), trusting the CA
     * {@code trusted} only.
     */
    SSLContext context(String keys, String trusted) throws IOException, GeneralSecurityException {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (keys != null) {
            keyManagers.init(KeyStore.getInstance(dir.resolve(keys + ".p12").toFile(), PASSWORD.toCharArray()),
                    PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(trusted, certificate(trusted));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys != null ? keyManagers.getKeyManagers() : null, trustManagers.getTrustManagers(), null);
        return context;
    }

    /**
     * How a client that checks the server's name fails to reach a server on loopback: it connects
     * to 127.0.0.1 as {@code host}, shakes hands and reads.
     *
     * @param serverOptions sets the server's side up (a client certificate required, cipher suites)
     * @param clientOptions sets the client's side up
     */
    SSLException clientFailure(SSLContext server, Options serverOptions, SSLContext client, Options clientOptions,
            String host) throws Exception {
        return clientFailure(client, clientOptions, host, accepted -> {
            // layered and not closing the connection: it is read to its end (below)
            SSLSocket tls = (SSLSocket) server.getSocketFactory().createSocket(accepted, null, false);
            serverOptions.apply(tls);
            tls.getOutputStream().write(1);
            tls.getOutputStream().flush();
        });
    }

    /** How a TLS client fails to reach a plain server that answers an HTTP error to whatever it is sent. */
    SSLException clientFailureWithAPlainServer(SSLContext client) throws Exception {
        return clientFailure(client, Options.NONE, "127.0.0.1", accepted -> {
            accepted.getInputStream().read(new byte[512]);
            accepted.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        });
    }

    /** Sets a side of a connection up. */
    @FunctionalInterface
    interface Options {
        Options NONE = socket -> { };

        void apply(SSLSocket socket);
    }

    /** What a server does with the connection it accepted. */
    private interface Conversation {
        void talk(Socket accepted) throws IOException;
    }

    /**
     * Serves one connection on loopback, then reads until the client closes, so that what the
     * server sent (an alert) reaches the client whole, not cut short by a reset for unread data.
     */
    private static SSLException clientFailure(SSLContext client, Options options, String host,
            Conversation conversation) throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                try (Socket accepted = listening.accept()) {
                    accepted.setSoTimeout((int) TimeUnit.SECONDS.toMillis(SECONDS));
                    try {
                        conversation.talk(accepted);
                    } catch (IOException expected) {
                        // the handshake failed: what the client makes of it is the test's
                    }
                    accepted.getInputStream().transferTo(OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the client went away
                }
            }, "tls-test-server");
            serving.start();
            try {
                return clientFailure(client, options, host, listening.getLocalPort());
            } finally {
                serving.join(TimeUnit.SECONDS.toMillis(SECONDS));
            }
        }
    }

    private static SSLException clientFailure(SSLContext client, Options options, String host, int port)
            throws IOException {
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
                SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, host, port, true)) {
            tls.setSoTimeout((int) TimeUnit.SECONDS.toMillis(SECONDS));
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
            options.apply(tls);
            tls.startHandshake();
            tls.getInputStream().read();
        } catch (SSLException e) {
            return e;
        }
        return fail("the handshake went through");
    }

    /** The certificate of {@code name} as a PEM block. */
    String certificatePem(String name) throws IOException, GeneralSecurityException {
        return pem("CERTIFICATE", certificate(name).getEncoded());
    }

    /** The key of {@code name} as a PEM block, unencrypted PKCS#8. */
    String keyPem(String name) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance(dir.resolve(name + ".p12").toFile(), PASSWORD.toCharArray());
        return pem("PRIVATE KEY", keys.getKey(name, PASSWORD.toCharArray()).getEncoded());
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private Certificate certificate(String name) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".crt"))) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private String store(String name) {
        return dir.resolve(name + ".p12").toString();
    }

    private void keytool(String... arguments) throws IOException, InterruptedException {
        // a short-lived JVM: the first compiler alone and the serial collector halve its start's CPU
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(SECONDS, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}

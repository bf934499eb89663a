package org.msight.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A TLS context from PEM files as MSight's settings name them ({@code *_TLS_CA_CERT_FILE},
 * {@code *_TLS_CERT_FILE}, {@code *_TLS_KEY_FILE}): a CA to trust, and a client certificate with
 * its key. For plugins that reach a server over TLS (the redis, nats and kafka buses), so none
 * carries its own PEM reader.
 */
public final class PemTls {

    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {
    }

    /**
     * The context.
     *
     * @param caCertFile CA certificates to trust, or {@code null} for the JVM's trust store
     * @param certFile client certificate chain, or {@code null} for none
     * @param keyFile the client certificate's PKCS#8 private key (RSA, EC or Ed25519), or {@code null}
     * @param settings the settings block, such as {@code msight.redis.tls}, for messages
     * @throws IllegalArgumentException naming the settings block, the file that cannot be used, and why
     */
    public static SSLContext context(Path caCertFile, Path certFile, Path keyFile, String settings) {
        return context(caCertFile, certFile, keyFile, true, settings);
    }

    /**
     * The context, trusting any server certificate (and any name in it) unless {@code verify}, as
     * MSight's {@code *_TLS_VERIFY=false}: encrypted, but open to a man in the middle.
     *
     * @param caCertFile CA certificates to trust, or {@code null} for the JVM's trust store; unused
     *     unless {@code verify}
     * @see #context(Path, Path, Path, String)
     */
    public static SSLContext context(Path caCertFile, Path certFile, Path keyFile, boolean verify, String settings) {
        try {
            TrustManager[] trust = verify ? null : new TrustManager[] {new AnyServer()};
            if (verify && caCertFile != null) {
                KeyStore store = emptyStore();
                int i = 0;
                for (Certificate ca : certificates(caCertFile)) {
                    store.setCertificateEntry("ca-" + i++, ca);
                }
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trust = factory.getTrustManagers();
            }
            KeyManagerFactory keys = null;
            if (certFile != null || keyFile != null) {
                if (certFile == null || keyFile == null) {
                    throw new IllegalArgumentException(settings + ": cert-file and key-file go together");
                }
                KeyStore store = emptyStore();
                store.setKeyEntry("client", privateKey(keyFile), NO_PASSWORD,
                        certificates(certFile).toArray(Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, NO_PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(settings + ": " + e.getMessage(), e);
        }
    }

    /**
     * The TLS failure among {@code failure} and its causes (the first {@link SSLException}), whose
     * message says what went wrong in the handshake, for one-line messages; empty when none.
     */
    public static Optional<SSLException> handshakeFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException tls) {
                return Optional.of(tls);
            }
        }
        return Optional.empty();
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        return store;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws GeneralSecurityException,
            IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new GeneralSecurityException(pem + " holds no certificate");
            }
            return certificates;
        }
    }

    /** A PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC. */
    private static PrivateKey privateKey(Path pem) throws GeneralSecurityException, IOException {
        String text = Files.readString(pem);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(pem + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with"
                    + " openssl pkcs8 -topk8 -nocrypt -in " + pem.getFileName() + " -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // another algorithm
            }
        }
        throw new GeneralSecurityException(pem + ": unsupported key algorithm (use RSA or EC)");
    }

    /**
     * Trusts every server. Extended, so that the JDK does not wrap it in its own host name check,
     * which MSight's unverified TLS does not make either.
     */
    private static final class AnyServer extends X509ExtendedTrustManager {

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client context trusts no client");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

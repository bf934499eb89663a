package org.msight.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS from PEM files as MSight's settings name them ({@code *_TLS_CA_CERT_FILE},
 * {@code *_TLS_CERT_FILE}, {@code *_TLS_KEY_FILE}): a CA to trust, and a client certificate with
 * its key, in a file of its own or, as Python's {@code ssl.load_cert_chain} reads it without a key
 * file, in the certificate's file. The one PEM reader of every plugin that reaches a server over TLS (the redis, nats and
 * kafka buses, the http-uploader), so a key that works for one works for all: unencrypted
 * PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}).
 * Also the one reader of every TLS file a setting names, PEM or key store ({@link #read}), so
 * each failure reads the same: {@code <setting>: <file>: <why>}.
 */
public final class PemTls {

    private static final char[] NO_PASSWORD = new char[0];
    /** A PEM block: its label, and its content (base64, after any RFC 1421 headers such as Proc-Type). */
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);
    private static final String NO_KEY = "no PEM private key (-----BEGIN PRIVATE KEY-----) in it";
    private static final String ENCRYPTED_KEY = "the key is encrypted; give an unencrypted one"
            + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem)";
    /** DER of PKCS#8's algorithm identifier for RSA keys: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemTls() {
    }

    /**
     * The context.
     *
     * @param caCertFile CA certificates to trust, or {@code null} for the JVM's trust store
     * @param certFile client certificate chain, or {@code null} for none
     * @param keyFile the client certificate's private key, or {@code null} when {@code certFile} holds it
     * @param settings the settings block, such as {@code msight.redis.tls}, whose {@code ca-cert-file},
     *     {@code cert-file} and {@code key-file} name the files
     * @throws IllegalArgumentException naming the setting, the file that cannot be used, and why
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
        if (certFile == null && keyFile != null) {
            throw new IllegalArgumentException(settings + ".key-file: needs cert-file, the certificate it is the key of");
        }
        try {
            TrustManager[] trust = verify ? null : new TrustManager[] {new AnyServer()};
            if (verify && caCertFile != null) {
                trust = trustManagers(read(settings + ".ca-cert-file", caCertFile, PemTls::trustStore));
            }
            KeyManager[] keys = certFile == null ? null : clientKeyManagers(certFile, keyFile, settings);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(settings + ": " + e.getMessage(), e);
        }
    }

    /**
     * A trust store of every certificate in a PEM file; other blocks (a key, a CRL) may share it.
     *
     * @throws IllegalArgumentException when the file holds no certificate
     */
    public static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = emptyStore();
        int i = 0;
        for (Certificate ca : certificates(pem)) {
            store.setCertificateEntry("ca-" + i++, ca);
        }
        return store;
    }

    /** The trust managers of a trust store, as {@link SSLContext#init} takes them. */
    public static TrustManager[] trustManagers(KeyStore trusted) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        return factory.getTrustManagers();
    }

    /**
     * The key managers of a client certificate: the chain of {@code certFile} with the key of
     * {@code keyFile}, or when that is {@code null}, the key {@code certFile} holds too.
     *
     * @param settings the settings block, such as {@code tls}, whose {@code cert-file} and
     *     {@code key-file} name the files
     * @throws IllegalArgumentException naming the setting, the file that cannot be used, and why:
     *     {@code cert-file holds no private key: set key-file} without {@code keyFile}
     */
    public static KeyManager[] clientKeyManagers(Path certFile, Path keyFile, String settings) {
        PrivateKey key = keyFile != null ? read(settings + ".key-file", keyFile, PemTls::privateKey)
                : read(settings + ".cert-file", certFile, path -> privateKey(path, "cert-file holds no private key:"
                        + " set key-file"));
        return read(settings + ".cert-file", certFile, path -> keyManagers(key, path));
    }

    /** The key managers of {@code key} with the certificate chain of a PEM file, which may hold the key too. */
    private static KeyManager[] keyManagers(PrivateKey key, Path certFile) throws IOException, GeneralSecurityException {
        KeyStore store = emptyStore();
        store.setKeyEntry("client", key, NO_PASSWORD, certificates(certFile).toArray(Certificate[]::new));
        return keyManagers(store, NO_PASSWORD);
    }

    /** The key managers of a key store whose keys are protected by {@code password}. */
    public static KeyManager[] keyManagers(KeyStore keys, char[] password) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        return factory.getKeyManagers();
    }

    /**
     * A key store file (PKCS#12 or JKS), opened with its password.
     *
     * @param passwordSetting the setting that gives the password, such as {@code tls.key-store-password}
     * @throws IOException when it cannot be opened; for a wrong password, its message names
     *     {@code passwordSetting}
     */
    public static KeyStore keyStore(Path file, Secret password, String passwordSetting) throws IOException,
            GeneralSecurityException {
        try {
            return KeyStore.getInstance(file.toFile(), password.value().toCharArray());
        } catch (IOException e) {
            throw e.getCause() instanceof UnrecoverableKeyException ? new IOException(e.getMessage() + " (check "
                    + passwordSetting + ")", e) : e;
        }
    }

    /**
     * The unencrypted private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
     * ({@code BEGIN RSA PRIVATE KEY}); other blocks (certificates, EC parameters) may share the file.
     *
     * @throws IllegalArgumentException for an encrypted or other key, saying how to convert it
     */
    public static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        return privateKey(pem, NO_KEY);
    }

    /** {@link #privateKey(Path)}, saying {@code none} when the file holds no key. */
    private static PrivateKey privateKey(Path pem, String none) throws IOException, GeneralSecurityException {
        Matcher block = blocks(pem);
        while (block.find()) {
            String content = block.group(2);
            if (content.contains("Proc-Type: 4,ENCRYPTED")) { // a traditional key encrypted by openssl genrsa -aes256
                throw new IllegalArgumentException(ENCRYPTED_KEY);
            }
            byte[] der = Base64.getMimeDecoder().decode(content.strip());
            switch (block.group(1)) {
                case "PRIVATE KEY":
                    return pkcs8(der);
                case "RSA PRIVATE KEY":
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                            tagged(0x30, concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tagged(0x04, der)))));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException(ENCRYPTED_KEY);
                case "EC PRIVATE KEY":
                    throw new IllegalArgumentException("EC keys must be PKCS#8"
                            + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
                default:
                    // another block
            }
        }
        throw new IllegalArgumentException(none);
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

    /**
     * Reads the TLS file a setting names, for example
     * {@code read("tls.ca-file", path, PemTls::trustStore)}.
     *
     * @param setting the setting's key, such as {@code msight.redis.tls.ca-cert-file}, for messages
     * @throws IllegalArgumentException {@code <setting>: <file>: <why>}, the file as an absolute path
     */
    public static <T> T read(String setting, Path file, FileReader<T> reader) {
        Path absolute = file.toAbsolutePath();
        if (!Files.isReadable(absolute)) {
            throw new IllegalArgumentException(setting + ": " + absolute + ": "
                    + (Files.exists(absolute) ? "not readable (permission denied)" : "no such file"));
        }
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(setting + ": " + absolute + ": a folder, not a file: give the path of"
                    + " the file in it");
        }
        try {
            return reader.read(file);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            String reason = e instanceof NoSuchFileException ? "no such file" // gone since the check above
                    : e instanceof AccessDeniedException ? "not readable (permission denied)"
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IllegalArgumentException(setting + ": " + absolute + ": " + reason, e);
        }
    }

    /** Reads what a TLS file holds: for {@link #read}, such as {@link #trustStore} or {@link #privateKey}. */
    @FunctionalInterface
    public interface FileReader<T> {
        /** The content of {@code file}. */
        T read(Path file) throws IOException, GeneralSecurityException;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    /**
     * The certificates of a PEM file, in order. As Python's ssl reads it, other blocks (the
     * certificate's key, a CRL) and text around the blocks (a byte order mark) are passed over.
     */
    private static List<Certificate> certificates(Path pem) throws GeneralSecurityException, IOException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<Certificate> certificates = new ArrayList<>();
        Matcher block = blocks(pem);
        while (block.find()) {
            if (block.group(1).equals("CERTIFICATE")) {
                byte[] der = Base64.getMimeDecoder().decode(block.group(2).strip());
                certificates.add(factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        return certificates;
    }

    /** The PEM blocks of a file, for {@link Matcher#find}. */
    private static Matcher blocks(Path pem) throws IOException {
        // Latin-1 reads any byte: text around the blocks may not be ASCII (a byte order mark, openssl's
        // Bag Attributes with a friendlyName in UTF-8), and the blocks' Base64 reads the same
        return BLOCK.matcher(Files.readString(pem, StandardCharsets.ISO_8859_1));
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException tryNext) {
                // another algorithm
            }
        }
        throw new IllegalArgumentException("the PKCS#8 key is not an RSA, EC or Ed25519 key");
    }

    /** A DER element: tag, definite length, content. */
    private static byte[] tagged(int tag, byte[] content) {
        int length = content.length;
        byte[] header;
        if (length < 0x80) {
            header = new byte[] {(byte) tag, (byte) length};
        } else if (length < 0x100) {
            header = new byte[] {(byte) tag, (byte) 0x81, (byte) length};
        } else if (length < 0x10000) {
            header = new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
        } else {
            header = new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
        }
        return concat(header, content);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int position = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, position, part.length);
            position += part.length;
        }
        return all;
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

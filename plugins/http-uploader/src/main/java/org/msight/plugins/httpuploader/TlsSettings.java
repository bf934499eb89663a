package org.msight.plugins.httpuploader;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.msight.api.PemTls;
import org.msight.api.Secret;

/**
 * The {@code tls} block: which CA certificates to trust (a PEM file or a trust store; the JVM's
 * by default) and the client certificate for mutual TLS (PEM files, its key in {@code key-file} or
 * in {@code cert-file}, or a key store; none by default). Empty strings mean "not set".
 *
 * @param caFileVariable the environment variable {@code caFile} came from ({@link #withCaBundleOf});
 *     empty where {@code tls.ca-file} names it
 */
record TlsSettings(String caFile, String caFileVariable, String trustStore, Secret trustStorePassword,
        String certFile, String keyFile, String keyStore, Secret keyStorePassword) {

    /** The variables that name the CA file of MSight's requests, in the order it reads them. */
    private static final List<String> CA_BUNDLE_VARIABLES = List.of("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE");

    static TlsSettings from(Config tls) {
        TlsSettings settings = new TlsSettings(string(tls, "ca-file"), "", string(tls, "trust-store"),
                Secret.of(string(tls, "trust-store-password")), string(tls, "cert-file"), string(tls, "key-file"),
                string(tls, "key-store"), Secret.of(string(tls, "key-store-password")));
        settings.check();
        return settings;
    }

    private static String string(Config tls, String key) {
        return tls.hasPath(key) ? UploaderSettings.get(tls, key, Config::getString).trim() : "";
    }

    private void check() {
        if (!caFile.isEmpty() && !trustStore.isEmpty()) {
            throw new IllegalArgumentException("tls.ca-file: set either tls.ca-file or tls.trust-store, not both");
        }
        if (certFile.isEmpty() && !keyFile.isEmpty()) {
            throw new IllegalArgumentException("tls.cert-file: needed with tls.key-file");
        }
        if (!certFile.isEmpty() && !keyStore.isEmpty()) {
            throw new IllegalArgumentException("tls.key-store: set either tls.cert-file (and tls.key-file), or"
                    + " tls.key-store, not both");
        }
    }

    /**
     * These settings with the CA file MSight's requests trusts where the block names no CA: the
     * one {@code REQUESTS_CA_BUNDLE}, else {@code CURL_CA_BUNDLE}, names in {@code environment}
     * (an empty one is not set), trusted in place of the JVM's CAs, as {@code ca-file} is.
     */
    TlsSettings withCaBundleOf(Map<String, String> environment) {
        if (!caFile.isEmpty() || !trustStore.isEmpty()) {
            return this;
        }
        return CA_BUNDLE_VARIABLES.stream().filter(variable -> !environment.getOrDefault(variable, "").isEmpty())
                .findFirst().map(variable -> new TlsSettings(environment.get(variable), variable, trustStore,
                        trustStorePassword, certFile, keyFile, keyStore, keyStorePassword))
                .orElse(this);
    }

    /** Whether the block sets anything. */
    boolean configured() {
        return caFileVariable.isEmpty() && !caFile.isEmpty() || !(trustStore + certFile + keyStore).isEmpty();
    }

    /** The files set, which {@link #sslContext} reads. */
    List<Path> files() {
        return Stream.of(caFile, trustStore, certFile, keyFile, keyStore).filter(file -> !file.isEmpty())
                .map(Path::of).toList();
    }

    /** Whether a client certificate is set. */
    boolean hasClientCertificate() {
        return !(certFile + keyStore).isEmpty();
    }

    /**
     * The TLS context these settings describe, reading the files now.
     *
     * @param withoutClientCertificate the key manager to use when no client certificate is set
     * @throws IllegalArgumentException naming the key whose file is missing or unreadable
     */
    SSLContext sslContext(KeyManager withoutClientCertificate) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManager[] keyManagers = hasClientCertificate() ? keyManagers() : new KeyManager[] {withoutClientCertificate};
            context.init(keyManagers, trustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("tls: cannot set up TLS with these files: " + e.getMessage(), e);
        }
    }

    private TrustManager[] trustManagers() throws GeneralSecurityException {
        KeyStore trusted;
        if (!caFile.isEmpty()) {
            trusted = PemTls.read(caFileVariable.isEmpty() ? "tls.ca-file" : caFileVariable, Path.of(caFile),
                    PemTls::trustStore);
        } else if (!trustStore.isEmpty()) {
            trusted = PemTls.read("tls.trust-store", Path.of(trustStore), path -> PemTls.keyStore(path,
                    trustStorePassword, "tls.trust-store-password"));
        } else {
            return null;
        }
        return PemTls.trustManagers(trusted);
    }

    /** The key managers of the client certificate, which is set. */
    private KeyManager[] keyManagers() throws GeneralSecurityException {
        if (!certFile.isEmpty()) {
            return PemTls.clientKeyManagers(Path.of(certFile), keyFile.isEmpty() ? null : Path.of(keyFile), "tls");
        }
        return PemTls.read("tls.key-store", Path.of(keyStore), path -> PemTls.keyManagers(PemTls.keyStore(path,
                keyStorePassword, "tls.key-store-password"), keyStorePassword.value().toCharArray()));
    }
}

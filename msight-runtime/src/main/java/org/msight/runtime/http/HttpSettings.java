package org.msight.runtime.http;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.msight.api.PemTls;
import org.msight.api.Secret;

/**
 * The {@code msight.http} block, checked.
 *
 * @param enabled whether the process serves the endpoint
 * @param host the address listened on
 * @param port the TCP port; 0 picks a free one
 * @param token the bearer token requests must carry; empty for none (never logged)
 * @param keyStore a key store to serve HTTPS from; {@code null} for plain HTTP
 * @param keyStorePassword its password
 * @param maxPreviewViewers MJPEG viewers at once
 * @param maxPreviewRate frames per second a preview sends at most
 */
public record HttpSettings(boolean enabled, String host, int port, Secret token, Path keyStore,
        Secret keyStorePassword, int maxPreviewViewers, double maxPreviewRate) {

    /**
     * Reads the block, which the runtime has checked against its declaration; throws
     * {@link IllegalArgumentException} naming the key when the key store cannot be read or
     * opened with its password.
     */
    public static HttpSettings from(Config http) {
        String keyStore = http.getString("tls.key-store").trim();
        Secret password = Secret.of(http.getString("tls.key-store-password"));
        if (!keyStore.isEmpty()) {
            check(Path.of(keyStore), password);
        }
        return new HttpSettings(http.getBoolean("enabled"), http.getString("host").trim(), http.getInt("port"),
                Secret.of(http.getString("token")), keyStore.isEmpty() ? null : Path.of(keyStore), password,
                http.getInt("max-preview-viewers"), http.getDouble("max-preview-rate"));
    }

    /** Opens the key store as the server will, so that a wrong password is a setting's error, not a warning at start. */
    private static void check(Path keyStore, Secret password) {
        PemTls.read("tls.key-store", keyStore, path -> PemTls.keyStore(path, password, "tls.key-store-password"));
    }

    /** Whether only this machine can connect (a loopback address). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

}

package org.msight.runtime.http;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * {@link IllegalArgumentException} naming the key when the key store cannot be read.
     */
    public static HttpSettings from(Config http) {
        String keyStore = http.getString("tls.key-store").trim();
        if (!keyStore.isEmpty() && !Files.isReadable(Path.of(keyStore))) {
            throw new IllegalArgumentException("tls.key-store: cannot read " + keyStore);
        }
        return new HttpSettings(http.getBoolean("enabled"), http.getString("host").trim(), http.getInt("port"),
                Secret.of(http.getString("token")), keyStore.isEmpty() ? null : Path.of(keyStore),
                Secret.of(http.getString("tls.key-store-password")), http.getInt("max-preview-viewers"),
                http.getDouble("max-preview-rate"));
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

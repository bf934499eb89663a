package org.msight.runtime.http;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

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
public record HttpSettings(boolean enabled, String host, int port, String token, Path keyStore,
        String keyStorePassword, int maxPreviewViewers, double maxPreviewRate) {

    /** Reads and checks the block; throws {@link IllegalArgumentException} naming the key. */
    public static HttpSettings from(Config http) {
        int port = http.getInt("port");
        require(port >= 0 && port <= 65535, "port", "must be from 0 to 65535, not " + port);
        String host = http.getString("host").trim();
        require(!host.isEmpty(), "host", "must not be empty (127.0.0.1 for this machine only)");
        String keyStore = http.getString("tls.key-store").trim();
        require(keyStore.isEmpty() || Files.isReadable(Path.of(keyStore)), "tls.key-store",
                "cannot read " + keyStore);
        int viewers = http.getInt("max-preview-viewers");
        require(viewers >= 1, "max-preview-viewers", "must be at least 1, not " + viewers);
        double rate = http.getDouble("max-preview-rate");
        require(rate > 0, "max-preview-rate", "must be above 0, not " + rate);
        return new HttpSettings(http.getBoolean("enabled"), host, port, http.getString("token"),
                keyStore.isEmpty() ? null : Path.of(keyStore), http.getString("tls.key-store-password"), viewers, rate);
    }

    /** Whether only this machine can connect (a loopback address). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Without the token and password. */
    @Override
    public String toString() {
        return "HttpSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token="
                + (token.isEmpty() ? "none" : "***") + ", keyStore=" + keyStore + ", maxPreviewViewers="
                + maxPreviewViewers + ", maxPreviewRate=" + maxPreviewRate + "]";
    }

    private static void require(boolean condition, String key, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(key + ": " + problem);
        }
    }
}

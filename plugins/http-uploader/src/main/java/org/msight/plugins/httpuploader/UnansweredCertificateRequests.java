package org.msight.plugins.httpuploader;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of a node without a client certificate: it has no keys, and notes when a
 * server asked for one, so a failed upload can say that the server wants mutual TLS (with TLS
 * 1.3 the client only sees the connection close). An answer forgets it: that server takes
 * connections without one (it only wants one), so a later failure is not for want of it.
 */
final class UnansweredCertificateRequests extends X509ExtendedKeyManager {

    private volatile boolean seen;

    /** Whether a server has asked for a client certificate and none has answered since. */
    boolean seen() {
        return seen;
    }

    /** A server answered an upload. */
    void answered() {
        if (seen) { // a read per answer, not a write
            seen = false;
        }
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        seen = true;
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        seen = true;
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }
}

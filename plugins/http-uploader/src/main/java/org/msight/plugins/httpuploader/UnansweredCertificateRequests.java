package org.msight.plugins.httpuploader;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of a node without a client certificate: it has no keys, and notes when a
 * server asked for one, so a failed upload can say that the server needs mutual TLS (with TLS
 * 1.3 the client only sees the connection close). A server that asked and then answered takes
 * connections without one (it only wants one, and asks again at each): no failure is put down
 * to it from then on.
 */
final class UnansweredCertificateRequests extends X509ExtendedKeyManager {

    private volatile boolean asked;
    private volatile boolean answeredWithout;

    /** Whether a server has asked for a client certificate, and none has answered an upload without one. */
    boolean seen() {
        return asked && !answeredWithout;
    }

    /** A server answered an upload. */
    void answered() {
        if (asked && !answeredWithout) { // reads per answer; a write once
            answeredWithout = true;
        }
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        asked = true;
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        asked = true;
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

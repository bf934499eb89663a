package org.msight.plugins.httpuploader;

import java.net.SocketAddress;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.ssl.TransportSecurityLayer;
import org.apache.hc.core5.util.Timeout;

/** HttpClient's TLS, each connection's handshake handed to the strategy {@link #tls()} gives at its start. */
abstract class DelegatedTls implements TlsStrategy {

    /** The strategy for a connection whose handshake starts now. */
    abstract TlsStrategy tls();

    @Override
    public final void upgrade(TransportSecurityLayer session, NamedEndpoint endpoint, Object attachment,
            Timeout handshakeTimeout, FutureCallback<TransportSecurityLayer> callback) {
        tls().upgrade(session, endpoint, attachment, handshakeTimeout, callback);
    }

    @Deprecated
    @Override
    public final boolean upgrade(TransportSecurityLayer session, HttpHost host, SocketAddress localAddress,
            SocketAddress remoteAddress, Object attachment, Timeout handshakeTimeout) {
        return tls().upgrade(session, host, localAddress, remoteAddress, attachment, handshakeTimeout);
    }
}

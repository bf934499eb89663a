package org.msight.plugins.natsbus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A TLS context whose every socket and engine checks that the server's certificate names the host
 * connected to (endpoint identification {@code HTTPS}), as Python's {@code ssl} does for MSight and
 * the other buses do. The NATS client (jnats) makes its TLS sockets from
 * {@link SSLContext#getSocketFactory()} with the server URL's host and sets no such check: any
 * certificate of a trusted CA would be taken, a man in the middle's too.
 */
final class HostCheckedTls extends SSLContextSpi {

    private final SSLContext context;

    private HostCheckedTls(SSLContext context) {
        this.context = context;
    }

    /** {@code context}, initialized already, with the host name check on everything it makes. */
    static SSLContext of(SSLContext context) {
        return new SSLContext(new HostCheckedTls(context), context.getProvider(), context.getProtocol()) {
        };
    }

    @Override
    protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) {
        throw new UnsupportedOperationException("initialized already");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return new CheckingSockets(context.getSocketFactory());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return context.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return checked(context.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return checked(context.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return context.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return context.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return checking(context.getDefaultSSLParameters());
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return context.getSupportedSSLParameters();
    }

    private static SSLEngine checked(SSLEngine engine) {
        engine.setSSLParameters(checking(engine.getSSLParameters()));
        return engine;
    }

    private static Socket checked(Socket socket) {
        SSLSocket tls = (SSLSocket) socket;
        tls.setSSLParameters(checking(tls.getSSLParameters()));
        return tls;
    }

    private static SSLParameters checking(SSLParameters parameters) {
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /** The context's socket factory, with the host name check on each socket. */
    private static final class CheckingSockets extends SSLSocketFactory {

        private final SSLSocketFactory sockets;

        CheckingSockets(SSLSocketFactory sockets) {
            this.sockets = sockets;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return sockets.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return sockets.getSupportedCipherSuites();
        }

        /** TLS over {@code socket}, connected to {@code host}: the one jnats makes. */
        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return checked(sockets.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException {
            return checked(sockets.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return checked(sockets.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return checked(sockets.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return checked(sockets.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress localHost, int localPort)
                throws IOException {
            return checked(sockets.createSocket(host, port, localHost, localPort));
        }
    }
}

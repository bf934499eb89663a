package org.msight.plugins.natsbus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;
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
 *
 * <p>A server the cluster announces, which the client adds by its address alone (nats-server's
 * default {@code connect_urls}), is checked, and told by SNI, by the name of the first configured
 * server given by name, as nats-py checks it by the name of the server that announced it: its
 * certificate, made for that name, would never name the address.
 */
final class HostCheckedTls extends SSLContextSpi {

    /** An IPv4 address, or an IPv6 one (with ':', in brackets in a URL), as jnats tells a URL's host is one. */
    private static final Pattern ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|.*:.*");

    private final SSLContext context;
    private final List<String> configuredHosts;
    /** The name announced servers are checked by; null when every configured server is given by address. */
    private final String clusterName;
    private volatile String lastServer;

    private HostCheckedTls(SSLContext context, List<String> configuredHosts) {
        this.context = context;
        this.configuredHosts = List.copyOf(configuredHosts);
        this.clusterName = configuredHosts.stream().filter(host -> !isAddress(host)).findFirst().orElse(null);
    }

    /**
     * {@code context}, initialized already, with the host name check on everything it makes.
     *
     * @param configuredHosts the hosts of the configured servers' URLs
     */
    static Context of(SSLContext context, List<String> configuredHosts) {
        return new Context(new HostCheckedTls(context, configuredHosts), context);
    }

    /** The context jnats is given, which tells the server it last began TLS with. */
    static final class Context extends SSLContext {

        private final HostCheckedTls checked;

        private Context(HostCheckedTls checked, SSLContext context) {
            super(checked, context.getProvider(), context.getProtocol());
            this.checked = checked;
        }

        /** {@code host:port} of the server the last TLS socket was made for, and the name checked if not its host. */
        String lastServer() {
            return checked.lastServer;
        }
    }

    /** The name to check {@code host}'s certificate by: {@link #clusterName} for an address not configured. */
    private String nameToCheck(String host) {
        return clusterName != null && isAddress(host) && !configuredHosts.contains(host) ? clusterName : host;
    }

    private static boolean isAddress(String host) {
        return ADDRESS.matcher(host).matches();
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
    private final class CheckingSockets extends SSLSocketFactory {

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

        /** TLS over {@code socket}, connected to {@code host}: the one jnats makes, with the URL's host. */
        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            String name = nameToCheck(host);
            lastServer = host + ":" + port + (name.equals(host) ? "" : " (checked as " + name + ")");
            return checked(sockets.createSocket(socket, name, port, autoClose));
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

package org.msight.plugins.redisbus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy to a local server, for network faults a real server cannot show: open
 * connections can go silent (nothing moves either way, nothing is closed, as when a network
 * path dies without a reset), bytes can be sent to clients as if the server had sent them, and
 * new connections can wait in their TCP connect (a server too busy to accept them).
 */
final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    /** The connections that fill the queue of those waiting to be accepted. */
    private final List<Socket> fillers = new CopyOnWriteArrayList<>();
    private final Object acceptance = new Object();
    private boolean accepting = true; // guarded by acceptance

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where clients connect. */
    int port() {
        return server.getLocalPort();
    }

    /** How many connections the proxy has accepted. */
    int connections() {
        return links.size();
    }

    /** How many of the connections accepted are open still: neither side closed it. */
    int openConnections() {
        return (int) links.stream().filter(link -> !link.client.isClosed()).count();
    }

    /**
     * Stops accepting connections (but the one being accepted now) and fills the queue of those
     * the kernel holds for accepting: a new connection's TCP connect then waits, its SYN unanswered,
     * until {@link #acceptAgain()}.
     */
    void fillAcceptQueue() throws IOException {
        synchronized (acceptance) {
            accepting = false;
        }
        while (true) {
            Socket filler = new Socket();
            try {
                filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 1000);
                fillers.add(filler);
            } catch (SocketTimeoutException full) {
                filler.close();
                return;
            }
        }
    }

    /** Accepts connections again, the queued ones first: a connect that waited then gets through. */
    void acceptAgain() {
        synchronized (acceptance) {
            accepting = true;
            acceptance.notifyAll();
        }
    }

    /** The connections open now stop passing bytes for good, without closing; later ones work. */
    void silenceOpenConnections() {
        links.forEach(link -> link.silent = true);
    }

    /** Sends {@code bytes} to the client of every open connection, as if from the server. */
    void sendToClients(byte[] bytes) throws IOException {
        for (Link link : links) {
            if (!link.silent) {
                link.toClient(bytes, bytes.length);
            }
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                synchronized (acceptance) {
                    while (!accepting) {
                        acceptance.wait();
                    }
                }
                Socket client = server.accept();
                Link link = new Link(client, new Socket(InetAddress.getLoopbackAddress(), targetPort));
                links.add(link);
                link.start();
            } catch (IOException e) {
                // closed, or the server refused: the client sees its connection end
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptAgain(); // the acceptor sees the server closed
        for (Link link : links) {
            link.close();
        }
        for (Socket filler : fillers) {
            filler.close();
        }
    }

    /** One proxied connection: a thread per direction. */
    private static final class Link {
        private final Socket client;
        private final Socket upstream;
        volatile boolean silent;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() throws IOException {
            OutputStream toUpstream = upstream.getOutputStream();
            pump(client.getInputStream(), (bytes, length) -> toUpstream.write(bytes, 0, length));
            pump(upstream.getInputStream(), this::toClient);
        }

        synchronized void toClient(byte[] bytes, int length) throws IOException {
            client.getOutputStream().write(bytes, 0, length);
        }

        private interface Sink {
            void write(byte[] bytes, int length) throws IOException;
        }

        /** Passes bytes on until either side closes; once silent, drops them. */
        private void pump(InputStream in, Sink out) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        if (!silent) {
                            out.write(buffer, n);
                        }
                    }
                } catch (IOException e) {
                    // a side closed
                }
                if (!silent) {
                    close();
                }
            }, "tcp-proxy-pump");
            thread.setDaemon(true);
            thread.start();
        }

        void close() {
            for (Socket socket : new Socket[] {client, upstream}) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}

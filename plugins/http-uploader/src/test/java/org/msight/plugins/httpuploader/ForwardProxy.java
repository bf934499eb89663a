package org.msight.plugins.httpuploader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forward HTTP proxy on a loopback port, as an edge box's network has one: a request in
 * absolute form goes to its host, a {@code CONNECT} opens a tunnel; past each connection's first
 * head, bytes are relayed as they are. It keeps the heads it was sent, and may ask for Basic
 * credentials with a 407, and refuse the first requests with one whatever they carry (an
 * authentication backend that failed a moment).
 */
final class ForwardProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final ExecutorService relays = Executors.newCachedThreadPool();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final String requiredAuthorization;
    private final AtomicInteger refusedFirst;

    /** @param requiredAuthorization the {@code Proxy-Authorization} value to ask for, or {@code null} for none */
    ForwardProxy(String requiredAuthorization) throws IOException {
        this(requiredAuthorization, 0);
    }

    /** @param refusedFirst how many requests, first, get a 407 though they carry the credentials */
    ForwardProxy(String requiredAuthorization, int refusedFirst) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        this.refusedFirst = new AtomicInteger(refusedFirst);
        listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        relays.execute(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    /** The first head of each connection, in the order they came. */
    List<String> heads() {
        return heads;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                relays.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        open.add(client);
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            while (head != null && requiredAuthorization != null
                    && (!head.contains("\r\nProxy-Authorization: " + requiredAuthorization + "\r\n")
                            || refusedFirst.getAndDecrement() > 0)) {
                heads.add(head);
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"edge\"\r\n"
                        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                if (!head.startsWith("CONNECT ")) {
                    return; // a body may follow: the connection ends
                }
                head = readHead(in);
            }
            if (head == null) {
                return;
            }
            heads.add(head);
            String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
            boolean tunnel = requestLine[0].equals("CONNECT");
            URI target = URI.create(tunnel ? "tcp://" + requestLine[1] : requestLine[1]);
            try (Socket server = new Socket(target.getHost(), target.getPort())) {
                open.add(server);
                if (tunnel) {
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    server.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
                }
                relays.execute(() -> relay(server, client));
                relay(client, server);
            }
        } catch (IOException ended) {
            // the client or server went away: the connection ends
        }
    }

    private static void relay(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException ended) {
            // either side closed
        }
    }

    /** A request's head, up to its empty line; {@code null} at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : open) {
            socket.close();
        }
        relays.shutdownNow();
    }
}

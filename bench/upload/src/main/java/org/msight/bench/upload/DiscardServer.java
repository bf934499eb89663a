package org.msight.bench.upload;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The server both clients upload to, in its own JVM so that neither client's CPU figure includes
 * it: the JDK's HTTP server, reading and discarding each body and answering 200 with a short
 * JSON, as the tutorial's server does.
 */
public final class DiscardServer {

    private DiscardServer() {
    }

    public static void main(String[] args) throws IOException {
        // Without this the JDK's server answers small responses after a delayed-ACK wait (40 ms).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(args[0])), 256);
        server.setExecutor(Executors.newFixedThreadPool(48));
        server.createContext("/", DiscardServer::handle);
        server.start();
        System.out.println("listening");
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long received = 0;
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = exchange.getRequestBody()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                }
            }
            byte[] answer = ("{\"status_code\": \"ok\", \"text\": \"Server received " + received + " bytes\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }
}

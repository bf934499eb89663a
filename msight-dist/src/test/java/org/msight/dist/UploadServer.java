package org.msight.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.msight.testkit.FreePorts;

/** A real HTTP server that answers like MSight's tutorial server and keeps what it received. */
final class UploadServer implements AutoCloseable {

    /** One request: its query, X-Partition-Key header and parsed JSON body. */
    record Upload(String query, String partitionKey, String contentType, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Upload> uploads = new CopyOnWriteArrayList<>();

    UploadServer() throws IOException {
        this(FreePorts.next());
    }

    /** A server on {@code port}: one that comes back where an earlier one was. */
    UploadServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                uploads.add(new Upload(exchange.getRequestURI().getQuery(),
                        exchange.getRequestHeaders().getFirst("X-Partition-Key"),
                        exchange.getRequestHeaders().getFirst("Content-Type"), JSON.readTree(body)));
                byte[] answer = ("{\"status_code\": \"ok\", \"text\": \"Server received " + body.length + " bytes\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Upload> uploads() {
        return uploads;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

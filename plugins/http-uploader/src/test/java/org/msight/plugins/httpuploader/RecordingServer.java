package org.msight.plugins.httpuploader;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.msight.testkit.FreePorts;

/**
 * A real HTTP(S) server on a loopback port, built on the JDK's {@code com.sun.net.httpserver},
 * that records every request it receives in full and answers with the status a test chooses
 * (by request number). It counts requests being handled at once, and can hold requests (a
 * stalled server) until released. It can be stopped and started again on the same port.
 */
final class RecordingServer implements AutoCloseable {

    /** One received request. */
    record Request(String method, URI uri, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        /** The value of one query parameter, decoded. */
        String query(String name) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] parts = pair.split("=", 2);
                if (parts[0].equals(name)) {
                    return URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    private final int port;
    private final SSLContext tls;
    private final ClientCertificate clientCertificate;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Request> everyRequest = new CopyOnWriteArrayList<>();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger handling = new AtomicInteger();
    private final AtomicInteger mostHandledAtOnce = new AtomicInteger();
    private volatile IntUnaryOperator statusByRequestNumber = n -> 200;
    private volatile Duration stall = Duration.ZERO;
    private volatile CountDownLatch release = new CountDownLatch(0);
    private HttpServer server;
    private ExecutorService threads;

    /** What an HTTPS server asks of the client's certificate. */
    enum ClientCertificate { NONE, WANTED, NEEDED }

    private RecordingServer(int port, SSLContext tls, ClientCertificate clientCertificate) {
        this.port = port;
        this.tls = tls;
        this.clientCertificate = clientCertificate;
    }

    /** A plain HTTP server, started. */
    static RecordingServer http() {
        return new RecordingServer(FreePorts.next(), null, ClientCertificate.NONE).start();
    }

    /** An HTTPS server with the given certificate, needing a client certificate if {@code mutual}, started. */
    static RecordingServer https(SSLContext tls, boolean mutual) {
        return https(tls, mutual ? ClientCertificate.NEEDED : ClientCertificate.NONE, FreePorts.next());
    }

    /** An HTTPS server on {@code port} with the given certificate, asking for a client's as said, started. */
    static RecordingServer https(SSLContext tls, ClientCertificate clientCertificate, int port) {
        return new RecordingServer(port, tls, clientCertificate).start();
    }

    /** Starts (again) on the same port. */
    RecordingServer start() {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            if (tls != null) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                        if (clientCertificate == ClientCertificate.NEEDED) { // each setter clears the other
                            ssl.setNeedClientAuth(true);
                        } else {
                            ssl.setWantClientAuth(clientCertificate == ClientCertificate.WANTED);
                        }
                        parameters.setSSLParameters(ssl);
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(address, 64);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** Stops listening and drops open connections. */
    void stop() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    String url(String path) {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + port + path;
    }

    /** Answers request number n (from 1, counting every request received) with the given status. */
    void answer(IntUnaryOperator statusByRequestNumber) {
        this.statusByRequestNumber = statusByRequestNumber;
    }

    /** Holds every request after reading its body until {@link #release()} or {@code limit} passes. */
    void stall(Duration limit) {
        release = new CountDownLatch(1);
        stall = limit;
    }

    /** Lets stalled requests (and later ones) through. */
    void release() {
        stall = Duration.ZERO;
        release.countDown();
    }

    /** Requests answered with 2xx, in the order they completed. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request received, whatever its answer, in the order they were read. */
    List<Request> everyRequest() {
        return List.copyOf(everyRequest);
    }

    int received() {
        return received.get();
    }

    int handlingNow() {
        return handling.get();
    }

    int mostHandledAtOnce() {
        return mostHandledAtOnce.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = handling.incrementAndGet();
        mostHandledAtOnce.accumulateAndGet(now, Math::max);
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI(),
                    Map.copyOf(exchange.getRequestHeaders()), body);
            everyRequest.add(request);
            int number = received.incrementAndGet();
            if (!stall.isZero()) {
                release.await(stall.toMillis(), TimeUnit.MILLISECONDS);
            }
            int status = statusByRequestNumber.applyAsInt(number);
            byte[] answer = ("{\"status_code\": \"" + (status < 300 ? "ok" : "error") + "\", \"text\": \"Server received "
                    + body.length + " bytes\"}").getBytes(StandardCharsets.UTF_8);
            if (status < 300) {
                requests.add(request);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            handling.decrementAndGet();
        }
    }
}

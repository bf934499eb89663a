package org.msight.runtime.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.runtime.Pipeline;
import org.msight.runtime.node.NodeStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's HTTP endpoint, on Jetty's core {@link Handler} API (no servlets): Prometheus
 * {@code /metrics}, {@code /health}, {@code /ready}, {@code /nodes}, the newest image of a topic
 * and its MJPEG preview, and the dashboard. Jetty's thread pool is bounded; each preview viewer
 * holds one of its threads, and their number is capped. So is the number of connections.
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("msight.http");
    private static final String BOUNDARY = "msight-frame";
    private static final String TOPICS = "/topics/";
    /**
     * How long latest.jpg waits for the first image of a topic just asked about (a topic nobody
     * watched keeps none), holding no thread; past that, a topic without images is answered at once.
     */
    static final Duration FIRST_IMAGE_WAIT = Duration.ofSeconds(3);
    /** How long a preview waits for a frame before it checks whether it should end. */
    private static final long PREVIEW_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * A preview with no new frame for this long writes again (the last frame, or before the first
     * an empty line, which viewers skip), so a viewer that left is noticed and frees its place.
     */
    private static final long PREVIEW_KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Connections taken at once beside the previews' (scrapes, probes, status, a dashboard's few). */
    static final int MAX_CONNECTIONS_BESIDE_PREVIEWS = 128;
    /**
     * How long a connection may be idle (a viewer reading nothing, say): well past a preview's
     * longest silence (its keep-alive), so that no preview is cut.
     */
    private static final Duration IDLE_TIMEOUT = Duration.ofNanos(PREVIEW_KEEPALIVE_NANOS).multipliedBy(3);
    /**
     * How long a connection has to send a whole request head, from its opening (over TLS: to end its
     * handshake, then as long again from there) or its last answer: one trickling bytes keeps no
     * connection the limit counts for longer, and probes get in.
     */
    static final Duration HEAD_DEADLINE = Duration.ofSeconds(5);
    /**
     * Paths Jetty refuses by default as ambiguous, which a topic's name makes: an empty part
     * ({@code /cam/front}, {@code a//b}), an encoded '%' ({@code cam 100%}), '\\' or '/' (a name
     * encoded whole). No file is served, so nothing is reached by them but the topic they name.
     */
    private static final UriCompliance TOPIC_NAMES = UriCompliance.DEFAULT.with("msight topic names",
            UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
            UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS, UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR);

    private final Server server;
    private final ServerConnector connector;
    private volatile boolean closed;
    /** What {@code /ready} and {@code /nodes} say before the pipeline is created. */
    private static final String NOT_CREATED = "the pipeline is not created yet";
    /** What is served; {@code null} until {@link #serve} gives it. */
    private volatile Pipeline pipeline;

    private HttpEndpoint(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Serves {@code pipeline} as {@code settings} say; when the port is taken, logs one warning
     * and returns {@code null}: the pipeline runs on without the endpoint.
     *
     * @param pipeline what to serve, or {@code null} until {@link #serve} gives it (a run that waits
     *     before it creates its pipeline): meanwhile {@code /health}, {@code /} and {@code /metrics}
     *     (empty) answer 200, {@code /nodes} 200 with no nodes and a {@code waiting} note;
     *     {@code /ready} and the topics' paths 503, saying the pipeline is not created yet
     */
    public static HttpEndpoint start(HttpSettings settings, Pipeline pipeline) {
        return start(settings, pipeline, FIRST_IMAGE_WAIT, HEAD_DEADLINE);
    }

    /**
     * As {@link #start(HttpSettings, Pipeline)}, with latest.jpg's wait for a topic's first image and
     * the time a connection has for a request head, which tests set.
     */
    static HttpEndpoint start(HttpSettings settings, Pipeline pipeline, Duration firstImageWait,
            Duration headDeadline) {
        QueuedThreadPool threads = new QueuedThreadPool(8 + settings.maxPreviewViewers(), 2);
        threads.setName("msight-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setUriCompliance(TOPIC_NAMES);
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        ServerConnector connector;
        if (settings.keyStore() != null) {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStorePath(settings.keyStore().toString());
            tls.setKeyStorePassword(settings.keyStorePassword().value());
            config.addCustomizer(new SecureRequestCustomizer(false));
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(tls, "http/1.1"), http);
        } else {
            connector = new ServerConnector(server, 1, 1, http);
        }
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS_BESIDE_PREVIEWS + settings.maxPreviewViewers(), connector,
                headDeadline));
        HttpEndpoint endpoint = new HttpEndpoint(server, connector);
        endpoint.pipeline = pipeline;
        RequestHeadDeadline deadline = new RequestHeadDeadline(connector.getScheduler(), headDeadline);
        http.addEventListener(deadline);
        deadline.setHandler(endpoint.new Routes(settings, firstImageWait.toNanos()));
        server.setHandler(deadline);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            BindException bind = e instanceof BindException b ? b : e.getCause() instanceof BindException b ? b : null;
            boolean taken = bind != null && String.valueOf(bind.getMessage()).contains("already in use");
            LOG.warn("HTTP endpoint not started on {}:{}: {}; the pipeline runs without it{}", settings.host(),
                    settings.port(), taken ? "the port is taken" : bind != null ? LogSafe.text(bind.getMessage())
                            : LogSafe.text(e.toString()), taken
                            ? "; set msight.http.port (a launcher's --http-port) to serve it on another port (msight-run"
                                    + " status on this one reads the other process's endpoint, not this pipeline's)"
                            : bind != null ? "; check msight.http.host (an address of this machine's, or 0.0.0.0 for all)"
                                    + " and msight.http.port (below 1024 only for root)" : "");
            return null;
        }
        LOG.info("HTTP endpoint on {}://{}:{}/ (metrics, health, ready, nodes, topic previews)",
                settings.keyStore() != null ? "https" : "http", settings.host(), endpoint.port());
        if (!settings.loopbackOnly() && settings.token().isEmpty()) {
            LOG.warn("HTTP endpoint on {} is reachable from the network without a token: set msight.http.token",
                    settings.host());
        }
        return endpoint;
    }

    /**
     * Jetty's bound on connections (past it, it accepts none until one closes), saying when it is
     * reached, at most once a minute.
     */
    private static final class ConnectionLimit extends NetworkConnectionLimit {

        private final int max;
        private final Duration headDeadline;
        private final LogThrottle lines = new LogThrottle(Duration.ofMinutes(1));

        ConnectionLimit(int max, Connector connector, Duration headDeadline) {
            super(max, connector);
            this.max = max;
            this.headDeadline = headDeadline;
        }

        @Override
        protected void limit() {
            super.limit();
            if (lines.occurred() > 0) {
                LOG.warn("HTTP endpoint: {} connections open, the most it takes: new ones wait until one closes (one"
                        + " without a whole request is closed after {} s)", max, headDeadline.toSeconds());
            }
        }
    }

    /**
     * Closes an HTTP connection that has not sent a whole request head within its deadline ({@link
     * #HEAD_DEADLINE}) of its opening or of its last answer; Jetty's idle timeout restarts with each byte, so a
     * client sending one now and then would hold its connection for good. Over TLS the time from
     * the opening bounds the handshake, and the head's time begins once it is done. A request being
     * answered (a preview, for as long as it is watched) is never cut.
     */
    private static final class RequestHeadDeadline extends Handler.Wrapper implements Connection.Listener {

        private final Scheduler scheduler;
        private final Duration deadline;
        /** The closing each open connection has pending while it answers no request. */
        private final Map<Connection, Scheduler.Task> closings = new ConcurrentHashMap<>();

        RequestHeadDeadline(Scheduler scheduler, Duration deadline) {
            this.scheduler = scheduler;
            this.deadline = deadline;
        }

        @Override
        public void onOpened(Connection connection) {
            closings.put(connection, closeLater(connection));
            if (connection.getEndPoint() instanceof SslConnection.SslEndPoint tls) {
                tls.getSslConnection().addHandshakeListener(new SslHandshakeListener() {
                    @Override
                    public void handshakeSucceeded(Event event) {
                        restart(connection);
                    }
                });
            }
        }

        @Override
        public void onClosed(Connection connection) {
            Scheduler.Task closing = closings.remove(connection);
            if (closing != null) {
                closing.cancel();
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Connection connection = request.getConnectionMetaData().getConnection();
            Scheduler.Task closing = closings.get(connection);
            if (closing != null) {
                closing.cancel();
                // runs before the connection reads on: its next request cannot be handled first
                Request.addCompletionListener(request, failure -> restart(connection));
            }
            return super.handle(request, response, callback);
        }

        /** Gives {@code connection}, unless closed, the deadline's time anew for its next request head. */
        private void restart(Connection connection) {
            closings.computeIfPresent(connection, (open, closing) -> {
                closing.cancel();
                return closeLater(open);
            });
        }

        private Scheduler.Task closeLater(Connection connection) {
            return scheduler.schedule(connection::close, deadline);
        }
    }

    /** Serves {@code pipeline}, once created, in an endpoint started without one. */
    public void serve(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** The port listened on (the one picked, when the settings said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The scheduler of the endpoint's timeouts, which tests look into. */
    Scheduler scheduler() {
        return connector.getScheduler();
    }

    @Override
    public void close() {
        closed = true;
        stopQuietly(server);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP endpoint: {}", e.toString());
        }
    }

    /** Every path of the endpoint. */
    private final class Routes extends Handler.Abstract {

        private final HttpSettings settings;
        private final byte[] token;
        private final Semaphore viewers;
        private final long previewIntervalNanos;
        private final long firstImageWaitNanos;
        private final String dashboard;

        Routes(HttpSettings settings, long firstImageWaitNanos) {
            this.settings = settings;
            this.firstImageWaitNanos = firstImageWaitNanos;
            this.token = settings.token().value().getBytes(StandardCharsets.UTF_8);
            this.viewers = new Semaphore(settings.maxPreviewViewers());
            this.previewIntervalNanos = (long) (1e9 / settings.maxPreviewRate());
            try (InputStream in = HttpEndpoint.class.getResourceAsStream("dashboard.html")) {
                this.dashboard = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("the runtime jar lacks its dashboard page", e);
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            // latest.jpg serves what a publisher sent: a browser must not read it as anything but its type
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            if (!authorized(request)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                send(response, callback, HttpStatus.UNAUTHORIZED_401, "application/json",
                        "{\"error\":\"a bearer token is required\"}");
                return true;
            }
            String path = Request.getPathInContext(request);
            Pipeline served = pipeline;
            switch (path) {
                case "/", "/index.html" -> send(response, callback, 200, "text/html; charset=utf-8", dashboard);
                // before the pipeline, scraped all the same: a failed scrape is an alert (up = 0)
                case "/metrics" -> send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8",
                        served == null ? "" : served.meters().scrape());
                case "/health" -> send(response, callback, 200, "application/json", "{\"status\":\"UP\"}");
                case "/nodes" -> send(response, callback, 200, "application/json",
                        PipelineStatus.JSON.writeValueAsString(served == null ? PipelineStatus.waiting(NOT_CREATED)
                                : PipelineStatus.of(served)));
                default -> {
                    if (served == null) { // alive, and not ready
                        send(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "application/json",
                                "{\"ready\":false,\"waiting\":\"" + NOT_CREATED + "\"}");
                    } else if (path.equals("/ready")) {
                        ready(served, response, callback);
                    } else {
                        topic(served, path, request, response, callback);
                    }
                }
            }
            return true;
        }

        private boolean authorized(Request request) {
            if (token.length == 0) {
                return true;
            }
            String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            String given = header != null && header.startsWith("Bearer ") ? header.substring(7)
                    : Request.extractQueryParameters(request).getValue("token");
            return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * 200 once every node has opened and every bus is connected; 503 with the nodes that have
         * not opened or are in an outage, and the buses whose connections do not work.
         */
        private void ready(Pipeline pipeline, Response response, Callback callback) throws IOException {
            List<Map<String, String>> waiting = pipeline.nodeStats().stream()
                    .filter(node -> !node.opened() || node.state() == NodeStats.State.OUTAGE
                            || node.state() == NodeStats.State.FAILED)
                    .map(HttpEndpoint::notReady).toList();
            List<BusState> disconnected = pipeline.busesConnected().entrySet().stream()
                    .filter(bus -> !bus.getValue())
                    .map(bus -> new BusState(bus.getKey(), false, pipeline.busOutage(bus.getKey()).orElse(null)))
                    .toList();
            if (waiting.isEmpty() && disconnected.isEmpty()) {
                send(response, callback, 200, "application/json", "{\"ready\":true}");
            } else {
                send(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "application/json",
                        PipelineStatus.JSON.writeValueAsString(new NotReady(false, waiting, disconnected)));
            }
        }

        /**
         * {@code /topics/<view>?topic=<topic>}, which names any topic, or {@code /topics/<topic>/<view>},
         * the path as sent (still percent-encoded): the topic is all between, so its name may hold '/',
         * spaces and any other character, but no part '.' or '..', which clients and Jetty fold away.
         */
        private void topic(Pipeline pipeline, String path, Request request, Response response, Callback callback)
                throws Exception {
            String under = path.startsWith(TOPICS) ? path.substring(TOPICS.length()) : "";
            int slash = under.lastIndexOf('/');
            String named = Request.extractQueryParameters(request).getValue("topic");
            String topic = named != null ? (slash < 0 ? named : null)
                    : slash > 0 ? URIUtil.decodePath(under.substring(0, slash)) : null;
            LatestImages.Slot slot = topic != null ? pipeline.latestImages().watch(topic) : null;
            String view = under.substring(slash + 1);
            if (slot == null) {
                send(response, callback, 404, "application/json", "{\"error\":\"not found\"}");
            } else if (view.equals("latest.jpg")) {
                CompletableFuture<LatestImages.Versioned> latest = slot.first(firstImageWaitNanos);
                if (latest.isDone()) {
                    sendLatest(latest.join(), response, callback);
                } else { // answered on Jetty's threads, none held meanwhile: a dashboard's many topics starve no probe
                    latest.thenAcceptAsync(image -> sendLatest(image, response, callback), server.getThreadPool())
                            .exceptionally(failure -> { // a pool stopping refuses it: the request ends all the same
                                callback.failed(failure);
                                return null;
                            });
                }
            } else if (view.equals("stream.mjpeg")) {
                preview(slot, response, callback);
            } else {
                send(response, callback, 404, "application/json", "{\"error\":\"not found\"}");
            }
        }

        private void sendLatest(LatestImages.Versioned latest, Response response, Callback callback) {
            if (latest == null) {
                send(response, callback, 404, "application/json", "{\"error\":\"no image on this topic yet\"}");
            } else {
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/jpeg");
                response.write(true, ByteBuffer.wrap(latest.image().image()), callback);
            }
        }

        /**
         * Sends the topic's images as they come, at most {@code max-preview-rate} a second. The
         * viewer only ever gets the newest image, so one slower than the topic skips frames.
         */
        private void preview(LatestImages.Slot slot, Response response, Callback callback) throws Exception {
            if (!viewers.tryAcquire()) {
                send(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "application/json",
                        "{\"error\":\"" + settings.maxPreviewViewers() + " previews are open already\"}");
                return;
            }
            slot.viewerJoined();
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "multipart/x-mixed-replace; boundary=" + BOUNDARY);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                LatestImages.Versioned last = null;
                long sent = System.nanoTime();
                while (!closed) {
                    LatestImages.Versioned next = slot.awaitNewer(last == null ? -1 : last.version(), PREVIEW_WAIT_NANOS);
                    if (next == null && System.nanoTime() - sent < PREVIEW_KEEPALIVE_NANOS) {
                        continue;
                    }
                    last = next != null ? next : last;
                    sent = System.nanoTime();
                    if (last == null) {
                        out.write(CRLF); // before the first part: the multipart preamble
                    } else {
                        writePart(out, last.image().image());
                    }
                    out.flush();
                    TimeUnit.NANOSECONDS.sleep(previewIntervalNanos - (System.nanoTime() - sent));
                }
                callback.succeeded();
            } catch (IOException e) {
                callback.failed(e); // the viewer went away
            } finally {
                slot.viewerLeft();
                viewers.release();
            }
        }
    }

    private static void writePart(OutputStream out, byte[] jpeg) throws IOException {
        out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(jpeg);
        out.write(CRLF);
    }

    /** The body of a 503 from {@code /ready}. */
    private record NotReady(boolean ready, List<Map<String, String>> nodes, List<BusState> buses) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record BusState(String bus, boolean connected, String outage) {
    }

    private static Map<String, String> notReady(NodeStats node) {
        Map<String, String> entry = new java.util.LinkedHashMap<>();
        entry.put("node", node.node());
        entry.put("state", node.state().name());
        if (node.outageSince() != null) {
            entry.put("since", node.outageSince().toString());
        }
        if (node.lastError() != null) {
            entry.put("last_error", node.lastError());
        }
        return entry;
    }

    private static void send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        Content.Sink.write(response, true, body, callback);
    }
}

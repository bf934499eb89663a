package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.entity.AbstractBinDataConsumer;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.IOReactorShutdownException;
import org.apache.hc.core5.reactor.IOReactorStatus;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.msight.api.AsyncSinkNode;
import org.msight.api.Counter;
import org.msight.api.LogSafe;
import org.msight.api.NodeContext;
import org.msight.api.RetriableException;
import org.msight.api.Secret;
import org.msight.api.Secrets;
import org.msight.api.RetryAfterException;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * POSTs each message as MSight's JSON to the configured URL, as MSight's {@code HttpSinkNode}
 * does, on HttpClient 5's asynchronous client: one I/O thread for every upload under way, on
 * pooled, kept-alive connections. The runtime decides how many are under way, when they are
 * retried and when an attempt has taken too long (see {@link AsyncSinkNode}); this node makes
 * the request and says what the answer means: 2xx delivered, a status in {@code retry-statuses}
 * (with its {@code Retry-After}) or a connection error retriable, anything else refused.
 */
final class HttpUploader implements AsyncSinkNode {

    /** Bytes of a response body shown in the {@code Status:} line at most. */
    private static final int LOGGED_BODY_BYTES = 2000;
    /** Bytes gathered before each socket write: few system calls per upload. */
    private static final int SOCKET_BUFFER_BYTES = 64 * 1024;
    /** How long closing waits for the exchanges under way before it cuts them. */
    private static final TimeValue SHUTDOWN_WAIT = TimeValue.ofSeconds(1);

    private final UploaderSettings settings;
    private final NodeContext context;
    private final Logger log;
    private final Level uploadLogLevel;
    /**
     * Whether the latest answer was a retriable failure (or none came): the two lines of each
     * upload then go to DEBUG, as each retry would repeat them while the runtime's outage lines
     * say what happens; the first failure's {@code Status:} line, with the server's answer, and
     * the {@code Status:} line of the success that ends it are kept.
     */
    private volatile boolean failing;
    private final TlsStrategy tls;
    private final UnansweredCertificateRequests certificateRequests;
    private final MsightFormats formats;
    private final PartitionKeys partitionKeys;
    private final SentCredentials sentCredentials;
    private final BodyBuffers buffers = new BodyBuffers();
    private final LastKnownDnsResolver dns;
    /** The outcomes of the uploads waiting for a host's first lookup: {@link #close()} ends them. */
    private final Set<CompletableFuture<Void>> waitingForDns = ConcurrentHashMap.newKeySet();
    /** The Authorization header of the url's credentials, made once; {@code null} without them. */
    private final String basicAuthorization;
    /** The URL's host as HttpClient gives it to {@link #dns}: {@code [::1]} with its brackets, IDN in Unicode. */
    private final String host;
    private final Counter uploads;
    private final Counter bytes;
    private boolean waited;
    /** Whether a redirect was followed and said: once a node. */
    private final AtomicBoolean redirectSaid = new AtomicBoolean();
    private volatile CloseableHttpAsyncClient client;
    /** The proxy of each request, from the environment as requests reads it; none in most places. */
    private final ProxyRoutes proxies;
    /** The url's proxy, {@code null} for none. */
    private final EnvironmentProxies.Proxy proxy;

    HttpUploader(UploaderSettings settings, NodeContext context, TlsStrategy tls,
            UnansweredCertificateRequests certificateRequests, PartitionKeys partitionKeys, LastKnownDnsResolver dns,
            EnvironmentProxies proxies) {
        this.settings = settings;
        this.context = context;
        this.log = context.logger();
        this.uploadLogLevel = settings.logUploadsAtDebug() ? Level.DEBUG : Level.INFO;
        this.tls = tls;
        this.certificateRequests = certificateRequests;
        this.formats = context.formats();
        this.partitionKeys = partitionKeys;
        this.dns = dns;
        String token = settings.target().basicToken();
        this.basicAuthorization = token == null ? null : "Basic " + token;
        this.proxies = new ProxyRoutes(proxies);
        this.host = this.proxies.connectHost(settings.target().base());
        this.proxy = this.proxies.proxyFor(settings.target().base());
        this.sentCredentials = new SentCredentials(settings, proxy);
        this.uploads = context.counter("uploads");
        this.bytes = context.counter("bytes");
    }

    @Override
    public void open() throws InterruptedException {
        if (!waited && !settings.startDelay().isZero()) {
            log.info("waiting {} ms before the first upload", settings.startDelay().toMillis());
            if (!context.pauseUnlessStopping(settings.startDelay())) {
                log.info("stopping: the wait before the first upload ends now, to upload what is queued");
            }
        }
        waited = true;
        if (proxy != null) {
            log.info("uploads go through the proxy {} (from {})", proxy.loggable(), proxy.variable());
        }
        if (settings.target().https() && !settings.tls().caFileVariable().isEmpty()) {
            log.info("uploads trust the CAs of {} (from {}), not the JVM's", LogSafe.text(settings.tls().caFile()),
                    settings.tls().caFileVariable());
        }
        dns.open();
        client = started();
    }

    /** A new client, started: its I/O thread runs. */
    private CloseableHttpAsyncClient started() {
        Timeout connectTimeout = Timeout.of(settings.connectTimeout());
        CloseableHttpAsyncClient opened = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        // The runtime keeps attempts under its max-in-flight: connections follow.
                        .setMaxConnTotal(AsyncSinkNode.MAX_IN_FLIGHT)
                        .setMaxConnPerRoute(AsyncSinkNode.MAX_IN_FLIGHT)
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connectTimeout).build())
                        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(connectTimeout).build())
                        .setTlsStrategy(tls)
                        .setDnsResolver(dns)
                        .build())
                .setRoutePlanner(proxies)
                // One I/O thread: an upload costs it microseconds, and a second core is the camera's.
                // The socket's send buffer is left to the kernel, whose autotuning takes a whole body
                // in fewer writes than a fixed 64 KB (bench/upload: 20% less CPU per upload at c16).
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
                // A request's head leaves in one system call with its body: one TCP segment fewer.
                // (It takes the place of HttpClient's wire-log decorator: no org.apache.hc.client5.http.wire log.)
                .setIoSessionDecorator(new HeadWithBody(SOCKET_BUFFER_BYTES))
                .setHttp1Config(Http1Config.custom().setBufferSize(SOCKET_BUFFER_BYTES)
                        .setChunkSizeHint(SOCKET_BUFFER_BYTES).build())
                .setDefaultRequestConfig(RequestConfig.custom().setRedirectsEnabled(false).build())
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableRedirectHandling()
                .disableConnectionState()
                .build();
        opened.start();
        return opened;
    }

    /**
     * What a failed exchange sent with {@code sentWith} tells the runtime: a transport failure or a
     * client stopped, replaced or closed since (its pool shut down) is retriable, not the message's
     * fault; anything else refuses the message.
     */
    private Exception attemptFailure(Exception failure, CloseableHttpAsyncClient sentWith) {
        if (failure instanceof IOException io) {
            return new RetriableException(Failures.describe(io, settings, certificateRequests.seen()), io);
        }
        if (failure instanceof IOReactorShutdownException || sentWith != client) {
            return new RetriableException("the HTTP client it was sent with has stopped (" + failure.getMessage() + ")",
                    failure);
        }
        return failure;
    }

    /** The client to send with: a new one where its I/O thread has stopped; {@code null} once closed. */
    private CloseableHttpAsyncClient sendingClient() {
        CloseableHttpAsyncClient current = client;
        return current != null && stopped(current.getStatus()) ? replacing(current) : current;
    }

    /** Whether an I/O reactor has stopped, or is stopping (not INACTIVE: a new one's thread may not have begun yet). */
    private static boolean stopped(IOReactorStatus status) {
        return status == IOReactorStatus.SHUTTING_DOWN || status == IOReactorStatus.SHUT_DOWN;
    }

    /** The client sending now, {@code null} when closed: for tests, which stop its I/O thread. */
    CloseableHttpAsyncClient client() {
        return client;
    }

    /**
     * A new client in the place of {@code stopped}, whose I/O thread has ended on an error it did
     * not expect (HttpCore stops the I/O reactor on an {@link Error}, such as no direct memory left
     * for a connection's buffer): each later exchange failed at once, as refused, so every message
     * was given up until the node restarted. Said once for each; none after {@link #close()}.
     *
     * @return the client to send with, {@code null} once closed
     */
    private synchronized CloseableHttpAsyncClient replacing(CloseableHttpAsyncClient stopped) {
        if (client == stopped) {
            log.warn("the HTTP client's I/O thread has stopped ({}); starting a new one", stopped.getStatus());
            stopped.close(CloseMode.IMMEDIATE);
            client = started();
        }
        return client;
    }

    @Override
    public CompletionStage<Void> send(SensorData data) {
        CloseableHttpAsyncClient current = sendingClient();
        if (current == null) {
            return CompletableFuture.failedFuture(new RetriableException("the uploader is not open"));
        }
        String partitionKey = partitionKeys.of(data);
        String unsendable = PartitionKeys.unsendable(partitionKey);
        if (unsendable != null) {
            partitionKeys.ended(data);
            return CompletableFuture.failedFuture(new IllegalStateException("its partition key '"
                    + LogSafe.text(partitionKey) + "' cannot be sent as the X-Partition-Key header: it has "
                    + unsendable + " (MSight's requests refuses it too); give the sensor another name, or set"
                    + " partition-key-mode = random"));
        }
        JsonBody body = JsonBody.of(formats, data, buffers); // no "Sending" line for a body the heap has no room for
        log.atLevel(uploadLineLevel()).log("Sending data to {}... waiting for response", settings.target().loggable());
        Upload upload = new Upload(current, data, partitionKey, new CompletableFuture<>());
        upload.outcome().whenComplete((ignored, failure) -> {
            if (!(failure instanceof RetriableException || failure instanceof CancellationException)) {
                partitionKeys.ended(data); // delivered or refused: not retried
            }
        });
        start(upload, Redirects.Post.first(settings.target().uploadUrl(partitionKey)), host, body);
        return upload.outcome();
    }

    /**
     * One upload: one attempt of the runtime's to deliver a message, maybe redirected.
     *
     * @param partitionKey its message's: the same for every POST of the upload, and at each retry
     */
    private record Upload(CloseableHttpAsyncClient client, SensorData data, String partitionKey,
            CompletableFuture<Void> outcome) {
    }

    /** Starts a POST of {@code upload} to {@code host}, at once where it has resolved before. */
    private void start(Upload upload, Redirects.Post post, String host, JsonBody body) {
        if (dns.knows(host)) {
            exchange(upload, post, body);
        } else {
            exchangeOnceLookedUp(upload, post, host, body);
        }
    }

    /**
     * Starts the exchange of an upload to a host never resolved once its DNS lookup ends, on the
     * lookup's thread: HttpClient would wait for it on this one (the delivery's timer, for a retry).
     * The body goes back to its pool at once where the attempt is cancelled meanwhile (past its
     * deadline), ended by {@link #close()}, or the host does not resolve.
     */
    private void exchangeOnceLookedUp(Upload upload, Redirects.Post post, String host, JsonBody body) {
        CompletableFuture<Void> outcome = upload.outcome();
        AtomicBoolean bodyTaken = new AtomicBoolean(); // by the exchange, or back to the pool
        CompletableFuture<Void> lookedUp = dns.lookedUp(host);
        waitingForDns.add(outcome);
        outcome.whenComplete((ignored, failure) -> {
            if (bodyTaken.compareAndSet(false, true)) {
                body.releaseResources();
                lookedUp.cancel(false); // nor waits for DNS any longer
            }
        });
        lookedUp.whenComplete((ignored, unresolved) -> {
            waitingForDns.remove(outcome);
            if (!bodyTaken.compareAndSet(false, true)) {
                return; // cancelled meanwhile: not sent
            }
            if (unresolved != null) {
                body.releaseResources();
                failing = true;
                outcome.completeExceptionally(attemptFailure((Exception) unresolved, upload.client()));
                return;
            }
            try {
                exchange(upload, post, body);
            } catch (RuntimeException | Error e) {
                notTaken(e, outcome);
            }
        });
        if (client == null) { // closed meanwhile, maybe after close() ended those waiting
            outcome.completeExceptionally(closedWhileLookingUp());
        }
    }

    private static RetriableException closedWhileLookingUp() {
        return new RetriableException("the uploader closed while the host was being looked up");
    }

    /** Fails an attempt whose request HttpClient did not take, off the caller's thread. */
    private static void notTaken(Throwable e, CompletableFuture<Void> outcome) {
        outcome.completeExceptionally(e instanceof OutOfMemoryError // no attempt, not the message refused
                ? new RetriableException("no memory left in this process to make the request", e) : e);
    }

    /** Starts the exchange; where HttpClient does not take the request, its body goes back to the pool. */
    private void exchange(Upload upload, Redirects.Post post, JsonBody body) {
        Future<Response> exchange;
        try {
            exchange = execute(upload, post, body);
        } catch (RuntimeException | Error e) { // closed meanwhile, or no heap left to make the request
            body.releaseResources();
            throw e;
        }
        // The runtime cancels an attempt past its deadline: abort the exchange, freeing its connection.
        CompletableFuture<Void> outcome = upload.outcome();
        outcome.whenComplete((ignored, failure) -> {
            if (outcome.isCancelled()) {
                exchange.cancel(true);
            }
        });
    }

    private Future<Response> execute(Upload upload, Redirects.Post post, JsonBody body) {
        long length = body.getContentLength();
        HttpContext proxyCredentials = proxies.newContext(post.url());
        return upload.client().execute(request(upload, post, body), new ResponseReader(), proxyCredentials,
                new FutureCallback<>() {
            @Override
            public void completed(Response response) {
                certificateRequests.answered();
                answered(upload, post, response, length);
            }

            @Override
            public void failed(Exception failure) {
                // the body back to its pool: HttpClient does not give it back where it refused the request
                // (a client closed meanwhile); not at cancelled(), which may come while the I/O thread writes it
                body.releaseResources();
                failing = true;
                upload.outcome().completeExceptionally(attemptFailure(failure, upload.client()));
            }

            @Override
            public void cancelled() {
                upload.outcome().cancel(false);
            }
        });
    }

    /** @param length the bytes of the body the server answered, counted when it took them */
    private void answered(Upload upload, Redirects.Post post, Response response, long length) {
        CompletableFuture<Void> outcome = upload.outcome();
        int status = response.status();
        if (Redirects.isRedirect(status)) { // no Status line: MSight's requests logs only the last answer's
            redirect(upload, post, response);
            return;
        }
        boolean delivered = status >= 200 && status < 300;
        if (delivered) {
            failing = false; // its Status line, and the next uploads' lines, at the upload level again
        }
        // the body is masked and escaped only when the line is logged (log-uploads-at = debug on a busy box)
        log.atLevel(uploadLineLevel()).setMessage("Status: {}, {}").addArgument(status)
                .addArgument(() -> LogSafe.text(sentCredentials.hide(response.body()))).log();
        if (delivered) {
            if (!outcome.isCancelled()) { // an answer after the runtime gave the attempt up is no upload
                uploads.increment(); // before completing: whoever waits for the outcome sees it counted
                bytes.increment(length);
                outcome.complete(null);
            }
            return;
        }
        String failure = status != 407 ? "the server answered status " + status // 407: the proxy's, a tunnel's too
                : "the proxy answered status 407: it wants a user and password in the URL of the proxy's variable";
        if (!settings.retry().retriesStatus(status)) { // a refused message (a 400) is no outage
            outcome.completeExceptionally(new IllegalStateException(failure));
            return;
        }
        failing = true;
        outcome.completeExceptionally(response.retryAfter() == null ? new RetriableException(failure)
                : new RetryAfterException(failure + " (Retry-After: " + response.retryAfter().toSeconds() + " s)",
                        response.retryAfter()));
    }

    /**
     * Follows a redirect as {@link Redirects} says, with a body made again (the last one's went
     * back to its pool with its exchange); on the I/O thread, rare enough to make it there. The
     * first one followed is said once: each upload crosses the network twice until url is changed.
     */
    private void redirect(Upload upload, Redirects.Post post, Response response) {
        CompletableFuture<Void> outcome = upload.outcome();
        if (outcome.isDone()) {
            return; // given up meanwhile (past its deadline)
        }
        Redirects.Post next;
        String nextHost;
        try {
            next = Redirects.follow(post, response.status(), response.location());
            nextHost = proxies.connectHost(next.url());
        } catch (RuntimeException refused) { // a Location not to follow, or one this code did not foresee
            // the Location may hold the url's query, any value of which may be a key: masked, and not kept as a cause
            outcome.completeExceptionally(new IllegalStateException(sentCredentials.hide(
                    refused instanceof IllegalStateException ? refused.getMessage() : "the server answered status "
                            + response.status() + " with a Location that cannot be followed: " + refused)));
            return;
        }
        if (redirectSaid.compareAndSet(false, true)) {
            log.warn("uploads to {} are redirected (status {}) to '{}': each crosses the network twice; set url to"
                    + " where it points (said once)", settings.target().loggable(), response.status(),
                    LogSafe.text(sentCredentials.hide(Secrets.redactUrl(next.url()))));
        }
        try {
            start(upload, next, nextHost, JsonBody.of(formats, upload.data(), buffers));
        } catch (RuntimeException | Error e) {
            notTaken(e, outcome);
        }
    }

    private Level uploadLineLevel() {
        return failing ? Level.DEBUG : uploadLogLevel;
    }

    /**
     * The request of one POST, with requests' {@code Accept: *}{@code /*} unless a header says
     * otherwise (not its {@code Accept-Encoding: gzip, deflate}: answers are not decompressed). The
     * url's Basic credentials take the place of a configured {@code Authorization} header, as
     * requests sets them after the headers; neither goes where a redirect went elsewhere, as
     * requests drops them.
     */
    private AsyncRequestProducer request(Upload upload, Redirects.Post post, JsonBody body) {
        AsyncRequestBuilder request = AsyncRequestBuilder.post(post.url())
                .setHeader(HttpHeaders.ACCEPT, "*/*")
                .setHeader("X-Partition-Key", upload.partitionKey());
        for (Map.Entry<String, Secret> header : settings.headers().entrySet()) {
            if (post.authorized() || !header.getKey().equalsIgnoreCase(HttpHeaders.AUTHORIZATION)) {
                request.setHeader(header.getKey(), header.getValue().value());
            }
        }
        if (basicAuthorization != null && post.authorized()) {
            request.setHeader(HttpHeaders.AUTHORIZATION, basicAuthorization);
        }
        return request.setEntity(body).build();
    }

    @Override
    public void close() {
        dns.close(); // its lookup threads end, none idle after the node
        CloseableHttpAsyncClient current;
        synchronized (this) { // no client replaced after this
            current = client;
            client = null;
        }
        // an upload waiting for DNS is no exchange of the client's: it waited up to connect-timeout
        waitingForDns.forEach(outcome -> outcome.completeExceptionally(closedWhileLookingUp()));
        if (current != null) {
            // Closing IMMEDIATE from outside while the I/O thread runs makes it fail with a
            // ConcurrentModificationException: ask it to stop first, then close what is left.
            current.initiateShutdown();
            try {
                // the client's status says SHUTTING_DOWN until close(), stopped threads or not: time the wait
                long start = System.nanoTime();
                current.awaitShutdown(SHUTDOWN_WAIT);
                if (System.nanoTime() - start >= SHUTDOWN_WAIT.toNanoseconds()) {
                    log.warn("the HTTP client's I/O thread did not stop within 1 s; closing it anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            current.close(CloseMode.IMMEDIATE);
        }
    }

    /**
     * Reads the status, the {@code Retry-After} and, when the {@code Status:} line is logged,
     * the start of the body; the rest is read and dropped, keeping the connection alive. Not
     * HttpClient's AbstractBinResponseConsumer: it fails the exchange, before its status is read,
     * on a Content-Type whose charset Java does not know ({@code charset=None}), so a delivered
     * upload was retried and counted as failed.
     */
    private final class ResponseReader extends AbstractBinDataConsumer implements AsyncResponseConsumer<Response> {
        private final boolean keepBody = log.isEnabledForLevel(uploadLogLevel);
        private volatile FutureCallback<Response> result;
        private int status;
        private Duration retryAfter;
        private String location;
        private Charset charset;
        private ByteBuffer body;

        @Override
        public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context,
                FutureCallback<Response> result) {
            this.result = result;
            status = response.getCode();
            retryAfter = retryAfter(response.getFirstHeader(HttpHeaders.RETRY_AFTER));
            Header redirectedTo = Redirects.isRedirect(status) ? response.getFirstHeader(HttpHeaders.LOCATION) : null;
            location = redirectedTo == null ? null : redirectedTo.getValue();
            charset = charset(entity);
            body = keepBody ? ByteBuffer.allocate(LOGGED_BODY_BYTES) : null;
            if (entity == null) {
                completed();
            }
        }

        @Override
        public void informationResponse(HttpResponse response, HttpContext context) {
        }

        @Override
        protected int capacityIncrement() {
            return Integer.MAX_VALUE;
        }

        @Override
        protected void data(ByteBuffer src, boolean endOfStream) {
            if (body != null && body.hasRemaining()) {
                int length = Math.min(body.remaining(), src.remaining());
                body.put(src.slice(src.position(), length));
            }
            src.position(src.limit());
        }

        @Override
        protected void completed() {
            String text = body == null ? "" : new String(body.array(), 0, body.position(), charset);
            result.completed(new Response(status, text, retryAfter, location));
        }

        @Override
        public void failed(Exception cause) {
        }

        @Override
        public void releaseResources() {
        }
    }

    /**
     * The charset of an answer's Content-Type; UTF-8 where it names none, or one Java does not
     * know: it only decodes the start of the body for the {@code Status:} line.
     */
    private static Charset charset(EntityDetails entity) {
        try {
            ContentType type = entity == null ? null : ContentType.parseLenient(entity.getContentType());
            return type != null && type.getCharset() != null ? type.getCharset() : StandardCharsets.UTF_8;
        } catch (RuntimeException e) { // an unsupported or illegal charset name
            return StandardCharsets.UTF_8;
        }
    }

    /** A {@code Retry-After} in seconds or as an HTTP date, or {@code null}. */
    static Duration retryAfter(Header header) {
        if (header == null) {
            return null;
        }
        String value = header.getValue().trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException e) {
            try {
                Duration wait = Duration.between(java.time.Instant.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** @param location a redirect's {@code Location}, else {@code null} */
    private record Response(int status, String body, Duration retryAfter, String location) {
    }
}

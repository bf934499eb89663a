package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.msight.api.Counter;
import org.msight.api.LogSafe;
import org.msight.api.NodeContext;
import org.msight.api.SinkNode;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * POSTs each message as MSight's JSON to the configured URL, as MSight's {@code HttpSinkNode}
 * does, with up to {@code max-in-flight} uploads under way at once on pooled, kept-alive
 * connections, each run by one of as many worker threads.
 *
 * <p>{@link #put} returns as soon as the upload has started; it blocks while {@code max-in-flight}
 * uploads are outstanding, so the runtime's queue in front of the node absorbs a slow server by
 * dropping its oldest messages. A failed attempt (connection error, timeout, or a status in
 * {@code retry-statuses}) is retried on a worker after a backoff, still holding its place;
 * after {@code retries} it is given up, counted as {@code failed} with one log line.
 */
final class HttpUploader implements SinkNode {

    /** Bytes the body is gathered into before each socket write: few system calls per upload. */
    private static final int SOCKET_WRITE_BYTES = 64 * 1024;
    /** Bytes of a response body shown in the {@code Status:} line at most. */
    private static final int LOGGED_BODY_BYTES = 2000;

    private final UploaderSettings settings;
    private final String nodeName;
    private final Logger log;
    private final Level uploadLogLevel;
    private final SSLContext sslContext;
    private final UnansweredCertificateRequests certificateRequests;
    private final MsightCodec codec = MsightCodec.withBuiltInTypes();
    private final PartitionKeys partitionKeys;
    private final Counter uploads;
    private final Counter retries;
    private final Counter failed;
    private boolean waited;

    private CloseableHttpClient client;
    private ScheduledThreadPoolExecutor workers;
    private Semaphore slots;
    private volatile boolean closed;

    HttpUploader(UploaderSettings settings, NodeContext context, SSLContext sslContext,
            UnansweredCertificateRequests certificateRequests, PartitionKeys partitionKeys) {
        this.settings = settings;
        this.nodeName = context.nodeName();
        this.log = context.logger();
        this.uploadLogLevel = settings.logUploadsAtDebug() ? Level.DEBUG : Level.INFO;
        this.sslContext = sslContext;
        this.certificateRequests = certificateRequests;
        this.partitionKeys = partitionKeys;
        this.uploads = context.counter("uploads");
        this.retries = context.counter("retries");
        this.failed = context.counter("failed");
    }

    @Override
    public void open() throws InterruptedException {
        if (!waited && !settings.startDelay().isZero()) {
            log.info("waiting {} ms before the first upload", settings.startDelay().toMillis());
            Thread.sleep(settings.startDelay().toMillis());
        }
        waited = true;
        closed = false;
        int maxInFlight = settings.maxInFlight();
        Timeout connectTimeout = Timeout.of(settings.connectTimeout());
        Timeout responseTimeout = Timeout.of(settings.responseTimeout());
        client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(maxInFlight)
                        .setMaxConnPerRoute(maxInFlight)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(connectTimeout)
                                .setSocketTimeout(responseTimeout)
                                .build())
                        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(connectTimeout).build())
                        .setTlsSocketStrategy(new DefaultClientTlsStrategy(sslContext))
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(Http1Config.custom()
                                        .setBufferSize(SOCKET_WRITE_BYTES)
                                        .setChunkSizeHint(SOCKET_WRITE_BYTES)
                                        .build())
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(responseTimeout)
                        .setConnectionRequestTimeout(responseTimeout)
                        .setRedirectsEnabled(false)
                        .build())
                .disableAutomaticRetries()
                .disableCookieManagement()
                // Steps of the client's chain that uploads never need: fewer calls per request.
                .disableRedirectHandling()
                .disableContentCompression()
                .disableConnectionState()
                .build();
        workers = new ScheduledThreadPoolExecutor(maxInFlight, workerThreads());
        workers.setRemoveOnCancelPolicy(true);
        slots = new Semaphore(maxInFlight);
    }

    /** Starts the upload of {@code data}, first waiting (interruptibly) for a free slot. */
    @Override
    public void put(SensorData data) throws InterruptedException {
        Semaphore free = slots;
        free.acquire();
        Upload upload = new Upload(data, partitionKeys.next(data), new JsonBody(codec, data), free);
        try {
            workers.execute(() -> attempt(upload));
        } catch (RejectedExecutionException e) {
            free.release();
            throw new IllegalStateException("the uploader is closed", e);
        }
    }

    private void attempt(Upload upload) {
        upload.attempts++;
        log.atLevel(uploadLogLevel).log("Sending data to {}... waiting for response", settings.target().loggable());
        String failure;
        boolean retriable;
        try {
            Response response = client.execute(request(upload), this::response);
            log.atLevel(uploadLogLevel).log("Status: {}, {}", response.status(), response.body());
            if (response.status() >= 200 && response.status() < 300) {
                uploads.increment();
                upload.finish();
                return;
            }
            failure = "the server answered status " + response.status();
            retriable = settings.retry().retriesStatus(response.status());
        } catch (IOException e) {
            failure = Failures.describe(e, settings, certificateRequests.seen());
            retriable = true;
        } catch (RuntimeException e) {
            failure = LogSafe.text(e); // such as a header the sensor name made invalid
            retriable = false;
        }
        if (closed) {
            upload.finish();
        } else if (retriable && settings.retry().allowsAnotherAfter(upload.attempts)) {
            retryLater(upload, failure);
        } else {
            giveUp(upload, failure);
        }
    }

    private void retryLater(Upload upload, String failure) {
        Duration wait = settings.retry().backoffAfter(upload.attempts);
        log.debug("upload of frame {} failed ({}); retry {} of {} in {} ms", upload.frameId(), failure,
                upload.attempts, settings.retry().retries(), wait.toMillis());
        retries.increment();
        try {
            workers.schedule(() -> attempt(upload), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            upload.finish();
        }
    }

    private void giveUp(Upload upload, String failure) {
        failed.increment();
        log.warn("gave up on frame {} after {} attempt{}: {}", upload.frameId(), upload.attempts,
                upload.attempts == 1 ? "" : "s", failure);
        upload.finish();
    }

    private HttpPost request(Upload upload) {
        HttpPost post = new HttpPost(settings.target().uploadUrl(upload.partitionKey));
        post.setHeader("X-Partition-Key", upload.partitionKey);
        String credentials = settings.target().basicCredentials();
        if (credentials != null) {
            post.setHeader(HttpHeaders.AUTHORIZATION,
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        for (Map.Entry<String, String> header : settings.headers().entrySet()) {
            post.setHeader(header.getKey(), header.getValue());
        }
        post.setEntity(upload.body);
        return post;
    }

    /**
     * The status, and the start of the body when the {@code Status:} line is logged; the client
     * reads and drops the rest, keeping the connection alive.
     */
    private Response response(ClassicHttpResponse response) throws IOException {
        HttpEntity entity = response.getEntity();
        if (entity == null || !log.isEnabledForLevel(uploadLogLevel)) {
            return new Response(response.getCode(), "");
        }
        ContentType type = ContentType.parseLenient(entity.getContentType());
        Charset charset = type == null ? null : type.getCharset();
        byte[] start = entity.getContent().readNBytes(LOGGED_BODY_BYTES);
        return new Response(response.getCode(), new String(start, charset == null ? StandardCharsets.UTF_8 : charset));
    }

    /** Waits until every started upload, retries included, has finished, at most {@code timeout}. */
    @Override
    public void flush(Duration timeout) throws InterruptedException {
        Semaphore all = slots;
        int maxInFlight = settings.maxInFlight();
        if (all.tryAcquire(maxInFlight, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            all.release(maxInFlight);
        } else {
            log.warn("{} uploads still under way after {} ms; they are abandoned", maxInFlight - all.availablePermits(),
                    timeout.toMillis());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (workers != null) {
            workers.shutdownNow();
            workers = null;
        }
        if (client != null) {
            client.close(CloseMode.IMMEDIATE);
            client = null;
        }
    }

    private ThreadFactory workerThreads() {
        AtomicInteger number = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, nodeName + "-upload-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One message on its way: its key and body stay the same across retries. */
    private static final class Upload {
        final SensorData data;
        final String partitionKey;
        final JsonBody body;
        private final Semaphore slot;
        int attempts;

        Upload(SensorData data, String partitionKey, JsonBody body, Semaphore slot) {
            this.data = data;
            this.partitionKey = partitionKey;
            this.body = body;
            this.slot = slot;
        }

        long frameId() {
            return data.metadata().frameId();
        }

        /** Gives the slot back: the upload is over, whatever came of it. */
        void finish() {
            slot.release();
        }
    }

    private record Response(int status, String body) {
    }
}

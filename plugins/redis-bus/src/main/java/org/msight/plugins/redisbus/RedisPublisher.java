package org.msight.plugins.redisbus;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.msight.api.Backoff;
import org.msight.api.DaemonThreads;
import org.msight.api.KeyedLogThrottle;
import org.msight.api.LogSafe;
import org.msight.api.OutageLog;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.IOUtils;

/**
 * The publishing connection of a bus, shared by the publishing threads. A publish waits at most
 * the publish timeout; when Redis is away, publishes fail at once while a background thread
 * reconnects with backoff. A socket write has no time limit, so the same thread checks every half
 * publish timeout whether a publish has been writing for longer than the publish timeout (Redis
 * frozen, or a network path that died without a reset) and then closes the connection's socket:
 * that publish fails, which starts an outage as any lost connection does. A connection idle for a
 * second or more is looked at before use, as redis-py does: one Redis closed (its {@code timeout}
 * setting) is replaced at once, without an outage, so the publish is not lost.
 */
final class RedisPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);
    private static final String NAME = "publisher";
    private static final long IDLE = Long.MIN_VALUE;
    /** Set by the watchdog when it closed the socket under the publish under way, which then owns the loss. */
    private static final long CUT = Long.MIN_VALUE + 1;
    /** Redis closes a connection idle for its {@code timeout}, in whole seconds: one used more recently is open. */
    private static final long IDLE_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RedisSettings settings;
    private final MsightFormats formats;
    private final OutageLog outages;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService timer;
    private final Backoff backoff;
    private final KeyedLogThrottle refusals = new KeyedLogThrottle(Duration.ofMinutes(1), 100);
    private Jedis jedis; // guarded by lock; null while disconnected
    private long lastUsed; // guarded by lock: System.nanoTime() when jedis was last connected or published on
    private volatile Socket socket; // the last connection's, for the watchdog and close
    /** System.nanoTime() when the publish under way began; {@link #IDLE}, or {@link #CUT} by the watchdog. */
    private final AtomicLong publishing = new AtomicLong(IDLE);
    private volatile boolean connected;
    private volatile boolean closed;

    RedisPublisher(RedisSettings settings, MsightFormats formats, OutageLog outages) {
        this.settings = settings;
        this.formats = formats;
        this.outages = outages;
        this.backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
        this.timer = DaemonThreads.scheduler("msight-redis-publisher");
    }

    /**
     * Connects now; when Redis is unreachable, keeps trying in the background.
     *
     * @throws RedisAccessException when Redis refuses the credentials, or the TLS files cannot be used
     */
    void start() {
        try {
            attach(connect());
        } catch (RuntimeException e) {
            RedisFailures.throwIfRefused(settings, e);
            lostConnection(e);
        }
        long interval = Math.max(1, settings.publishTimeout().toNanos() / 2);
        timer.scheduleWithFixedDelay(this::watch, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** Whether Redis is connected now. */
    boolean connected() {
        return connected;
    }

    /**
     * Publishes, unless Redis is away or too slow; never throws for Redis. Encodes only when
     * connected, and outside the lock.
     *
     * @return whether the message reached Redis
     */
    boolean publish(String topic, SensorData data) {
        if (!connected) {
            return false;
        }
        byte[] channel = topic.getBytes(StandardCharsets.UTF_8);
        byte[] payload = formats.toMessagePack(data);
        try {
            if (!lock.tryLock(settings.publishTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        RuntimeException failure = null;
        try {
            if (jedis == null || !reopenedIfRedisClosedIt()) {
                return false;
            }
            lastUsed = System.nanoTime();
            publishing.set(lastUsed);
            jedis.publish(channel, payload);
            return true;
        } catch (JedisDataException e) { // an error reply (NOPERM for the topic's channel): the connection is fine
            refused(topic, e);
            return false;
        } catch (RuntimeException e) {
            failure = e;
            return false;
        } finally {
            // cut, maybe as it ended: the socket is closed all the same, and watch() said why, not its failure
            if (publishing.getAndSet(IDLE) == CUT) {
                lostConnection(null);
            } else if (failure != null) {
                lostConnection(failure);
            }
            lock.unlock();
        }
    }

    /**
     * Replaces a connection that has been idle long enough for Redis to close it, if it did: the
     * publish would write into it and be lost. Takes what a connection takes (connect-timeout, and
     * publish-timeout for each reply of the TLS handshake, AUTH, SELECT and PING; for each seed node
     * of a cluster that fails), while the other publishers' messages wait up to publish-timeout.
     * Called with the lock held. A close() meanwhile, which gave up waiting for the lock, closed the
     * socket it knew of, not the one being made: the connection made is closed here.
     *
     * @return false when the new connection failed (an outage begins), or the publisher closed
     */
    private boolean reopenedIfRedisClosedIt() {
        if (System.nanoTime() - lastUsed < IDLE_CLOSE_NANOS || !closedByRedis(socket)) {
            return true;
        }
        LOG.debug("Redis at {} closed the idle publishing connection (its timeout setting): connecting anew",
                settings.address());
        closeQuietly();
        if (closed) {
            return false;
        }
        try {
            Jedis connection = connect();
            if (closed) {
                connection.close();
                return false;
            }
            jedis = connection;
            lastUsed = System.nanoTime();
            return true;
        } catch (RuntimeException e) {
            lostConnection(e);
            return false;
        }
    }

    /**
     * Whether Redis closed {@code idle}: it can be read from (the end of the stream, or bytes no
     * command asked for) within a millisecond, or fails.
     */
    private static boolean closedByRedis(Socket idle) {
        try {
            int timeout = idle.getSoTimeout();
            idle.setSoTimeout(1);
            try {
                idle.getInputStream().read();
                return true;
            } finally {
                idle.setSoTimeout(timeout);
            }
        } catch (SocketTimeoutException e) {
            return false; // nothing came: open
        } catch (IOException e) {
            return true;
        }
    }

    /** Logs a message Redis refused, lost, at most once a minute for each topic. */
    private void refused(String topic, JedisDataException e) {
        long times = refusals.occurred(topic);
        if (times > 0) {
            LOG.warn("{} ({} message(s) for topic '{}' refused, and lost, since the last such line)",
                    RedisFailures.describe(settings, e), times, LogSafe.text(topic));
        }
    }

    /**
     * Closes the socket under a publish that has been under way for longer than the publish
     * timeout; that publish then drops the connection, even one that ended meanwhile.
     */
    private void watch() {
        long started = publishing.get();
        if (started == IDLE || started == CUT) {
            return;
        }
        long waited = System.nanoTime() - started;
        if (waited > settings.publishTimeout().toNanos() && publishing.compareAndSet(started, CUT)) {
            try { // said before the publish ends, so the reconnection's "restored" comes after it
                outages.down(NAME, "Redis at " + settings.address() + " stopped taking messages (a publish waited "
                        + TimeUnit.NANOSECONDS.toMillis(waited) + " ms, past publish-timeout)");
            } finally { // cut though the line failed (no heap left): else the publish would hold the lock for good
                IOUtils.closeQuietly(socket);
            }
        }
    }

    private Jedis connect() {
        return settings.connect(settings.publishTimeout(), (server, opened) -> socket = opened);
    }

    /** Takes a new connection into use, or closes it when the publisher closed meanwhile. */
    private void attach(Jedis connection) {
        lock.lock();
        try {
            if (closed) {
                connection.close();
                return;
            }
            jedis = connection;
            lastUsed = System.nanoTime();
            connected = true;
        } finally {
            lock.unlock();
        }
        synchronized (this) {
            backoff.reset();
        }
        outages.up(NAME);
    }

    /**
     * Drops the connection and schedules a reconnection. Called with the lock held, or before start.
     *
     * @param e the failure, or null when the outage was noted already
     */
    private void lostConnection(RuntimeException e) {
        connected = false;
        closeQuietly();
        retryLater(e);
    }

    /** Notes the outage (unless {@code e} is null: noted already) and schedules a reconnection, unless closing. */
    private synchronized void retryLater(Throwable e) {
        if (!closed) {
            if (e != null) {
                outages.down(NAME, RedisFailures.describe(settings, e));
            }
            timer.schedule(this::reconnect, backoff.next().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void reconnect() {
        if (closed) {
            return;
        }
        try {
            attach(connect());
        } catch (RuntimeException | Error e) { // an Error too (no heap left for a handshake): reconnecting goes on
            retryLater(e);
        }
    }

    private void closeQuietly() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // the connection is gone already
            }
            jedis = null;
        }
    }

    /**
     * Closes the connection, waiting at most the publish timeout for a publish under way; one
     * still writing then has its socket closed, which ends it.
     */
    @Override
    public void close() {
        synchronized (this) { // no reconnection is scheduled on the stopped timer
            closed = true;
            timer.shutdownNow();
        }
        connected = false;
        boolean locked = false;
        try {
            locked = lock.tryLock(settings.publishTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            LOG.warn("Redis publisher: a publish still held the connection {} ms after closing began"
                    + " (publish-timeout); closing its socket", settings.publishTimeout().toMillis());
            IOUtils.closeQuietly(socket);
            return;
        }
        try {
            closeQuietly();
        } finally {
            lock.unlock();
        }
    }
}

package org.msight.plugins.redisbus;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.msight.api.Backoff;
import org.msight.api.DaemonThreads;
import org.msight.api.OutageLog;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import redis.clients.jedis.Jedis;

/**
 * The publishing connection of a bus, shared by the publishing threads. A publish waits at most
 * the publish timeout; when Redis is away, publishes fail at once while a background thread
 * reconnects with backoff.
 */
final class RedisPublisher implements AutoCloseable {

    private static final String NAME = "publisher";

    private final RedisSettings settings;
    private final MsightFormats formats;
    private final OutageLog outages;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService reconnector;
    private final Backoff backoff;
    private Jedis jedis; // guarded by lock; null while disconnected
    private volatile boolean connected;
    private volatile boolean closed;

    RedisPublisher(RedisSettings settings, MsightFormats formats, OutageLog outages) {
        this.settings = settings;
        this.formats = formats;
        this.outages = outages;
        this.backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
        this.reconnector = DaemonThreads.scheduler("msight-redis-reconnect");
    }

    /**
     * Connects now; when Redis is unreachable, keeps trying in the background.
     *
     * @throws RedisAccessException when Redis refuses the credentials, or the TLS files cannot be used
     */
    void start() {
        try {
            attach(settings.connect(settings.publishTimeout()));
        } catch (RuntimeException e) {
            if (e instanceof RedisAccessException || RedisFailures.isCredentialProblem(e)) {
                throw new RedisAccessException(RedisFailures.describe(settings, e));
            }
            lostConnection(e);
        }
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
        try {
            if (jedis == null) {
                return false;
            }
            jedis.publish(channel, payload);
            return true;
        } catch (RuntimeException e) {
            lostConnection(e);
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void attach(Jedis connection) {
        lock.lock();
        try {
            jedis = connection;
            connected = true;
        } finally {
            lock.unlock();
        }
        synchronized (this) {
            backoff.reset();
        }
        outages.up(NAME);
    }

    /** Drops the connection and schedules a reconnection. Called with the lock held, or before start. */
    private void lostConnection(RuntimeException e) {
        connected = false;
        closeQuietly();
        outages.down(NAME, RedisFailures.describe(settings, e));
        scheduleReconnect();
    }

    private synchronized void scheduleReconnect() {
        if (!closed) {
            reconnector.schedule(this::reconnect, backoff.next().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void reconnect() {
        if (closed) {
            return;
        }
        try {
            attach(settings.connect(settings.publishTimeout()));
        } catch (RuntimeException e) {
            outages.down(NAME, RedisFailures.describe(settings, e));
            scheduleReconnect();
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

    @Override
    public void close() {
        closed = true;
        connected = false;
        reconnector.shutdownNow();
        lock.lock();
        try {
            closeQuietly();
        } finally {
            lock.unlock();
        }
    }
}

package org.msight.runtime.bus.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.runtime.bus.Inbox;
import org.msight.api.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * The subscribing connection of a bus, on its own thread: subscribed to every topic with an
 * inbox, it decodes each message once and offers it to the topic's inboxes. It reconnects with
 * backoff and resubscribes when the connection drops. A subscribed connection waits for
 * messages without a time limit, so a keep-alive thread pings Redis every socket timeout and
 * drops the connection when nothing has come for two of them: a network path that died without
 * a reset is noticed in seconds, not hours.
 */
final class RedisSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);
    private static final String NAME = "subscriber";
    private static final long MALFORMED_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RedisSettings settings;
    private final MsightCodec codec;
    private final Outages outages;
    private final Map<String, List<Inbox>> inboxes = new ConcurrentHashMap<>();
    private final MalformedLog malformedLog = new MalformedLog(MALFORMED_LOG_INTERVAL_NANOS);
    private final ScheduledExecutorService keepAlive;
    private final Object lifecycle = new Object();
    private boolean started; // guarded by lifecycle
    private Thread thread; // guarded by lifecycle
    private volatile Jedis jedis;
    private volatile Listener listener;
    private volatile boolean closed;

    RedisSubscriber(RedisSettings settings, MsightCodec codec, Outages outages) {
        this.settings = settings;
        this.codec = codec;
        this.outages = outages;
        this.keepAlive = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "msight-redis-keepalive");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Adds an inbox; a new topic is subscribed at once when the connection is up. */
    void add(String topic, Inbox inbox) {
        boolean newTopic = inboxes.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).isEmpty();
        inboxes.get(topic).add(inbox);
        Listener current = listener;
        if (newTopic && current != null && current.isSubscribed()) {
            current.send(() -> current.subscribe(bytes(topic)));
        }
        launchIfStarted();
    }

    /** Starts the thread, which connects and subscribes by itself, once there is a topic. */
    void start() {
        synchronized (lifecycle) {
            started = true;
        }
        launchIfStarted();
    }

    private void launchIfStarted() {
        synchronized (lifecycle) {
            if (started && thread == null && !closed && !inboxes.isEmpty()) {
                thread = new Thread(this::run, "msight-redis-subscriber");
                thread.setDaemon(true);
                thread.start();
                long interval = settings.socketTimeout().toNanos();
                keepAlive.scheduleAtFixedRate(this::keepAlive, interval, interval, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void run() {
        Backoff backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
        while (!closed) {
            try (Jedis connection = settings.connect(settings.socketTimeout())) {
                jedis = connection;
                Set<String> topics = Set.copyOf(inboxes.keySet());
                Listener subscription = new Listener(connection, backoff, topics);
                listener = subscription;
                if (!closed) {
                    connection.subscribe(subscription, topics.stream().map(RedisSubscriber::bytes).toArray(byte[][]::new));
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    outages.down(NAME, RedisFailures.describe(settings, e));
                    sleep(backoff.next().toMillis());
                }
            } catch (Error e) { // such as a reply too large for memory: this thread must live on
                if (!closed) {
                    LOG.error("Redis subscriber failed; reconnecting", e);
                    sleep(backoff.next().toMillis());
                }
            } finally {
                listener = null;
                jedis = null;
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    /**
     * Pings the subscribed connection, or drops it when Redis has been silent for two intervals;
     * the subscriber thread's read then fails, and it reconnects.
     */
    private void keepAlive() {
        Listener current = listener;
        if (current == null) {
            return;
        }
        long silentNanos = System.nanoTime() - current.lastHeard;
        if (silentNanos > 2 * settings.socketTimeout().toNanos()) {
            outages.down(NAME, "Redis at " + settings.address() + " stopped answering (nothing for "
                    + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms)");
            try {
                current.connection.disconnect();
            } catch (RuntimeException ignored) {
                // closed already
            }
        } else if (current.isSubscribed()) {
            current.send(current::ping);
        }
    }

    private void deliver(byte[] channel, byte[] payload) {
        String topic = new String(channel, StandardCharsets.UTF_8);
        List<Inbox> targets = inboxes.get(topic);
        if (targets == null) {
            return;
        }
        try {
            SensorData data = codec.fromMessagePack(payload);
            for (Inbox inbox : targets) {
                inbox.offer(data);
            }
        } catch (Throwable e) { // an Error too (a plugin's data type, say): this thread must live on
            targets.forEach(Inbox::countMalformed);
            malformedLog.skipped(topic, e instanceof MalformedDataException ? e.getMessage() : e.toString());
        }
    }

    private static byte[] bytes(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops the thread: closing the connection ends its blocking read. */
    @Override
    public void close() {
        Thread running;
        synchronized (lifecycle) {
            closed = true;
            running = thread;
        }
        keepAlive.shutdownNow();
        if (running == null) {
            return;
        }
        running.interrupt();
        Jedis connection = jedis;
        if (connection != null) {
            try {
                connection.disconnect();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        try {
            running.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Callbacks of one subscribed connection. Its commands are sent from several threads (the
     * subscriber's, the keep-alive's, those adding topics), one at a time through {@link #send}.
     */
    private final class Listener extends BinaryJedisPubSub {

        final Jedis connection;
        private final Backoff backoff;
        private final Set<String> topics;
        private boolean confirmed;
        /** System.nanoTime() when Redis last sent anything on this connection. */
        volatile long lastHeard = System.nanoTime();

        Listener(Jedis connection, Backoff backoff, Set<String> topics) {
            this.connection = connection;
            this.backoff = backoff;
            this.topics = topics;
        }

        /** Sends a command, unless the connection is dropping (then the reconnection takes over). */
        synchronized void send(Runnable command) {
            try {
                command.run();
            } catch (RuntimeException e) {
                // the connection is dropping; the reconnection subscribes every topic
            }
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            lastHeard = System.nanoTime();
            if (!confirmed) {
                confirmed = true;
                backoff.reset();
                outages.up(NAME);
                // topics added while this connection was subscribing
                inboxes.keySet().stream().filter(topic -> !topics.contains(topic))
                        .forEach(topic -> send(() -> subscribe(bytes(topic))));
            }
        }

        @Override
        public void onPong(byte[] pattern) {
            lastHeard = System.nanoTime();
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            lastHeard = System.nanoTime();
            deliver(channel, message);
        }
    }
}

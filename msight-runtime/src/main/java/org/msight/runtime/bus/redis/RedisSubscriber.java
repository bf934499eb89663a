package org.msight.runtime.bus.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.runtime.bus.Inbox;
import org.msight.runtime.node.Backoff;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * The subscribing connection of a bus, on its own thread: subscribed to every topic with an
 * inbox, it decodes each message once and offers it to the topic's inboxes. It reconnects with
 * backoff and resubscribes when the connection drops.
 */
final class RedisSubscriber implements AutoCloseable {

    private static final String NAME = "subscriber";
    private static final long MALFORMED_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RedisSettings settings;
    private final MsightCodec codec;
    private final Outages outages;
    private final Map<String, List<Inbox>> inboxes = new ConcurrentHashMap<>();
    private final MalformedLog malformedLog = new MalformedLog(MALFORMED_LOG_INTERVAL_NANOS);
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
    }

    /** Adds an inbox; a new topic is subscribed at once when the connection is up. */
    void add(String topic, Inbox inbox) {
        boolean newTopic = inboxes.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).isEmpty();
        inboxes.get(topic).add(inbox);
        Listener current = listener;
        if (newTopic && current != null && current.isSubscribed()) {
            try {
                current.subscribe(bytes(topic));
            } catch (RuntimeException e) {
                // the connection is dropping; the reconnection subscribes every topic
            }
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
            }
        }
    }

    private void run() {
        Backoff backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
        while (!closed) {
            try (Jedis connection = settings.connect(settings.socketTimeout())) {
                jedis = connection;
                Set<String> topics = Set.copyOf(inboxes.keySet());
                Listener subscription = new Listener(backoff, topics);
                listener = subscription;
                if (!closed) {
                    connection.subscribe(subscription, topics.stream().map(RedisSubscriber::bytes).toArray(byte[][]::new));
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    outages.down(NAME, RedisFailures.describe(settings, e));
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

    private void deliver(byte[] channel, byte[] payload) {
        String topic = new String(channel, StandardCharsets.UTF_8);
        List<Inbox> targets = inboxes.get(topic);
        if (targets == null) {
            return;
        }
        SensorData data;
        try {
            data = codec.fromMessagePack(payload);
        } catch (MalformedDataException e) {
            targets.forEach(Inbox::countMalformed);
            malformedLog.skipped(topic, e.getMessage());
            return;
        }
        for (Inbox inbox : targets) {
            inbox.offer(data);
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

    /** Callbacks of one subscribed connection. */
    private final class Listener extends BinaryJedisPubSub {

        private final Backoff backoff;
        private final Set<String> topics;
        private boolean confirmed;

        Listener(Backoff backoff, Set<String> topics) {
            this.backoff = backoff;
            this.topics = topics;
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (!confirmed) {
                confirmed = true;
                backoff.reset();
                outages.up(NAME);
                // topics added while this connection was subscribing
                inboxes.keySet().stream().filter(topic -> !topics.contains(topic))
                        .forEach(topic -> subscribe(bytes(topic)));
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            deliver(channel, message);
        }
    }
}

package org.msight.plugins.redisbus;

import java.util.List;
import java.util.Optional;
import org.msight.api.OutageLog;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.slf4j.LoggerFactory;

/**
 * Topics on Redis pub/sub in MSight's wire format ({@code PUBLISH <topic> <MessagePack map>}), so
 * nodes in other processes or machines, and Python MSight nodes, share them. One connection
 * publishes for every node of the process (none in a process whose nodes only subscribe:
 * {@link BusContext#publishes()}); another, on its own thread, subscribes to every topic with a
 * receiver. Both reconnect with backoff and resubscribe by themselves; what is published
 * while Redis is away is lost (pub/sub keeps nothing): {@link #publish} says so. Every subscriber
 * gets every message: Redis pub/sub has no groups. On a Redis Cluster each connection is to one
 * node, the first seed that answers (a cluster carries every message to every node, whatever the
 * state of its slots), and moves to the next one that answers when its node dies.
 */
public final class RedisBus implements Bus {

    private final RedisSettings settings;
    private final boolean publishes;
    private final RedisPublisher publisher;
    private final RedisSubscriber subscriber;
    /** The outages of both connections. */
    private final OutageLog outages;

    /**
     * A bus reaching Redis as {@code settings} say, with the context's wire format and counters
     * ({@code reconnects}: the Redis outages that ended; {@code lost}: the subscriber's connections
     * that went with what Redis held for them, for a read it had no memory for or closed by Redis).
     * When no node of the process publishes on it ({@link BusContext#publishes()}) it opens no
     * publishing connection.
     */
    public RedisBus(RedisSettings settings, BusContext context) {
        this.settings = settings;
        this.publishes = context.publishes();
        this.outages = new OutageLog(LoggerFactory.getLogger(RedisBus.class), "Redis connection restored",
                context.counter("reconnects"));
        this.publisher = new RedisPublisher(settings, context.formats(), outages);
        this.subscriber = new RedisSubscriber(settings, context.formats(), outages, context.counter("lost"));
    }

    @Override
    public void subscribe(Subscription subscription) {
        subscriber.add(subscription.topic(), subscription.receiver());
    }

    /** Takes the receiver off its topic; the topic is unsubscribed when it was the last one there. */
    @Override
    public void unsubscribe(Subscription subscription) {
        subscriber.remove(subscription.topic(), subscription.receiver());
    }

    /**
     * Connects the publisher, or without one checks Redis as its first connection would, and
     * starts the subscriber. When Redis is unreachable the connections keep trying in the background.
     *
     * @throws RedisAccessException when Redis refuses the credentials, or the TLS files cannot be
     *     used (a one-line message)
     */
    @Override
    public void start() {
        if (publishes) {
            publisher.start();
        } else {
            checkAccess();
        }
        subscriber.start();
    }

    /**
     * What the publisher's first connection checks at start, for a bus without one: a connection
     * opened and closed at once, so that credentials Redis refuses, or TLS files that cannot be
     * used, stop the start in one line instead of the subscriber retrying them for ever. Redis
     * unreachable is the subscriber's outage from the start, which its first subscription ends.
     */
    private void checkAccess() {
        try {
            settings.connect(settings.socketTimeout()).close(); // authenticated, chose its db; PING not refused for it
        } catch (RuntimeException e) {
            RedisFailures.throwIfRefused(settings, e);
            subscriber.down(RedisFailures.describe(settings, e));
        }
    }

    @Override
    public boolean canCarry() {
        return publisher.connected();
    }

    /**
     * Whether neither connection is in an outage: the subscriber's shows when nothing is published;
     * without a publisher, the subscriber's alone.
     */
    @Override
    public boolean connected() {
        return (!publishes || publisher.connected()) && !outages.inOutage();
    }

    @Override
    public Optional<String> outage() {
        return outages.reason();
    }

    /**
     * Publishes; {@code false} when Redis is away or slower than the publish timeout, and always
     * on a bus made without a publisher.
     */
    @Override
    public boolean publish(String topic, SensorData data) {
        return publisher.publish(topic, data);
    }

    @Override
    public void close() {
        subscriber.close();
        publisher.close();
    }

    /** The {@code redis} bus, configured in {@code msight.redis}. */
    public static final class Provider implements BusProvider {

        @Override
        public String name() {
            return "redis";
        }

        @Override
        public String description() {
            return "Redis pub/sub in MSight's wire format; every subscriber gets every message, at most once";
        }

        @Override
        public List<Setting> settings() {
            return RedisSettings.SETTINGS;
        }

        @Override
        public Bus create(BusContext context) {
            return new RedisBus(RedisSettings.from(context.config()), context);
        }
    }
}

package org.msight.runtime.bus.redis;

import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.runtime.bus.Bus;
import org.msight.runtime.bus.Inbox;

/**
 * Topics on Redis pub/sub in MSight's wire format ({@code PUBLISH <topic> <MessagePack map>}), so
 * nodes in other processes or machines, and Python MSight nodes, share them. One connection
 * publishes for every node of the process; another, on its own thread, subscribes to every topic
 * with an inbox. Both reconnect with backoff and resubscribe by themselves; what is published
 * while Redis is away is lost (pub/sub keeps nothing): {@link #publish} says so.
 * Undecodable messages are counted in their inboxes and logged at most once per 10 s and topic.
 */
public final class RedisBus implements Bus {

    private final Outages outages = new Outages();
    private final RedisPublisher publisher;
    private final RedisSubscriber subscriber;

    /** @param codec the wire format, with every data type the subscribers may receive */
    public RedisBus(RedisSettings settings, MsightCodec codec) {
        this.publisher = new RedisPublisher(settings, codec, outages);
        this.subscriber = new RedisSubscriber(settings, codec, outages);
    }

    @Override
    public void subscribe(String topic, Inbox inbox) {
        subscriber.add(topic, inbox);
    }

    /**
     * Connects the publisher and starts the subscriber. When Redis is unreachable both keep
     * trying in the background.
     *
     * @throws RedisAccessException when Redis refuses the credentials, or the TLS files cannot be
     *     used (a one-line message)
     */
    @Override
    public void start() {
        publisher.start();
        subscriber.start();
    }

    @Override
    public boolean canCarry() {
        return publisher.connected();
    }

    /** Publishes; {@code false} when Redis is away or slower than the publish timeout. */
    @Override
    public boolean publish(String topic, SensorData data) {
        return publisher.publish(topic, data);
    }

    @Override
    public void close() {
        subscriber.close();
        publisher.close();
    }
}

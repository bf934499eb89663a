package org.msight.runtime.cli.launch;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.DaemonThreads;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;
import org.msight.redis.RedisSettings;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * Test bus {@code redis} for a launcher run in a JVM of its own, where the redis-bus plugin is not:
 * Redis pub/sub in MSight's wire format, for subscribers only (it publishes nothing), without
 * reconnecting. Listed as a provider only on that JVM's class path ({@link LaunchHttpTest}).
 */
public final class SubscribingRedisBus implements BusProvider {

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String description() {
        return "test: Redis pub/sub, subscribers only";
    }

    @Override
    public List<Setting> settings() {
        return RedisSettings.SETTINGS;
    }

    @Override
    public Bus create(BusContext context) {
        RedisSettings settings = RedisSettings.from(context.config());
        Map<String, Receiver> receivers = new ConcurrentHashMap<>();
        BinaryJedisPubSub pubSub = new BinaryJedisPubSub() {
            @Override
            public void onMessage(byte[] channel, byte[] message) {
                receivers.get(new String(channel, UTF_8)).deliver(Delivery.ofMessagePack(message, context.formats()));
            }
        };
        return new Bus() {
            @Override
            public void subscribe(Subscription subscription) {
                receivers.put(subscription.topic(), subscription.receiver());
            }

            @Override
            public void start() {
                Jedis connection = settings.connect(Duration.ZERO); // no reply timeout: a subscriber waits
                DaemonThreads.start("test-redis-subscriber", () -> {
                    try (connection) {
                        connection.subscribe(pubSub, receivers.keySet().stream().map(topic -> topic.getBytes(UTF_8))
                                .toArray(byte[][]::new));
                    }
                });
            }

            @Override
            public boolean publish(String topic, SensorData data) {
                return false;
            }

            @Override
            public void close() {
                if (pubSub.isSubscribed()) {
                    pubSub.unsubscribe();
                }
            }
        };
    }
}

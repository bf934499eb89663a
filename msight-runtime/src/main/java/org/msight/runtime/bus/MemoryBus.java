package org.msight.runtime.bus;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;

/**
 * Topics within one process: a published object is handed, without serialization or copying,
 * to every subscriber of its topic. Groups are ignored: every subscriber gets every message.
 */
public final class MemoryBus implements Bus {

    private final Map<String, List<Receiver>> subscribers = new ConcurrentHashMap<>();

    @Override
    public void subscribe(Subscription subscription) {
        subscribers.computeIfAbsent(subscription.topic(), t -> new CopyOnWriteArrayList<>()).add(subscription.receiver());
    }

    @Override
    public void unsubscribe(Subscription subscription) {
        subscribers.computeIfPresent(subscription.topic(), (topic, receivers) -> {
            receivers.remove(subscription.receiver());
            return receivers.isEmpty() ? null : receivers;
        });
    }

    @Override
    public boolean publish(String topic, SensorData data) {
        List<Receiver> receivers = subscribers.getOrDefault(topic, List.of());
        if (!receivers.isEmpty()) {
            Delivery delivery = Delivery.of(data);
            for (Receiver receiver : receivers) {
                receiver.deliver(delivery);
            }
        }
        return true;
    }

    @Override
    public void close() {
        subscribers.clear();
    }

    /** The built-in {@code memory} bus. */
    public static final class Provider implements BusProvider {

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public String description() {
            return "topics within one process, objects handed over as they are; every subscriber gets every message";
        }

        @Override
        public List<Setting> settings() {
            return List.of();
        }

        @Override
        public Bus create(BusContext context) {
            return new MemoryBus();
        }
    }
}

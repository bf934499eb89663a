package org.msight.runtime.bus;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.msight.api.data.SensorData;

/**
 * Topics within one process: a published object is handed, without serialization or copying,
 * to the inbox of every subscriber of its topic.
 */
public final class MemoryBus implements Bus {

    private final Map<String, List<Inbox>> subscribers = new ConcurrentHashMap<>();

    @Override
    public void subscribe(String topic, Inbox inbox) {
        subscribers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(inbox);
    }

    @Override
    public boolean publish(String topic, SensorData data) {
        for (Inbox inbox : subscribers.getOrDefault(topic, List.of())) {
            inbox.offer(data);
        }
        return true;
    }

    @Override
    public void close() {
        subscribers.clear();
    }
}

package org.msight.runtime.testnodes;

import java.util.List;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.MemoryBus;

/**
 * Test bus {@code loopback}: the memory bus behind a provider with a setting of its own, {@code port}
 * (refused when created below 1, and at start when {@link #TAKEN}).
 */
public final class LoopbackBus implements BusProvider {

    /** A port the bus refuses only when it starts, as a bus finds some settings unusable. */
    public static final int TAKEN = 2;

    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public String description() {
        return "test bus: the memory bus, with settings";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.optional("port", SettingType.INT, "a port, read and checked"));
    }

    @Override
    public Bus create(BusContext context) {
        if (context.config().getInt("port") < 1) {
            throw new IllegalArgumentException("port: must be 1 or more, was " + context.config().getInt("port"));
        }
        MemoryBus memory = new MemoryBus();
        if (context.config().getInt("port") != TAKEN) {
            return memory;
        }
        return new Bus() { // finds its port taken only when it starts
            @Override
            public void subscribe(Subscription subscription) {
                memory.subscribe(subscription);
            }

            @Override
            public void start() {
                throw new IllegalArgumentException("port: " + TAKEN + " is taken");
            }

            @Override
            public boolean publish(String topic, SensorData data) {
                return memory.publish(topic, data);
            }

            @Override
            public void close() {
                memory.close();
            }
        };
    }
}

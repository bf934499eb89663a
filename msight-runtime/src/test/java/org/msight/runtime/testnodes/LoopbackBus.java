package org.msight.runtime.testnodes;

import java.util.List;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.runtime.bus.MemoryBus;

/** Test bus {@code loopback}: the memory bus behind a provider with a setting of its own, {@code port}. */
public final class LoopbackBus implements BusProvider {

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
        return new MemoryBus();
    }
}

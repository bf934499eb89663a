package org.msight.api.bus;

import java.util.List;
import org.msight.api.Setting;

/**
 * Creates the bus of one kind ({@code redis}, {@code kafka}, {@code nats}, a third party's); the
 * entry point of a bus plugin, found with {@link java.util.ServiceLoader} exactly as node types
 * are. A plugin jar lists its providers in {@code META-INF/services/org.msight.api.bus.BusProvider}
 * and ships a {@code reference.conf} with the defaults of its optional settings under
 * {@code msight.<name>}, the block where users configure it. Implementations need a public
 * no-argument constructor.
 */
public interface BusProvider {

    /** The bus name used in HOCON ({@code msight.bus = kafka}): lower case, kebab-case. */
    String name();

    /** One line that says what carries the topics and what it promises. */
    String description();

    /** Every setting of the bus's block {@code msight.<name>}, checked before anything starts. */
    List<Setting> settings();

    /**
     * Builds the bus from its validated block. Reads {@link BusContext#config()}; does no I/O.
     *
     * @throws IllegalArgumentException when a setting has a value the bus cannot use; the message
     *     names the key
     */
    Bus create(BusContext context);
}

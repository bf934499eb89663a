package org.msight.api.bus;

import com.typesafe.config.Config;
import org.msight.api.Counter;
import org.msight.api.data.MsightFormats;
import org.slf4j.Logger;

/** What the runtime hands a bus: its settings, MSight's wire format, a logger and counters. */
public interface BusContext {

    /** The bus's block {@code msight.<name>}, with the plugin's defaults filled in and validated. */
    Config config();

    /** The edge device this runs on ({@code msight.device-name}). */
    String deviceName();

    /** MSight's MessagePack form, with every data type the pipeline's plugins provide. */
    MsightFormats formats();

    /**
     * The bus's logger, {@code msight.bus.<name>}. MSight's log format shows {@code msight} in the
     * node column (or the node's name, for a line logged on a node's thread, as in
     * {@link Bus#publish}), so a line says which bus or server it is about ({@code NATS connection
     * restored after 1.4 s}).
     */
    Logger logger();

    /** A counter of the bus's own ({@code reconnects}, {@code too-large}), in its metrics; the same one for a name asked again. */
    Counter counter(String name);

    /**
     * Whether a node of this process publishes on this bus (a topic of the bus is a node's
     * {@code publish-topic}). When not, the runtime calls neither {@link Bus#publish} nor
     * {@link Bus#canCarry}, and the bus may leave out what only publishing needs (Kafka's
     * producer), so that an uploader-only process opens no connection, thread or permission it
     * never uses; its {@link Bus#connected()} then judges its subscribing connections alone. True
     * by default: a context that does not know.
     */
    default boolean publishes() {
        return true;
    }
}

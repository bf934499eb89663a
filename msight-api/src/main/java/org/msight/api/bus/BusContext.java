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

    /** A logger whose lines name the bus. */
    Logger logger();

    /** A counter of the bus's own ({@code reconnects}, {@code too-large}), in its metrics. */
    Counter counter(String name);
}

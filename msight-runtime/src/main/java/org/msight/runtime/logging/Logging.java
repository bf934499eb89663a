package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the pipeline's logging settings to Logback. */
public final class Logging {

    private Logging() {
    }

    /**
     * Sets the device name shown in every line and the root level ({@code WARNING} is accepted
     * as MSight spells it).
     */
    public static void configure(String deviceName, String level) {
        MsightLayout.setDeviceName(deviceName);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            String name = level.equalsIgnoreCase("WARNING") ? "WARN" : level.toUpperCase();
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(name, Level.INFO));
        }
    }
}

package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the pipeline's logging settings to Logback. */
public final class Logging {

    /** The levels accepted: Logback's, and Python's WARNING and CRITICAL as MSight spells them. */
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL");

    private Logging() {
    }

    /** Sets the device name shown in every line and the root level (one of {@link #LEVELS}). */
    public static void configure(String deviceName, String level) {
        configure(deviceName, level, null);
    }

    /**
     * Sets the device name, the root level (one of {@link #LEVELS}) and, unless {@code null},
     * the log format and file.
     */
    public static void configure(String deviceName, String level, LogOutput output) {
        MsightLayout.setDeviceName(deviceName);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            if (output != null) {
                output.apply(context);
            }
            String name = switch (level.toUpperCase()) {
                case "WARNING" -> "WARN";
                case "CRITICAL" -> "ERROR";
                default -> level.toUpperCase();
            };
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(name, Level.INFO));
        }
    }
}

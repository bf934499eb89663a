package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the pipeline's logging settings to Logback. */
public final class Logging {

    /**
     * The levels accepted, any case: Logback's, and Python's names as MSight takes them. Logback
     * has nothing above ERROR, so CRITICAL and FATAL show errors only; NOTSET shows everything
     * down to DEBUG, as on Python's root logger.
     */
    private static final Map<String, Level> BY_NAME = levels();

    /** The names of the accepted levels. */
    public static final List<String> LEVELS = List.copyOf(BY_NAME.keySet());

    private Logging() {
    }

    private static Map<String, Level> levels() {
        Map<String, Level> levels = new LinkedHashMap<>();
        levels.put("TRACE", Level.TRACE);
        levels.put("NOTSET", Level.DEBUG);
        levels.put("DEBUG", Level.DEBUG);
        levels.put("INFO", Level.INFO);
        levels.put("WARN", Level.WARN);
        levels.put("WARNING", Level.WARN);
        levels.put("ERROR", Level.ERROR);
        levels.put("CRITICAL", Level.ERROR);
        levels.put("FATAL", Level.ERROR);
        return Collections.unmodifiableMap(levels);
    }

    /** Whether {@code level} is one of {@link #LEVELS}, in any case. */
    public static boolean isLevel(String level) {
        return BY_NAME.containsKey(level.toUpperCase(Locale.ROOT));
    }

    /** Sets the device name shown in every line and the root level (one of {@link #LEVELS}, else INFO). */
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
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(
                    BY_NAME.getOrDefault(level.toUpperCase(Locale.ROOT), Level.INFO));
        }
    }

    /**
     * Sends the console's log lines to standard error, for the commands whose standard output is
     * their result ({@code --check --json}, {@code plugins}, {@code status}): a node or plugin
     * that logs while it is built must not break that output.
     */
    public static void consoleToStandardError() {
        root().ifPresent(root -> appenders(root).forEach(appender -> {
            if ((appender instanceof BackgroundOutput background ? background.output() : appender)
                    instanceof ConsoleAppender<?> console) {
                console.stop();
                console.setTarget("System.err");
                console.start();
            }
        }));
    }

    /**
     * Hands the lines of each output, the console and the log file, to a thread of its own until
     * {@link #writeInForeground()}: while a pipeline runs, an output that stops taking lines
     * (journald stuck, a pipe nobody reads) must not stall the threads that log. A full queue
     * drops lines and says how many once the output takes lines again ({@link BackgroundOutput}).
     * Each output switches in one step, and back in {@link #writeInForeground()}: a line logged
     * meanwhile is written once. A plain output (a logback.xml of the user's own) is first put
     * behind a BackgroundOutput for good: a line logged at that instant may come twice.
     */
    public static void writeInBackground() {
        root().ifPresent(root -> appenders(root).forEach(appender -> {
            if (appender instanceof OutputStreamAppender<ILoggingEvent> plain) {
                BackgroundOutput output = new BackgroundOutput(plain, BackgroundOutput.QUEUE_SIZE);
                output.start();
                root.addAppender(output); // before the plain one leaves: a line of that instant comes twice, not never
                root.detachAppender(plain);
            }
        }));
        backgroundOutputs().forEach(BackgroundOutput::writeInBackground);
    }

    /**
     * Writes the lines still queued and lets the threads that log write their lines themselves
     * again: what a pipeline logged is out when its command returns, and an output that has taken
     * no line for a second is given up, so that it does not hold the process's exit.
     */
    public static void writeInForeground() {
        writeInForeground(BackgroundOutput.STUCK_AFTER);
    }

    /** {@link #writeInForeground()}, giving an output up once it has taken no line for {@code stuckAfter}. */
    static void writeInForeground(Duration stuckAfter) {
        backgroundOutputs().forEach(output -> output.writeInForeground(stuckAfter));
    }

    private static Optional<ch.qos.logback.classic.Logger> root() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                ? Optional.of(context.getLogger(Logger.ROOT_LOGGER_NAME)) : Optional.empty();
    }

    private static Stream<BackgroundOutput> backgroundOutputs() {
        return root().stream().flatMap(root -> appenders(root).stream())
                .flatMap(appender -> appender instanceof BackgroundOutput output ? Stream.of(output) : Stream.empty());
    }

    private static List<Appender<ILoggingEvent>> appenders(ch.qos.logback.classic.Logger logger) {
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        logger.iteratorForAppenders().forEachRemaining(appenders::add);
        return appenders;
    }
}

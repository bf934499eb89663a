package org.msight.testkit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * What Logback loggers log, kept for tests to read while other threads (node runners, Redis
 * connections, heartbeats) go on logging: reading never races the threads that log, and a line
 * logged by another thread is waited for, never expected right after the state change that
 * leads to it. Detaches itself on {@link #close()}.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        setContext(logger.getLoggerContext());
        setName("log-capture");
        start();
        logger.addAppender(this);
    }

    /** Captures what the logger named {@code name} and its descendants log. */
    public static LogCapture of(String name) {
        return new LogCapture((Logger) LoggerFactory.getLogger(name));
    }

    /** Captures what the logger of {@code loggerClass} and its descendants log. */
    public static LogCapture of(Class<?> loggerClass) {
        return of(loggerClass.getName());
    }

    /** Captures every logger. */
    public static LogCapture all() {
        return of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
    }

    /** The events so far, in order: for what a message does not show (its thread, its MDC). */
    public List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** The formatted messages so far, in order. */
    public List<String> messages() {
        return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The formatted messages at {@code level} so far, in order. */
    public List<String> messages(Level level) {
        return events.stream().filter(event -> event.getLevel().toString().equals(level.toString()))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Every message so far with its level, one a line, for looking for what must never be logged. */
    public String text() {
        return String.join("\n", events.stream().map(event -> event.getLevel() + " " + event.getFormattedMessage())
                .toList());
    }

    /**
     * Waits until a message matches {@code condition}, failing after {@link Waits#GENEROUS}.
     *
     * @return the first matching message
     */
    public String await(String what, Predicate<String> condition) {
        return Awaitility.await(what).atMost(Waits.GENEROUS).until(() -> messages().stream().filter(condition).findFirst(),
                Optional::isPresent).orElseThrow();
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}

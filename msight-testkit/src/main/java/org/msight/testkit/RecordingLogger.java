package org.msight.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logger that keeps every line at every level, formatted, for tests to look at: which lines
 * a node logged, and that none of them holds a secret.
 */
public final class RecordingLogger extends LineLogger {

    /** One logged line: its level and its formatted message, followed by the throwable if any. */
    public record Line(Level level, String message) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    /** A recording logger named {@code name}. */
    public RecordingLogger(String name) {
        super(name, Level.TRACE);
    }

    /** The lines so far, in order. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The messages of the lines at {@code level}, in order. */
    public List<String> messages(Level level) {
        return lines.stream().filter(line -> line.level() == level).map(Line::message).toList();
    }

    /** Every line at every level, one string, for looking for secrets. */
    public String all() {
        return String.join("\n", lines.stream().map(line -> line.level() + " " + line.message()).toList());
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
            Throwable throwable) {
        String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
        lines.add(new Line(level, throwable == null ? message : message + " " + throwable));
    }
}

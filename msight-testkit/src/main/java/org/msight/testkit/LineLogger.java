package org.msight.testkit;

import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

/**
 * Base of in-process SLF4J loggers for tests and benchmarks: the levels from {@code threshold}
 * up are enabled, and subclasses get each of their lines in
 * {@link #handleNormalizedLoggingCall}, with its message pattern and arguments.
 */
public abstract class LineLogger extends LegacyAbstractLogger {

    private final Level threshold;

    /** A logger named {@code name} with the levels from {@code threshold} up enabled. */
    protected LineLogger(String name, Level threshold) {
        this.name = name;
        this.threshold = threshold;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }
}

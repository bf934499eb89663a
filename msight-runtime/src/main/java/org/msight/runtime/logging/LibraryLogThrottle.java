package org.msight.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import org.msight.api.KeyedLogThrottle;
import org.slf4j.Marker;

/**
 * Lets a library's warnings and errors through once a minute each, told apart by logger, message
 * pattern and exception: a Kafka client whose login the brokers refuse logs the same ERROR at
 * every retry, about once a second. A line let through after others were held back follows one
 * that says how many. Set in {@code logback.xml} for the loggers under {@code prefix}; the
 * runtime's and the plugins' own lines are never held back.
 */
public final class LibraryLogThrottle extends TurboFilter {

    private Duration interval = Duration.ofMinutes(1);
    private KeyedLogThrottle throttle;
    private String prefix;

    /** The loggers held back: those whose name starts with this, such as {@code org.apache.kafka.}. */
    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    /** The least time between two lines of one kind: one minute unless set ({@code 30 seconds}). */
    public void setInterval(ch.qos.logback.core.util.Duration interval) {
        this.interval = Duration.ofMillis(interval.getMilliseconds());
    }

    @Override
    public void start() {
        if (prefix == null || prefix.isEmpty()) {
            addError("LibraryLogThrottle needs a prefix");
            return;
        }
        if (interval.isZero() || interval.isNegative()) {
            addError("LibraryLogThrottle needs an interval of more than 0");
            return;
        }
        throttle = new KeyedLogThrottle(interval, 256);
        super.start();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
            Throwable failure) {
        if (level == null || format == null || !level.isGreaterOrEqual(Level.WARN)
                || !level.isGreaterOrEqual(logger.getEffectiveLevel()) || !logger.getName().startsWith(prefix)
                || logger.getName().equals(LibraryLogThrottle.class.getName())) {
            return FilterReply.NEUTRAL;
        }
        // warn(format, arg, exception) passes the exception among the arguments, not as failure
        Throwable thrown = failure != null ? failure : params != null && params.length > 0
                && params[params.length - 1] instanceof Throwable last ? last : null;
        long times = throttle.occurred(logger.getName() + '\n' + format
                + (thrown == null ? "" : '\n' + thrown.getClass().getName()));
        if (times > 1) {
            ((LoggerContext) getContext()).getLogger(LibraryLogThrottle.class).warn(
                    "{} lines like the next one from {} were held back since the last that was let through",
                    times - 1, logger.getName());
        }
        return times > 0 ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}

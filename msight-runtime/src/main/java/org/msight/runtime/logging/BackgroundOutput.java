package org.msight.runtime.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.msight.api.LogSafe;

/**
 * One log output (the console, the log file) written by a thread of its own, so that an output
 * that stops taking lines (journald stuck, a pipe nobody reads) cannot stall the threads that log:
 * they only queue their lines. When the queue is full a line is dropped and counted, exactly; the
 * first line queued after such lines is a warning that says how many and what to check.
 *
 * <p>Logback's AsyncAppender, with two changes: its check of the queue's room and its offer are
 * one step under a lock, against the other threads that log (only its writer takes from the
 * queue, so the room seen is there), which makes the count exact where AsyncAppender drops without
 * a word; and it never discards lines of INFO and below while the queue is nearly full.
 */
final class BackgroundOutput extends AsyncAppender {

    /** Lines queued at most for each output. */
    static final int QUEUE_SIZE = 4096;

    /** How long an output may take no line before it is given up as stuck when a pipeline ends. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(1);

    /** Writes the queued lines to the output, counting them; the output stays started when this is stopped. */
    private static final class Writer extends UnsynchronizedAppenderBase<ILoggingEvent> {
        private final Appender<ILoggingEvent> output;
        private long written; // guarded by this

        Writer(Appender<ILoggingEvent> output) {
            this.output = output;
            setContext(output.getContext());
            setName(output.getName());
            start();
        }

        @Override
        protected void append(ILoggingEvent event) {
            try {
                output.doAppend(event);
            } finally {
                synchronized (this) {
                    written++;
                    notifyAll();
                }
            }
        }
    }

    private final Writer writer;
    private final String whatDidNotTakeThem;
    private final Object lock = new Object();
    private long dropped; // guarded by lock
    private long queued; // guarded by lock

    BackgroundOutput(Appender<ILoggingEvent> output, int queueSize) {
        this.whatDidNotTakeThem = output instanceof FileAppender<?> file
                ? "the log file " + LogSafe.text(file.getFile()) + " did not take them (is its disk stuck or very slow?)"
                : "the console did not take them (is journald, or whatever reads this process's output, stuck?)";
        setName(output.getName());
        setContext(output.getContext());
        setQueueSize(queueSize);
        setDiscardingThreshold(0);
        setNeverBlock(true); // a line is offered only when there is room for it
        setMaxFlushTime((int) STUCK_AFTER.toMillis());
        writer = new Writer(output);
        addAppender(writer);
    }

    /** The output this writes to. */
    Appender<ILoggingEvent> output() {
        return writer.output;
    }

    @Override
    protected void append(ILoggingEvent event) {
        synchronized (lock) {
            queueDroppedWarning();
            if (getRemainingCapacity() == 0) {
                dropped++;
            } else {
                super.append(event);
                queued++;
            }
        }
    }

    /**
     * Waits until the lines queued so far are written, while the threads that log go on queueing
     * theirs (an interrupt is kept for after): false once the output has taken no line for
     * {@code stuckAfter}. A slow output that takes lines is waited for.
     */
    boolean awaitWritten(Duration stuckAfter) {
        long lines;
        synchronized (lock) {
            lines = queued;
        }
        boolean interrupted = Thread.interrupted(); // an interrupted pipeline's lines are written too
        try {
            synchronized (writer) {
                long written = writer.written;
                long deadline = System.nanoTime() + stuckAfter.toNanos();
                while (writer.written < lines) {
                    if (writer.written > written) { // it takes lines: not stuck
                        written = writer.written;
                        deadline = System.nanoTime() + stuckAfter.toNanos();
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(writer, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void queueDroppedWarning() {
        if (dropped > 0 && getRemainingCapacity() > 0) {
            LoggingEvent warning = new LoggingEvent(BackgroundOutput.class.getName(),
                    ((LoggerContext) getContext()).getLogger("msight.runtime"), Level.WARN,
                    dropped + " log lines were dropped: " + whatDidNotTakeThem, null, null);
            warning.setMDCPropertyMap(Map.of()); // the runtime's line, whichever node's thread queues it
            super.append(warning);
            queued++;
            dropped = 0;
        }
    }

    /**
     * Queues the warning for lines dropped and not yet reported, then writes the lines queued
     * for at most {@link #getMaxFlushTime()} (an output that takes none must not hold the
     * process's exit) and ends the writer. The output stays started.
     */
    @Override
    public void stop() {
        synchronized (lock) {
            queueDroppedWarning();
        }
        super.stop();
    }
}

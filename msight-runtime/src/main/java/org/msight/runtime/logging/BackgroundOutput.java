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
 * One log output (the console, the log file), kept by the root logger for the whole process: the
 * threads that log write their lines themselves, and while a pipeline runs (from
 * {@link #writeInBackground()} to {@link #writeInForeground(Duration)}) only queue them for a
 * thread of its own, so that an output that stops taking lines (journald stuck, a pipe nobody
 * reads) cannot stall them. Whether a line is written or queued is decided under the lock that the
 * switch takes, so each line is written once, whatever the instant. When the queue is full a line
 * is dropped and counted, exactly; the first line queued after such lines is a warning that says
 * how many and what to check.
 *
 * <p>Logback's AsyncAppender, with three changes: it writes through until it is switched to the
 * background; its check of the queue's room and its offer are one step under that lock, against
 * the other threads that log (only its writer takes from the queue, so the room seen is there),
 * which makes the count exact where AsyncAppender drops without a word; and it never discards
 * lines of INFO and below while the queue is nearly full. In logback.xml its output is a nested
 * {@code <output class="...">}.
 */
public final class BackgroundOutput extends AsyncAppender {

    /** Lines queued at most for each output. */
    static final int QUEUE_SIZE = 4096;

    /** How long an output may take no line before it is given up as stuck when a pipeline ends. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(1);

    /** Writes the queued lines to the output, counting them. */
    private static final class Writer extends UnsynchronizedAppenderBase<ILoggingEvent> {
        private volatile Appender<ILoggingEvent> output;
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

        @Override
        public void stop() { // when its writer ends, with this: the output is the writer's alone
            super.stop();
            output.stop();
        }
    }

    private Writer writer; // set before start
    private final Object lock = new Object();
    private boolean background; // guarded by lock
    private long dropped; // guarded by lock
    private long queued; // guarded by lock

    /** An output written by the threads that log until {@link #writeInBackground()}; Logback's configuration sets its output. */
    public BackgroundOutput() {
        setQueueSize(QUEUE_SIZE);
        setDiscardingThreshold(0);
        setNeverBlock(true); // a line is offered only when there is room for it
        setMaxFlushTime((int) STUCK_AFTER.toMillis());
    }

    BackgroundOutput(Appender<ILoggingEvent> output, int queueSize) {
        this();
        setName(output.getName());
        setContext(output.getContext());
        setQueueSize(queueSize);
        setOutput(output);
    }

    /**
     * Sets the output written, started. Replacing it later is one step: each line goes to the
     * one output or to the other; the one replaced is left as it is.
     */
    public void setOutput(Appender<ILoggingEvent> output) {
        if (writer == null) {
            writer = new Writer(output);
            addAppender(writer);
        } else {
            writer.output = output;
        }
    }

    /** The output this writes to. */
    Appender<ILoggingEvent> output() {
        return writer.output;
    }

    @Override
    protected void append(ILoggingEvent event) {
        synchronized (lock) {
            if (background) {
                queueDroppedWarning();
                if (getRemainingCapacity() == 0) {
                    dropped++;
                } else {
                    super.append(event);
                    queued++;
                }
                return;
            }
        }
        writer.output.doAppend(event); // outside the lock: an output slow to take it holds this thread only
    }

    /** Lets the threads that log only queue their lines from now on. */
    void writeInBackground() {
        synchronized (lock) {
            background = true;
        }
    }

    /**
     * Writes the lines queued, and the warning for lines dropped and not yet reported, and lets
     * the threads that log write their lines themselves again: they queue theirs while it waits.
     * An output that has taken no line for {@code stuckAfter} meanwhile is given up: it stays in
     * the background, its queue full, so that a line logged later does not wait for it either.
     */
    void writeInForeground(Duration stuckAfter) {
        if (awaitWritten(stuckAfter)) {
            ILoggingEvent unsaid = null;
            synchronized (lock) {
                queueDroppedWarning();
                if (dropped > 0) { // the queue full at this instant: no line queued later would say them
                    unsaid = droppedWarning();
                }
                background = false;
            }
            if (awaitWritten(stuckAfter) && unsaid != null) { // the lines queued while it waited, then the warning
                writer.output.doAppend(unsaid);
            }
        }
    }

    /**
     * Waits until the lines queued so far are written, while the threads that log go on queueing
     * theirs (an interrupt is kept for after): false once the output has taken no line for
     * {@code stuckAfter}. A slow output that takes lines is waited for.
     */
    private boolean awaitWritten(Duration stuckAfter) {
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
            super.append(droppedWarning());
            queued++;
        }
    }

    /** The warning for the lines dropped and not yet reported, which now count as reported. */
    private ILoggingEvent droppedWarning() {
        LoggingEvent warning = new LoggingEvent(BackgroundOutput.class.getName(),
                ((LoggerContext) getContext()).getLogger("msight.runtime"), Level.WARN,
                dropped + " log lines were dropped: " + whatDidNotTakeThem(), null, null);
        warning.setMDCPropertyMap(Map.of()); // the runtime's line, whichever node's thread queues it
        dropped = 0;
        return warning;
    }

    private String whatDidNotTakeThem() {
        return writer.output instanceof FileAppender<?> file
                ? "the log file " + LogSafe.text(file.getFile()) + " did not take them (is its disk stuck or very slow?)"
                : "the console did not take them (is journald, or whatever reads this process's output, stuck?)";
    }

    /**
     * Queues the warning for lines dropped and not yet reported, then writes the lines queued
     * for at most {@link #getMaxFlushTime()} (an output that takes none must not hold the
     * process's exit) and ends the writer, which stops the output.
     */
    @Override
    public void stop() {
        synchronized (lock) {
            queueDroppedWarning();
        }
        super.stop();
    }
}

package org.msight.runtime.node;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The deadlines of the attempts under way, all the same length, so they fall due in the order
 * the attempts started: the timer thread wakes only when the oldest attempt is due, instead of
 * a timer task per attempt, which woke it at every message whenever no other attempt was under
 * way (one more thread wake-up per upload, on boxes of two cores). Two threads may start
 * attempts (the node's, and the timer's for retries), so the order is that of the queue, and an
 * attempt queued just after a later one may be checked with it, a moment past its due time.
 */
final class AttemptDeadlines {

    /** Runs a task on the timer thread after a wait; does nothing once the timer is closed. */
    interface Timer {
        void schedule(Runnable task, Duration wait);
    }

    private final Timer timer;
    private final long timeoutNanos;
    /** In the order they started; an attempt leaves when it ends or falls due. */
    private final ConcurrentLinkedQueue<Watched> underway = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();

    /** An attempt being watched; {@link #end} it when its outcome is known. */
    final class Watched {
        private final long dueNanos;
        private final Runnable onDue;

        private Watched(long dueNanos, Runnable onDue) {
            this.dueNanos = dueNanos;
            this.onDue = onDue;
        }

        /** The attempt is over: its deadline no longer applies. */
        void end() {
            underway.remove(this);
        }
    }

    AttemptDeadlines(Timer timer, Duration timeout) {
        this.timer = timer;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Runs {@code onDue} on the timer thread if the attempt starting now has not ended within the
     * timeout; {@code onDue} should not throw (what it throws goes to the thread's handler).
     */
    Watched watch(Runnable onDue) {
        Watched attempt = new Watched(System.nanoTime() + timeoutNanos, onDue);
        underway.add(attempt);
        if (checkScheduled.compareAndSet(false, true)) {
            timer.schedule(this::check, Duration.ofNanos(timeoutNanos));
        }
        return attempt;
    }

    private void check() {
        try {
            checkDue();
        } catch (RuntimeException | Error e) { // no memory left: no check is scheduled, so the next watch schedules one
            checkScheduled.set(false);
            throw e;
        }
    }

    private void checkDue() {
        while (true) {
            Watched oldest = underway.peek();
            if (oldest == null) {
                checkScheduled.set(false);
                // An attempt watched since the peek found a check scheduled and left itself to this one.
                if (underway.isEmpty() || !checkScheduled.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            long wait = oldest.dueNanos - System.nanoTime();
            if (wait > 0) {
                timer.schedule(this::check, Duration.ofNanos(wait));
                return;
            }
            if (underway.remove(oldest)) {
                try {
                    oldest.onDue.run();
                } catch (RuntimeException e) {
                    // the later deadlines still matter: report it and go on checking
                    Thread thread = Thread.currentThread();
                    thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
                }
            }
        }
    }
}

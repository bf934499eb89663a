package org.msight.api;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Background threads of the runtime and its plugins: daemon threads (they never keep the JVM
 * from exiting; shutdown is the runtime's business) named for thread dumps and logs. A thread
 * that ends on a failure its task did not catch says so in one ERROR line of logger
 * {@code msight.threads}, with the stack trace (a bug's), not only on the standard error; so does
 * a scheduler's task, which a failure would otherwise end in silence. A periodic task lives on
 * past a failed run (an Error such as no heap left, or a bug): its next run goes as planned, and
 * its failures are said at most once a minute.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Starts a daemon thread called {@code name} running {@code task}. */
    public static Thread start(String name, Runnable task) {
        Thread thread = factory(name).newThread(task);
        thread.start();
        return thread;
    }

    /**
     * A scheduler on one daemon thread called {@code name}; a task's uncaught failure is logged, a
     * periodic one's runs go on. It is a {@link ScheduledThreadPoolExecutor}, whose policies the
     * caller may set.
     */
    public static ScheduledExecutorService scheduler(String name) {
        return new ScheduledThreadPoolExecutor(1, factory(name)) {
            @Override
            public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long delay, long period, TimeUnit unit) {
                return super.scheduleAtFixedRate(new Surviving(task), delay, period, unit);
            }

            @Override
            public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long delay, long period, TimeUnit unit) {
                return super.scheduleWithFixedDelay(new Surviving(task), delay, period, unit);
            }

            @Override
            protected void afterExecute(Runnable task, Throwable failure) {
                if (task instanceof Future<?> future && future.isDone() && !future.isCancelled()) {
                    try {
                        future.get();
                    } catch (ExecutionException e) {
                        LoggerFactory.getLogger("msight.threads").error("a task of thread {} failed in a way it did not"
                                + " expect: {}", Thread.currentThread().getName(), LogSafe.text(e.getCause()), e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

    /** A periodic task whose failed run does not end it, said at most once a minute. */
    private static final class Surviving implements Runnable {

        private final Runnable task;
        private final LogThrottle lines = new LogThrottle(Duration.ofMinutes(1));

        Surviving(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                task.run();
            } catch (Throwable failure) {
                try {
                    long times = lines.occurred();
                    if (times > 0) {
                        LoggerFactory.getLogger("msight.threads").error("a periodic task of thread {} failed in a way"
                                + " it did not expect{}; it runs again as planned: {}", Thread.currentThread().getName(),
                                times == 1 ? "" : " (" + times + " times since the last such line)",
                                LogSafe.text(failure), failure);
                    }
                } catch (Throwable unsaid) {
                    // no heap left even for the line: the task runs again as planned
                }
            }
        }
    }

    /** Makes daemon threads, each called {@code name}. */
    public static ThreadFactory factory(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler(DaemonThreads::ended);
            return thread;
        };
    }

    private static void ended(Thread thread, Throwable failure) {
        LoggerFactory.getLogger("msight.threads").error("thread {} ended on a failure it did not expect, and what it"
                + " did has stopped: {}", thread.getName(), LogSafe.text(failure), failure);
    }
}

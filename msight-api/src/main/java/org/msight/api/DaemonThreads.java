package org.msight.api;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import org.slf4j.LoggerFactory;

/**
 * Background threads of the runtime and its plugins: daemon threads (they never keep the JVM
 * from exiting; shutdown is the runtime's business) named for thread dumps and logs. A thread
 * that ends on a failure its task did not catch says so in one ERROR line of logger
 * {@code msight.threads}, with the stack trace (a bug's), not only on the standard error; so does
 * a scheduler's task, which a failure would otherwise end in silence (a periodic one for good).
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

    /** A scheduler on one daemon thread called {@code name}; a task's uncaught failure is logged. */
    public static ScheduledExecutorService scheduler(String name) {
        return new ScheduledThreadPoolExecutor(1, factory(name)) {
            @Override
            protected void afterExecute(Runnable task, Throwable failure) {
                if (task instanceof Future<?> future && future.isDone() && !future.isCancelled()) {
                    try {
                        future.get();
                    } catch (ExecutionException e) {
                        LoggerFactory.getLogger("msight.threads").error("a task of thread {} failed in a way it did not"
                                + " expect, and, if it repeats, has stopped: {}", Thread.currentThread().getName(),
                                LogSafe.text(e.getCause()), e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
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

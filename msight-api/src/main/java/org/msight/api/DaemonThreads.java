package org.msight.api;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * Background threads of the runtime and its plugins: daemon threads (they never keep the JVM
 * from exiting; shutdown is the runtime's business) named for thread dumps and logs.
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

    /** A scheduler on one daemon thread called {@code name}. */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(factory(name));
    }

    /** Makes daemon threads, each called {@code name}. */
    public static ThreadFactory factory(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

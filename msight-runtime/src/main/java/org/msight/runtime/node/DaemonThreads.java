package org.msight.runtime.node;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The runtime's background timers: one daemon thread each, named for thread dumps and logs. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A scheduler on one daemon thread called {@code name}, which never keeps the JVM alive. */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }
}

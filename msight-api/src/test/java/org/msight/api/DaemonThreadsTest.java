package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    /** A keep-alive whose run met no heap left used to end for good, leaving a dead connection unnoticed. */
    @Test
    void aPeriodicTaskRunsOnPastAFailedRun() throws InterruptedException {
        ScheduledExecutorService scheduler = DaemonThreads.scheduler("test-periodic");
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ranOnAfterFailures = new CountDownLatch(1);
        try {
            scheduler.scheduleAtFixedRate(() -> {
                if (runs.incrementAndGet() <= 2) {
                    throw new OutOfMemoryError("Java heap space (on purpose)");
                }
                ranOnAfterFailures.countDown();
            }, 0, 10, TimeUnit.MILLISECONDS);
            CountDownLatch bugRuns = new CountDownLatch(3);
            scheduler.scheduleWithFixedDelay(() -> {
                bugRuns.countDown();
                throw new IllegalStateException("a bug (on purpose)");
            }, 0, 10, TimeUnit.MILLISECONDS);
            assertThat(ranOnAfterFailures.await(60, TimeUnit.SECONDS)).as("a run after two that failed").isTrue();
            assertThat(bugRuns.await(60, TimeUnit.SECONDS)).as("three runs that each failed").isTrue();
        } finally {
            scheduler.shutdownNow();
        }
    }
}

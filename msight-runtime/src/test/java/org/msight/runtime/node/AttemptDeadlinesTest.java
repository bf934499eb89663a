package org.msight.runtime.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AttemptDeadlinesTest {

    private static final Duration TIMEOUT = Duration.ofMillis(100);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final AttemptDeadlines deadlines = new AttemptDeadlines(timer, TIMEOUT);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void onlyAttemptsThatDidNotEndFallDueInTheirOrderAndNotBeforeTheTimeout() throws Exception {
        List<String> due = new CopyOnWriteArrayList<>();
        CountDownLatch lastDue = new CountDownLatch(1);
        AttemptDeadlines.Watched ended = deadlines.watch(() -> due.add("ended"));
        deadlines.watch(() -> due.add("stuck 1"));
        ended.end();
        long lastStart = System.nanoTime();
        long[] lastDueAfter = new long[1];
        deadlines.watch(() -> {
            lastDueAfter[0] = System.nanoTime() - lastStart;
            due.add("stuck 2");
            lastDue.countDown();
        });

        assertThat(lastDue.await(30, SECONDS)).as("the last stuck attempt fell due").isTrue();
        assertThat(due).containsExactly("stuck 1", "stuck 2");
        assertThat(lastDueAfter[0]).isGreaterThanOrEqualTo(TIMEOUT.toNanos());
    }

    @Test
    void attemptsWatchedAfterAllOthersEndedStillFallDue() throws Exception {
        deadlines.watch(() -> { }).end();
        CountDownLatch firstDue = new CountDownLatch(1);
        deadlines.watch(firstDue::countDown);
        assertThat(firstDue.await(30, SECONDS)).isTrue();

        CountDownLatch againDue = new CountDownLatch(1);
        deadlines.watch(againDue::countDown);
        assertThat(againDue.await(30, SECONDS)).as("a deadline watched once the queue had emptied").isTrue();
    }
}

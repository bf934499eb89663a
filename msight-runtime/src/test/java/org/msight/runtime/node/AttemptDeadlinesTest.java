package org.msight.runtime.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AttemptDeadlinesTest {

    /** A timer whose checks the test runs itself, on its own thread, when it chooses. */
    private static final class ManualTimer implements AttemptDeadlines.Timer {
        final Queue<Runnable> checks = new ArrayDeque<>();
        final List<Duration> waits = new ArrayList<>();

        @Override
        public void schedule(Runnable task, Duration wait) {
            checks.add(task);
            waits.add(wait);
        }

        /** Runs the checks scheduled so far, not those they schedule. */
        void runChecks() {
            for (int n = checks.size(); n > 0; n--) {
                checks.poll().run();
            }
        }
    }

    @Test
    void onlyAttemptsThatDidNotEndFallDueInTheOrderTheyStarted() {
        ManualTimer timer = new ManualTimer();
        // A zero timeout: every attempt is due as soon as it is watched, so no test waits for time.
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, Duration.ZERO);
        List<String> due = new ArrayList<>();
        AttemptDeadlines.Watched ended = deadlines.watch(() -> due.add("ended"));
        deadlines.watch(() -> due.add("stuck 1"));
        deadlines.watch(() -> due.add("stuck 2"));
        ended.end();
        assertThat(timer.checks).as("one check for all three").hasSize(1);

        timer.runChecks();

        assertThat(due).containsExactly("stuck 1", "stuck 2");
        assertThat(timer.checks).as("nothing left to check").isEmpty();
        deadlines.watch(() -> due.add("after"));
        assertThat(timer.checks).as("a new attempt after the queue emptied is checked again").hasSize(1);
    }

    @Test
    void aCheckBeforeTheOldestIsDueWaitsForIt() {
        ManualTimer timer = new ManualTimer();
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, Duration.ofHours(1));
        List<String> due = new ArrayList<>();
        deadlines.watch(() -> due.add("oldest"));

        timer.runChecks();

        assertThat(due).isEmpty();
        assertThat(timer.waits).hasSize(2);
        assertThat(timer.waits.get(1)).as("the second check waits for the oldest's deadline")
                .isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
    }

    @Test
    void aDeadlineThatThrowsDoesNotStopTheLaterOnes() {
        ManualTimer timer = new ManualTimer();
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, Duration.ZERO);
        List<String> due = new ArrayList<>();
        List<Throwable> reported = new ArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((thread, e) -> reported.add(e));
        try {
            deadlines.watch(() -> {
                throw new IllegalStateException("broken");
            });
            deadlines.watch(() -> due.add("later"));
            timer.runChecks();
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(before);
        }
        assertThat(reported).extracting(Throwable::getMessage).containsExactly("broken");
        assertThat(due).containsExactly("later");
    }

    /**
     * A check an Error ends (no memory left to cancel an attempt or to schedule the next check)
     * leaves the later attempts watched: the check still counted as scheduled, so none was
     * scheduled again and no attempt fell due for the rest of the run, stuck ones keeping their
     * slots for good.
     */
    @Test
    void aCheckThatAnErrorEndsLeavesTheLaterAttemptsWatched() {
        ManualTimer timer = new ManualTimer();
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, Duration.ZERO);
        List<String> due = new ArrayList<>();
        deadlines.watch(() -> {
            throw new OutOfMemoryError("Java heap space (on purpose)");
        });
        assertThatThrownBy(timer::runChecks).isInstanceOf(OutOfMemoryError.class); // the timer's to say

        deadlines.watch(() -> due.add("later"));
        timer.runChecks();
        assertThat(due).containsExactly("later");
    }

    @Test
    void onARealTimerAStuckAttemptFallsDueAfterTheTimeout() throws Exception {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        try {
            AttemptDeadlines deadlines = new AttemptDeadlines(
                    (task, wait) -> executor.schedule(task, wait.toNanos(), TimeUnit.NANOSECONDS), Duration.ofMillis(100));
            deadlines.watch(() -> { }).end();
            long start = System.nanoTime();
            long[] dueAfter = new long[1];
            CountDownLatch due = new CountDownLatch(1);
            deadlines.watch(() -> {
                dueAfter[0] = System.nanoTime() - start;
                due.countDown();
            });
            assertThat(due.await(30, SECONDS)).as("the stuck attempt fell due").isTrue();
            assertThat(dueAfter[0]).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        } finally {
            executor.shutdownNow();
        }
    }
}

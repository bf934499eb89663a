package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msight.api.DaemonThreads;
import org.msight.testkit.Waits;
import org.slf4j.LoggerFactory;

/**
 * A background thread that dies of a failure its task did not catch, or a scheduler's task that
 * does, is one ERROR line, not only stderr or nothing; a periodic task runs on.
 */
class DaemonThreadsLogTest {

    private final Logger threads = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("msight.threads");
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void listen() {
        events.start();
        threads.addAppender(events);
    }

    @AfterEach
    void stopListening() {
        threads.detachAppender(events);
    }

    @Test
    void aThreadEndedByAnUncaughtFailureIsLoggedAtError() throws Exception {
        Thread thread = DaemonThreads.start("msight-test-dies", () -> {
            throw new IllegalStateException("a bug\nwith a second line");
        });
        thread.join();
        assertThat(events.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).hasToString("ERROR");
            assertThat(event.getFormattedMessage()).isEqualTo("thread msight-test-dies ended on a failure it did not"
                    + " expect, and what it did has stopped: java.lang.IllegalStateException: a bug\\nwith a second line");
            assertThat(event.getThrowableProxy().getClassName()).isEqualTo("java.lang.IllegalStateException");
        });
    }

    /** A periodic task's failed run is one ERROR line a minute, and the task runs on. */
    @Test
    void aPeriodicTasksFailureIsLoggedAtErrorOnceAMinuteAndItRunsOn() throws InterruptedException {
        ScheduledExecutorService scheduler = DaemonThreads.scheduler("msight-test-periodic");
        CountDownLatch runs = new CountDownLatch(3);
        try {
            scheduler.scheduleWithFixedDelay(() -> {
                runs.countDown();
                throw new StackOverflowError("not an exception");
            }, 0, 10, TimeUnit.MILLISECONDS);
            assertThat(runs.await(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("runs after one failed").isTrue();
        } finally {
            scheduler.shutdownNow();
        }
        assertThat(events.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).hasToString("ERROR");
            assertThat(event.getFormattedMessage()).isEqualTo("a periodic task of thread msight-test-periodic failed in"
                    + " a way it did not expect; it runs again as planned: java.lang.StackOverflowError: not an exception");
            assertThat(event.getThrowableProxy().getClassName()).isEqualTo("java.lang.StackOverflowError");
        });
    }

    @Test
    void aTaskEndedByAFailureIsLoggedAtError() {
        ScheduledExecutorService scheduler = DaemonThreads.scheduler("msight-test-once");
        try {
            scheduler.schedule(() -> {
                throw new IllegalStateException("a bug");
            }, 0, TimeUnit.MILLISECONDS);
            await().atMost(Waits.GENEROUS).until(() -> !events.list.isEmpty());
        } finally {
            scheduler.shutdownNow();
        }
        assertThat(events.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).hasToString("ERROR");
            assertThat(event.getFormattedMessage()).isEqualTo("a task of thread msight-test-once failed in a way it did"
                    + " not expect: java.lang.IllegalStateException: a bug");
        });
    }
}

package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.msight.api.DaemonThreads;
import org.slf4j.LoggerFactory;

/** A background thread that dies of a failure its task did not catch is one ERROR line, not only stderr. */
class DaemonThreadsLogTest {

    @Test
    void aThreadEndedByAnUncaughtFailureIsLoggedAtError() throws Exception {
        Logger threads = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("msight.threads");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        threads.addAppender(events);
        try {
            Thread thread = DaemonThreads.start("msight-test-dies", () -> {
                throw new IllegalStateException("a bug\nwith a second line");
            });
            thread.join();
        } finally {
            threads.detachAppender(events);
        }
        assertThat(events.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).hasToString("ERROR");
            assertThat(event.getFormattedMessage()).isEqualTo("thread msight-test-dies ended on a failure it did not"
                    + " expect, and what it did has stopped: java.lang.IllegalStateException: a bug\\nwith a second line");
            assertThat(event.getThrowableProxy().getClassName()).isEqualTo("java.lang.IllegalStateException");
        });
    }
}

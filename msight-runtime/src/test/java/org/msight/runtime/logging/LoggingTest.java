package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Waits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LoggingTest {

    private final ch.qos.logback.classic.Logger root =
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
    private final Level before = root.getLevel();

    @AfterEach
    void restore() {
        root.setLevel(before);
    }

    private Level rootLevelAfter(String level) {
        Logging.configure("edge-01", level);
        return root.getLevel();
    }

    @Test
    void pythonsLevelNamesAsMsightAcceptsThem() {
        assertThat(rootLevelAfter("WARNING")).isEqualTo(Level.WARN);
        assertThat(rootLevelAfter("CRITICAL")).isEqualTo(Level.ERROR);
        assertThat(rootLevelAfter("FATAL")).isEqualTo(Level.ERROR);
        assertThat(rootLevelAfter("NOTSET")).isEqualTo(Level.DEBUG);
        assertThat(rootLevelAfter("debug")).isEqualTo(Level.DEBUG);
        assertThat(Logging.LEVELS).contains("FATAL", "CRITICAL", "WARNING", "WARN", "ERROR", "INFO", "DEBUG");
        assertThat(Logging.isLevel("fatal")).isTrue();
        assertThat(Logging.isLevel("LOUD")).isFalse();
    }

    /**
     * While a pipeline runs its log file is written in the background; when it stops, what it
     * logged is in the file, and the file is written again by the threads that log.
     */
    @Test
    void theOutputsAreWrittenInTheBackgroundWhileAPipelineRunsAndDrainedWhenItStops(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("msight.log");
        Logging.configure("edge-01", "INFO", LogOutput.from(ConfigFactory.parseString("format = text, file = \""
                + file + "\", max-file-size = 10MB, max-files = 2")));
        Logger log = LoggerFactory.getLogger("msight.runtime");
        try {
            Logging.writeInBackground();
            assertThat(root.getAppender("FILE")).isInstanceOf(BackgroundOutput.class);
            assertThat(root.getAppender("CONSOLE")).isInstanceOf(BackgroundOutput.class);
            log.info("while the pipeline runs");
            Logging.writeInForeground(Waits.GENEROUS);
            assertThat(Files.readString(file)).contains("while the pipeline runs");
            log.info("once it has stopped");

            assertThat(root.getAppender("CONSOLE")).isInstanceOf(ConsoleAppender.class).matches(Appender::isStarted);
            assertThat(root.getAppender("FILE")).isNotInstanceOf(BackgroundOutput.class).matches(Appender::isStarted);
            assertThat(Files.readString(file)).contains("once it has stopped");
        } finally {
            Logging.writeInForeground(); // when an assertion failed before
            root.detachAppender("FILE");
        }
    }

    /**
     * What other threads log while the lines queued are written at the pipeline's end (a node
     * that did not stop in time, a second signal) is written too: the output was out of the
     * logger for that time, up to a second, and those lines went nowhere. Here the output takes
     * the pipeline's last line only once another thread has logged while writeInForeground waits.
     */
    @Test
    void whatIsLoggedWhileTheQueuedLinesAreWrittenAtTheEndIsWrittenToo() throws Exception {
        Logger log = LoggerFactory.getLogger("msight.runtime");
        AtomicReference<Thread> foreground = new AtomicReference<>();
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] bytes, int offset, int length) {
                if (new String(bytes, offset, length, StandardCharsets.UTF_8).startsWith("the pipeline's last line")) {
                    long deadline = System.nanoTime() + Waits.GENEROUS.toNanos(); // not interruptible: the writer may be
                    while ((foreground.get() == null || foreground.get().getState() != Thread.State.TIMED_WAITING)
                            && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    Thread other = new Thread(() -> log.info("logged meanwhile"));
                    other.start();
                    while (other.isAlive() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
                taken.write(bytes, offset, length);
            }
        };
        OutputStreamAppender<ILoggingEvent> output = new OutputStreamAppender<>();
        output.setName("SLOW");
        output.setContext(root.getLoggerContext());
        PatternLayoutEncoder lines = new PatternLayoutEncoder();
        lines.setPattern("%msg%n");
        lines.setContext(root.getLoggerContext());
        lines.start();
        output.setEncoder(lines);
        output.setOutputStream(slow);
        output.start();
        List<Appender<ILoggingEvent>> others = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(others::add);
        others.forEach(root::detachAppender);
        root.addAppender(output); // the first written in the foreground again
        others.forEach(root::addAppender);
        try {
            Logging.writeInBackground();
            log.info("the pipeline's last line");
            Thread ending = new Thread(() -> Logging.writeInForeground(Waits.GENEROUS));
            foreground.set(ending);
            ending.start();
            ending.join(Waits.GENEROUS.toMillis());

            assertThat(taken.toString(StandardCharsets.UTF_8)).isEqualTo("the pipeline's last line\nlogged meanwhile\n");
        } finally {
            Logging.writeInForeground(); // when an assertion failed before
            root.detachAppender("SLOW");
        }
    }
}

package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
            Logging.writeInForeground();
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
}

package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
}

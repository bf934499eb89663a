package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MsightLayoutTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    private String line(String message, Throwable failure) {
        return new MsightLayout().doLayout(new LoggingEvent(getClass().getName(), context.getLogger("org.example.Lib"),
                Level.ERROR, message, failure, null));
    }

    @Test
    void aMessageIsOneLineWhateverItHolds() {
        String line = line("sensor 'cam\u001b[31m\u0000'\nINFO :: forged", null);

        assertThat(line).endsWith(" - msight - ERROR :: sensor 'cam\\u001b[31m\\u0000'\\nINFO :: forged"
                + System.lineSeparator());
    }

    @Test
    void aStackTraceKeepsItsLinesAndTabsButNoOtherControlCharacter() {
        String line = line("failed", new IllegalStateException("bad name 'a\u0000b\u001b[2J'"));

        assertThat(line).contains(System.lineSeparator() + "java.lang.IllegalStateException: bad name"
                + " 'a\\u0000b\\u001b[2J'" + System.lineSeparator() + "\tat org.msight.runtime.logging.MsightLayoutTest.")
                .doesNotContain("\u0000", "\u001b");
    }

    /** A suppressed exception's frames are indented with two tabs: the second was written as the text \t. */
    @Test
    void aSuppressedExceptionKeepsItsIndentation() {
        IllegalStateException failure = new IllegalStateException("upload failed");
        failure.addSuppressed(new IllegalArgumentException("close failed"));
        String line = line("failed", failure);

        assertThat(line).contains(System.lineSeparator() + "\tSuppressed: java.lang.IllegalArgumentException: close"
                + " failed" + System.lineSeparator() + "\t\tat org.msight.runtime.logging.MsightLayoutTest.")
                .doesNotContain("\\t");
    }

    /** An exception's message is one line of the trace: a line break in it could forge a log line. */
    @Test
    void anExceptionsMessageIsOneLineOfTheTraceItsCausesToo() {
        String forged = "\n2025-11-16 23:23:15,913 - local - msight - INFO :: all is well";
        String line = line("failed", new IllegalStateException("outer" + forged, new RuntimeException("inner" + forged)));

        assertThat(line.lines()).noneMatch(traceLine -> traceLine.startsWith("2025-11-16"));
        assertThat(line).contains("java.lang.IllegalStateException: outer\\n2025-11-16",
                "Caused by: java.lang.RuntimeException: inner\\n2025-11-16");
    }

    /** Credentials are masked in the message and the trace's messages; the line's time is never taken for them. */
    @Test
    void credentialsAreMaskedInTheMessageAndTheTraceNotInTheTime() {
        String line = line("connected to NATS at bob:s3cret@nats1:4222", new IllegalStateException(
                "refused by redis://:s3cret@cache:6379", new RuntimeException("at rtsp://admin:s3cret@cam/live")));

        assertThat(line).matches("(?s)\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3} - \\S+ - msight - ERROR"
                + " :: connected to NATS at \\*\\*\\*@nats1:4222\\R.*").doesNotContain("s3cret")
                .contains("IllegalStateException: refused by redis://***@cache:6379",
                        "Caused by: java.lang.RuntimeException: at rtsp://***@cam/live");
    }
}

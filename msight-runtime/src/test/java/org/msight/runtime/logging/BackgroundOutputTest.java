package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.msight.testkit.Waits;

/** An output that stops taking lines, behind a {@link BackgroundOutput}, on a logger context of the test's own. */
class BackgroundOutputTest {

    /** An output that takes no line until it is opened, as a pipe nobody reads. */
    private static final class Stuck extends AppenderBase<ILoggingEvent> {

        final CountDownLatch opened = new CountDownLatch(1);
        final CountDownLatch holding = new CountDownLatch(1);
        final List<ILoggingEvent> written = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            holding.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    opened.await();
                    break;
                } catch (InterruptedException e) { // the stop's: this line is still written
                    interrupted = true;
                }
            }
            written.add(event);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void linesAFullQueueDropsAreCountedExactlyAndSaidOnceTheOutputTakesLinesAgain() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        Stuck output = new Stuck();
        output.setContext(context);
        output.setName("CONSOLE");
        output.start();
        BackgroundOutput background = new BackgroundOutput(output, 10);
        background.start();
        background.writeInBackground();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(background);
        Logger camera = context.getLogger("msight.node.camera");
        context.getMDCAdapter().put("node", "camera");

        // The writer holds the first line, alone in its batch, and the queue 10 more: 89 are
        // dropped, INFO lines as much as the others. (Without waiting for the writer to hold it, the
        // queue could fill before the writer first takes from it, and the warning be queued twice.)
        camera.info("line {}", 0);
        await().atMost(Waits.GENEROUS).until(() -> output.holding.getCount() == 0);
        for (int i = 1; i < 100; i++) {
            camera.info("line {}", i);
        }
        output.opened.countDown();
        await().atMost(Waits.GENEROUS).until(() -> background.getNumberOfElementsInQueue() == 0);
        camera.info("line {}", 100);
        background.stop();

        List<ILoggingEvent> written = output.written;
        ILoggingEvent warning = written.get(written.size() - 2);
        Matcher count = Pattern.compile("(\\d+) log lines were dropped: the console did not take them \\(is"
                + " journald, or whatever reads this process's output, stuck\\?\\)").matcher(warning.getFormattedMessage());
        assertThat(count.matches()).as(warning.getFormattedMessage()).isTrue();
        int dropped = Integer.parseInt(count.group(1));
        List<String> kept = written.stream().filter(event -> event != warning).map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(dropped).isEqualTo(89);
        assertThat(kept.size() + dropped).isEqualTo(101);
        assertThat(kept).isSortedAccordingTo((a, b) -> Integer.compare(number(a), number(b))).endsWith("line 100");
        assertThat(warning.getLevel()).hasToString("WARN");
        assertThat(MsightLayout.nodeOf(warning)).as("logged on the camera's thread, a line of the runtime's")
                .isEqualTo("msight");
        assertThat(output.isStarted()).as("stopped with it").isFalse();
    }

    private static int number(String line) {
        return Integer.parseInt(line.substring("line ".length()));
    }
}

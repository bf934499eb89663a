package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /** An output that holds each line whose message it was given until that line is let go, taking others meanwhile. */
    private static final class Gated extends UnsynchronizedAppenderBase<ILoggingEvent> {

        final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
        final Set<String> holding = ConcurrentHashMap.newKeySet();
        final List<String> written = new CopyOnWriteArrayList<>();

        Gated(LoggerContext context, String... hold) {
            setContext(context);
            for (String message : hold) {
                held.put(message, new CountDownLatch(1));
            }
            start();
        }

        void letGo(String message) {
            held.get(message).countDown();
        }

        @Override
        protected void append(ILoggingEvent event) {
            String message = event.getFormattedMessage();
            holding.add(message);
            CountDownLatch gate = held.get(message);
            try {
                if (gate != null && !gate.await(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("never let go: " + message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.add(message);
        }
    }

    /**
     * Lines dropped while the output switches back to the threads that log, its queue full at
     * that instant (its writer holding the line after the last one the switch waited for), are
     * said once the lines queued are written: no line queued later would say them.
     */
    @Test
    void linesDroppedWhenTheQueueIsFullAtTheSwitchToTheForegroundAreSaid() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        Gated output = new Gated(context, "line 0", "line 1", "line 2");
        BackgroundOutput background = new BackgroundOutput(output, 2);
        background.start();
        background.writeInBackground();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(background);
        Logger log = context.getLogger("msight.node.camera");

        log.info("line 0");
        await().atMost(Waits.GENEROUS).until(() -> output.holding.contains("line 0"));
        log.info("line 1");
        Thread ending = new Thread(() -> background.writeInForeground(Waits.GENEROUS));
        ending.start();
        await().atMost(Waits.GENEROUS).until(() -> ending.getState() == Thread.State.TIMED_WAITING); // for lines 0 and 1
        log.info("line 2");
        output.letGo("line 0"); // its writer takes lines 1 and 2 together
        await().atMost(Waits.GENEROUS).until(() -> output.holding.contains("line 1"));
        log.info("line 3");
        log.info("line 4"); // the queue is full
        log.info("line 5"); // dropped
        int logged = 6;
        output.letGo("line 1"); // the switch goes ahead, the queue full while line 2 is held
        int probe = 0;
        while (!output.written.contains("probe " + probe)) { // dropped until the switch, then written
            assertThat(ending.isAlive()).isTrue();
            log.info("probe {}", ++probe);
            logged++;
        }
        output.letGo("line 2");
        ending.join(Waits.GENEROUS.toMillis());
        log.info("line 6");
        logged++;

        Pattern warning = Pattern.compile("(\\d+) log lines were dropped: .*");
        int said = output.written.stream().map(warning::matcher).filter(Matcher::matches)
                .mapToInt(count -> Integer.parseInt(count.group(1))).sum();
        long kept = output.written.stream().filter(line -> !warning.matcher(line).matches()).count();
        assertThat(said).as("lines said dropped, of %d logged: %s", logged, output.written).isEqualTo(logged - kept);
        background.stop();
    }

    private static int number(String line) {
        return Integer.parseInt(line.substring("line ".length()));
    }
}

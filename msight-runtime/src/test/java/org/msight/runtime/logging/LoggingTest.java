package org.msight.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
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
            assertThat(root.getAppender("FILE")).isInstanceOfSatisfying(BackgroundOutput.class,
                    output -> assertThat(output.output()).isInstanceOf(RollingFileAppender.class));
            assertThat(root.getAppender("CONSOLE")).isInstanceOfSatisfying(BackgroundOutput.class,
                    output -> assertThat(output.output()).isInstanceOf(ConsoleAppender.class));
            Logging.writeInBackground();
            log.info("while the pipeline runs");
            Logging.writeInForeground(Waits.GENEROUS);
            assertThat(Files.readString(file)).contains("while the pipeline runs");
            log.info("once it has stopped");

            assertThat(Files.readString(file)).as("written by the thread that logged it").contains("once it has stopped");
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
        BackgroundOutput output = output("SLOW", slow);
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

    /** The console of logback.xml, behind its BackgroundOutput, is found while its lines are queued too. */
    @Test
    void theConsoleGoesToStandardErrorWhileItIsWrittenInTheBackground() {
        ConsoleAppender<?> console = (ConsoleAppender<?>) ((BackgroundOutput) root.getAppender("CONSOLE")).output();
        try {
            Logging.writeInBackground();
            Logging.consoleToStandardError();
            assertThat(console.getTarget()).isEqualTo("System.err");
        } finally {
            Logging.writeInForeground(Waits.GENEROUS);
            console.stop();
            console.setTarget("System.out");
            console.start();
        }
    }

    /**
     * A line logged while the outputs switch between the threads that log and their own threads
     * is written once: not twice (the output attached both directly and behind its thread for an
     * instant), nor never (queued to a thread that was ending). A thread logs numbered lines,
     * never more than a thousand ahead of what the output took (its queue holds 4096: none is
     * dropped), while the outputs switch back and forth; each switch is followed by lines logged
     * in the new mode. Before the switch was one step, every run of this test wrote some lines
     * twice (from a few to thousands in 500 cycles).
     */
    @Test
    void everyLineIsWrittenExactlyOnceWhileTheOutputsSwitchBackAndForth() throws Exception {
        Logger log = LoggerFactory.getLogger("msight.runtime");
        Numbers numbers = new Numbers();
        BackgroundOutput output = output("NUMBERS", numbers);
        List<Appender<ILoggingEvent>> others = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(others::add);
        others.forEach(root::detachAppender); // a hundred thousand lines on the console would be noise
        root.addAppender(output);
        Thread logging = new Thread(() -> {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                if (!numbers.await(() -> numbers.written >= numbers.logged - 1000)) {
                    return;
                }
                log.info("{}", i);
                numbers.loggedOne();
            }
        });
        logging.start();
        try {
            for (int cycle = 0; cycle < 500; cycle++) {
                Logging.writeInBackground();
                assertThat(numbers.awaitOneMoreLogged()).isTrue();
                Logging.writeInForeground(Waits.GENEROUS);
                assertThat(numbers.awaitOneMoreLogged()).isTrue();
            }
        } finally {
            logging.interrupt();
            logging.join(Waits.GENEROUS.toMillis());
            Logging.writeInForeground(Waits.GENEROUS);
            root.detachAppender(output);
            others.forEach(root::addAppender);
        }

        long logged = numbers.logged;
        BitSet once = new BitSet();
        BitSet twice = new BitSet();
        Map<Boolean, List<String>> lines = numbers.text().lines()
                .collect(Collectors.partitioningBy(line -> line.matches("\\d+")));
        assertThat(lines.get(false)).as("lines other than the numbers logged").isEmpty();
        lines.get(true).stream().mapToInt(Integer::parseInt).forEach(n -> (once.get(n) ? twice : once).set(n));
        assertThat(twice.stream().limit(10)).as("lines written more than once (%d of %d)", twice.cardinality(), logged)
                .isEmpty();
        assertThat(once.nextClearBit(0)).as("the first line never written, of %d", logged).isEqualTo(logged);
        assertThat(once.length()).as("the last number written, plus one").isEqualTo(logged);
    }

    /**
     * A logback.xml of the user's own (-Dlogback.configurationFile) whose console is a plain
     * ConsoleAppender: while a pipeline runs, a thread that logs does not wait for an output that
     * takes no line either, and what it logged is written once the output takes lines again.
     */
    @Test
    void aPlainOutputOfTheUsersOwnLogbackXmlDoesNotStallTheThreadsThatLog() throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                try {
                    opened.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (taken) {
                    taken.write(bytes, offset, length);
                }
            }
        };
        OutputStreamAppender<ILoggingEvent> plain = plain("PLAIN", stuck);
        List<Appender<ILoggingEvent>> others = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(others::add);
        others.forEach(root::detachAppender);
        root.addAppender(plain);
        try {
            Logging.writeInBackground();
            Thread node = new Thread(() -> LoggerFactory.getLogger("msight.node.camera").info("while journald is stuck"));
            node.start();
            node.join(Waits.GENEROUS.toMillis());
            assertThat(node.isAlive()).as("the node's thread waits for the stuck output").isFalse();
            opened.countDown();
            Logging.writeInForeground(Waits.GENEROUS);
            synchronized (taken) {
                assertThat(taken.toString(StandardCharsets.UTF_8)).isEqualTo("while journald is stuck\n");
            }
        } finally {
            opened.countDown();
            Logging.writeInForeground(Waits.GENEROUS);
            root.getAppender("PLAIN").stop();
            root.detachAppender("PLAIN");
            others.forEach(root::addAppender);
        }
    }

    /** An output of one message a line, started. */
    private OutputStreamAppender<ILoggingEvent> plain(String name, OutputStream stream) {
        OutputStreamAppender<ILoggingEvent> output = new OutputStreamAppender<>();
        output.setName(name);
        output.setContext(root.getLoggerContext());
        PatternLayoutEncoder lines = new PatternLayoutEncoder();
        lines.setPattern("%msg%n");
        lines.setContext(root.getLoggerContext());
        lines.start();
        output.setEncoder(lines);
        output.setOutputStream(stream);
        output.start();
        return output;
    }

    /** An output of one message a line, as the root logger holds its outputs, started. */
    private BackgroundOutput output(String name, OutputStream stream) {
        BackgroundOutput background = new BackgroundOutput(plain(name, stream), BackgroundOutput.QUEUE_SIZE);
        background.start();
        return background;
    }

    /** What an output took, and the lines logged: a thread waits on it for either to grow. */
    private static final class Numbers extends OutputStream {

        private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
        long written; // guarded by this
        long logged; // guarded by this

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            taken.write(bytes, offset, length);
            for (int i = offset; i < offset + length; i++) {
                written += bytes[i] == '\n' ? 1 : 0;
            }
            notifyAll();
        }

        synchronized void loggedOne() {
            logged++;
            notifyAll();
        }

        boolean awaitOneMoreLogged() throws InterruptedException {
            long before;
            synchronized (this) {
                before = logged;
            }
            return await(() -> logged > before);
        }

        /** Waits for {@code condition}, read under this lock: false when it did not come, or on an interrupt. */
        synchronized boolean await(BooleanSupplier condition) {
            long deadline = System.nanoTime() + Waits.GENEROUS.toNanos();
            try {
                while (!condition.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            } catch (InterruptedException e) {
                return false;
            }
        }

        synchronized String text() {
            return taken.toString(StandardCharsets.UTF_8);
        }
    }
}

package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * msight-run with its output a pipe nobody reads for a while, as under systemd with journald
 * stuck: the kernel's pipe buffer (64 KB) fills with the uploader's two lines per upload, and
 * the uploads go on all the same; once the pipe is read again, a warning says how many lines
 * were dropped. A process whose output is stuck still exits on SIGTERM.
 */
class StuckOutputIT {

    private static final Duration LIMIT = Duration.ofSeconds(180);
    /** Uploads whose two lines (more than 100 bytes each) are four times what the pipe holds. */
    private static final int PAST_A_FULL_PIPE = 1000;
    /**
     * Uploads whose lines are more than the pipe, the writer's batch (at most a queue) and the
     * queue hold (4096 lines each): some were dropped.
     */
    private static final int PAST_A_FULL_QUEUE = 5000;
    private static final Pattern DROPPED = Pattern.compile("WARNING :: (\\d+) log lines were dropped: the console did"
            + " not take them \\(is journald, or whatever reads this process's output, stuck\\?\\)");

    @TempDir
    Path dir;

    private Process start(UploadServer server) throws IOException {
        Path conf = Files.writeString(dir.resolve("stuck.conf"), """
                msight { http.enabled = false, registry.enabled = false }
                nodes {
                  camera { type = rtsp-receiver, format = lavfi, url = "testsrc2=size=64x48:rate=1000,realtime",
                           sensor-name = cam, publish-topic = frames }
                  http_uploader_node { type = http-uploader, subscribe-topic = frames, url = "%s", queue-capacity = 1000 }
                }
                """.formatted(server.url()));
        return new ProcessBuilder(Distribution.home().resolve("bin/msight-run").toString(), conf.toString())
                .redirectErrorStream(true).directory(dir.toFile()).start();
    }

    @Test
    void uploadsGoOnWhileNothingReadsTheOutputAndTheDroppedLinesAreCountedOnceItIsRead() throws Exception {
        try (UploadServer server = new UploadServer()) {
            Process run = start(server);
            try {
                await("uploads long after the pipe is full").atMost(LIMIT.multipliedBy(2)).failFast(() -> !run.isAlive())
                        .until(() -> server.uploads().size() >= PAST_A_FULL_QUEUE);
                Output output = new Output(run.getInputStream());
                await("the dropped lines' warning").atMost(LIMIT).until(() -> DROPPED.matcher(output.text()).find());
                run.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the pipe
                assertThat(run.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                output.join();

                Matcher dropped = DROPPED.matcher(output.text());
                assertThat(dropped.find()).isTrue();
                assertThat(Long.parseLong(dropped.group(1))).isPositive();
                // the exit code may be 1: frames the uploader had queued and did not send within its drain time
                assertThat(output.text()).as("its last lines, written before the exit")
                        .contains("SIGTERM received: stopping", "stopped the nodes of ");
            } finally {
                run.destroyForcibly();
            }
        }
    }

    @Test
    void aProcessWhoseOutputIsStuckStillExitsOnSigterm() throws Exception {
        try (UploadServer server = new UploadServer()) {
            Process run = start(server);
            try {
                await("uploads long after the pipe is full").atMost(LIMIT).failFast(() -> !run.isAlive())
                        .until(() -> server.uploads().size() >= PAST_A_FULL_PIPE);
                run.toHandle().destroy(); // SIGTERM, the pipe left as it is
                assertThat(run.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).as("exited, its output still unread")
                        .isTrue();
            } finally {
                run.destroyForcibly();
            }
        }
    }

    /** What the process prints, read from now on by a thread of its own. */
    private static final class Output extends Thread {

        private final InputStream in;
        private final ByteArrayOutputStream read = new ByteArrayOutputStream();

        Output(InputStream in) {
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    synchronized (read) {
                        read.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String text() {
            synchronized (read) {
                return read.toString(StandardCharsets.UTF_8);
            }
        }
    }
}

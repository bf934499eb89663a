package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store and forward through the real launcher: a 30 frames/s camera (FFmpeg's test pattern)
 * feeds an uploader with a spool while its server goes away; what is spooled arrives when the
 * server is back, also after the uploader was killed, and a full or damaged spool loses only
 * what it says.
 */
class SpoolIT {

    private static final Duration LIMIT = Duration.ofSeconds(180);
    private static final Pattern TOTALS = Pattern.compile("http_uploader_node - INFO :: totals: (.*)");

    @TempDir
    Path dir;

    private Path config(String spoolSize) throws Exception {
        return Files.writeString(dir.resolve("spool.conf"), """
                msight.stats-interval = 1s
                msight.drain-timeout = 20s
                msight.http.enabled = false
                nodes {
                  camera {
                    type = rtsp-receiver
                    url = "testsrc2=size=320x240:rate=30,realtime"
                    format = lavfi
                    sensor-name = cam
                    publish-topic = frames
                  }
                  http_uploader_node {
                    type = http-uploader
                    subscribe-topic = frames
                    url = ${MSIGHT_UPLOAD_URL}
                    # the first upload loads the HTTP client's classes: no drop while it does
                    queue-capacity = 1000
                    log-uploads-at = debug
                    # generous: on a loaded machine a short deadline cuts answered uploads off, which are then sent twice
                    attempt-timeout = 10s
                    max-in-flight = 16
                    retry-backoff { initial = 100ms, max = 1s }
                    spool { path = "%s", max-size = %s }
                  }
                }
                """.formatted(dir.resolve("spool"), spoolSize));
    }

    private RunningCommand run(String log, UploadServer server, Path conf, String... options) throws Exception {
        String[] args = Stream.concat(Stream.of(options), Stream.of(conf.toString())).toArray(String[]::new);
        return Distribution.start(dir.resolve(log), Map.of("MSIGHT_UPLOAD_URL", "http://127.0.0.1:" + server.port()),
                "msight-run", args);
    }

    /**
     * A spool has one user: {@code --check} of the running file leaves the spool alone (it
     * creates nothing either), and a second run of the same file, or a second node naming the
     * same directory, is refused before it can delete the first one's records.
     */
    @Test
    void aSpoolHasOneUserAndCheckingTheRunningFileLeavesItAlone() throws Exception {
        Path conf = config("1GiB");
        try (UploadServer server = new UploadServer()) {
            try (RunningCommand check = run("check-first.log", server, conf, "--check")) {
                assertThat(check.awaitExit(LIMIT)).as(check.output()).isZero();
            }
            assertThat(dir.resolve("spool")).as("--check creates no spool").doesNotExist();
            try (RunningCommand run = run("running.log", server, conf)) {
                await().atMost(LIMIT).until(() -> server.uploads().size() >= 10);
                try (RunningCommand check = run("check-running.log", server, conf, "--check")) {
                    assertThat(check.awaitExit(LIMIT)).as(check.output()).isZero();
                }
                try (RunningCommand second = run("second.log", server, conf)) {
                    assertThat(second.awaitExit(LIMIT)).as(second.output()).isEqualTo(2);
                    assertThat(second.output()).contains("nodes.http_uploader_node.spool.path: cannot use "
                            + dir.resolve("spool") + ": the spool " + dir.resolve("spool")
                            + " is in use by another node or process").doesNotContain("\tat ");
                }
                run.stopCleanly(LIMIT);
                assertThat(totals(run.output())).containsEntry("failed", 0L);
            }
        }
        Path twoNodes = Files.writeString(dir.resolve("two.conf"), Files.readString(conf).replace("nodes {", """
                nodes {
                  second_uploader {
                    type = http-uploader
                    subscribe-topic = frames
                    url = ${MSIGHT_UPLOAD_URL}
                    spool.path = "%s"
                  }
                """.formatted(dir.resolve("spool/."))));
        try (UploadServer server = new UploadServer(); RunningCommand check = run("two.log", server, twoNodes, "--check")) {
            assertThat(check.awaitExit(LIMIT)).as(check.output()).isEqualTo(2);
            assertThat(check.output()).contains("spool.path: " + dir.resolve("spool") + " is node second_uploader's"
                    + " spool too; give each node a directory of its own");
        }
    }

    @Test
    void framesSpooledDuringASixtySecondOutageAllArrive() throws Exception {
        Path conf = config("1GiB");
        UploadServer first = new UploadServer();
        int port = first.port();
        try (RunningCommand run = run("outage.log", first, conf)) {
            await().atMost(LIMIT).until(() -> first.uploads().size() >= 30);
            first.close();
            run.awaitOutput("delivery failing", LIMIT);
            long outageStart = System.nanoTime();
            // the sixty-second outage the issue asks for, and more spooled than the assertion below needs
            await().atMost(Duration.ofMinutes(5)).until(() -> System.nanoTime() - outageStart
                    >= Duration.ofSeconds(60).toNanos() && lastCount(run.output(), "spooled") > 1000);
            try (UploadServer back = new UploadServer(port)) {
                run.awaitOutput("spool emptied", Duration.ofMinutes(5));
                run.stopCleanly(LIMIT);
                Map<String, Long> totals = totals(run.output());
                Set<Long> frames = frameIds(first, back);

                assertThat(totals.get("spooled")).isGreaterThan(1000);
                assertThat(totals.get("unspooled")).isEqualTo(totals.get("spooled"));
                assertThat(totals).containsEntry("dropped", 0L).containsEntry("failed", 0L).containsEntry("spool-dropped", 0L);
                assertThat(frames).hasSize(totals.get("in").intValue());
            }
        }
    }

    @Test
    void framesSpooledBeforeTheUploaderWasKilledAreSentAfterItsRestart() throws Exception {
        Path conf = config("1GiB");
        UploadServer first = new UploadServer();
        int port = first.port();
        int reported;
        double restartedAt;
        try (RunningCommand run = run("killed.log", first, conf)) {
            await().atMost(LIMIT).until(() -> first.uploads().size() >= 10);
            first.close();
            await().atMost(LIMIT).until(() -> lastCount(run.output(), "spooled") >= 100);
            run.kill(LIMIT);
            restartedAt = System.currentTimeMillis() / 1e3;
        }
        try (UploadServer back = new UploadServer(port); RunningCommand restarted = run("restarted.log", back, conf)) {
            restarted.awaitOutput("messages from an earlier run to send", LIMIT);
            Matcher earlier = Pattern.compile("(\\d+) messages from an earlier run").matcher(restarted.output());
            assertThat(earlier.find()).isTrue();
            reported = Integer.parseInt(earlier.group(1));
            restarted.awaitOutput("spool emptied", LIMIT);
            restarted.stopCleanly(LIMIT);

            assertThat(reported).isGreaterThanOrEqualTo(100);
            assertThat(framesCreatedBefore(restartedAt, back)).hasSizeGreaterThanOrEqualTo(reported);
            assertThat(totals(restarted.output())).containsEntry("failed", 0L);
            assertThat(restarted.output()).as("the spool is sent once the uploader is open: no outage")
                    .doesNotContain("delivery failing");
        }
    }

    @Test
    void aFullSpoolDropsItsOldestAndCountsThem() throws Exception {
        Path conf = config("1MiB");
        UploadServer first = new UploadServer();
        int port = first.port();
        try (RunningCommand run = run("full.log", first, conf)) {
            await().atMost(LIMIT).until(() -> first.uploads().size() >= 10);
            first.close();
            await().atMost(LIMIT).until(() -> lastCount(run.output(), "spool-dropped") >= 30);
            try (UploadServer back = new UploadServer(port)) {
                run.awaitOutput("spool emptied", LIMIT);
                run.stopCleanly(LIMIT);
                Map<String, Long> totals = totals(run.output());

                assertThat(run.output()).doesNotContain("ERROR", "\tat ");
                // an upload the first server took as it closed, its answer cut off, was spooled (and may have
                // been dropped) all the same: at least, not exactly
                assertThat(frameIds(first, back)).hasSizeGreaterThanOrEqualTo(
                        (int) (totals.get("in") - totals.get("spool-dropped") - totals.get("dropped")));
            }
        }
    }

    @Test
    void aCorruptSpoolFileIsReportedInOneLineAndSkippedAndTheRestIsSent() throws Exception {
        Path conf = config("1GiB");
        long spooled;
        try (UploadServer down = new UploadServer()) {
            down.close();
            try (RunningCommand run = run("down.log", down, conf)) {
                await().atMost(LIMIT).until(() -> lastCount(run.output(), "spooled") >= 60);
                run.stopCleanly(LIMIT);
                spooled = totals(run.output()).get("spooled");
            }
            Path spool = dir.resolve("spool");
            Path last;
            try (Stream<Path> segments = Files.list(spool)) {
                last = segments.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
            }
            Files.write(last, new byte[] {0, 0, 0, 9, 1, 2}, StandardOpenOption.APPEND); // a torn write
            Files.writeString(spool.resolve("00000000000000000000.seg"), "not a segment");
            double restartedAt = System.currentTimeMillis() / 1e3;

            try (UploadServer back = new UploadServer(down.port()); RunningCommand restarted = run("up.log", back, conf)) {
                restarted.awaitOutput("spool emptied", LIMIT);
                restarted.stopCleanly(LIMIT);
                String output = restarted.output();

                assertThat(output.lines().filter(line -> line.contains("is corrupt at byte"))).singleElement().asString()
                        .contains(last.getFileName().toString(), "its last 6 bytes are skipped");
                assertThat(output.lines().filter(line -> line.contains("00000000000000000000.seg skipped"))).hasSize(1);
                assertThat(output).contains(spooled + " messages from an earlier run to send");
                assertThat(framesCreatedBefore(restartedAt, back)).hasSize((int) spooled);
                assertThat(totals(output)).containsEntry("failed", 0L);
            }
        }
    }

    /** The uploader's totals line as counts by name. */
    private static Map<String, Long> totals(String output) {
        Matcher line = TOTALS.matcher(output);
        assertThat(line.find()).as("a totals line in:\n" + output).isTrue();
        Map<String, Long> counts = new java.util.HashMap<>();
        for (String part : line.group(1).split(", ")) {
            int space = part.lastIndexOf(' ');
            counts.put(part.substring(0, space), Long.parseLong(part.substring(space + 1).trim()));
        }
        return counts;
    }

    /** The last value of a counter in the uploader's throughput lines, 0 before any. */
    private static long lastCount(String output, String counter) {
        Matcher count = Pattern.compile("http_uploader_node - INFO :: throughput: .*, " + counter + " (\\d+)").matcher(output);
        long last = 0;
        while (count.find()) {
            last = Long.parseLong(count.group(1));
        }
        return last;
    }

    /** The distinct frames a server received that were made before {@code posixSeconds}: an earlier run's. */
    private static Set<Long> framesCreatedBefore(double posixSeconds, UploadServer server) {
        Set<Long> ids = new HashSet<>();
        server.uploads().stream().filter(upload -> upload.body().get("creation_timestamp").asDouble() < posixSeconds)
                .forEach(upload -> ids.add(upload.body().get("frame_id").asLong()));
        return ids;
    }

    private static Set<Long> frameIds(UploadServer... servers) {
        Set<Long> ids = new HashSet<>();
        for (UploadServer server : servers) {
            server.uploads().forEach(upload -> ids.add(upload.body().get("frame_id").asLong()));
        }
        return ids;
    }
}

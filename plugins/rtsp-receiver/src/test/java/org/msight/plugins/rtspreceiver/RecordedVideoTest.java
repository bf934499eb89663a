package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.LogCapture;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

/** Recorded video in the real runtime: read at its own pace, and the end of a file ends the pipeline. */
class RecordedVideoTest {

    @TempDir
    Path dir;

    private LogCapture log;

    @BeforeEach
    void captureLogs() {
        log = LogCapture.all();
    }

    @AfterEach
    void stopCapture() {
        log.close();
    }

    /** An MPEG-4 clip of {@code frames} frames at {@code fps} frames a second. */
    private Path clip(int frames, int fps) throws Exception {
        Path clip = dir.resolve("clip-" + frames + "-" + fps + ".mp4");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=" + fps, "-frames:v", String.valueOf(frames),
                "-c:v", "mpeg4", clip.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        return clip;
    }

    /** Runs the file through a pipeline until it stops by itself; the images its topic carried. */
    private List<ImageData> runToTheEnd(Path clip, String settings) throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start("""
                nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", %s }
                """.formatted(clip, settings), "frames")) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
            driver.close(); // drains the topic's listener
            return driver.messages("frames", ImageData.class);
        }
    }

    private static double span(List<ImageData> images) {
        return images.get(images.size() - 1).metadata().captureTimestamp() - images.get(0).metadata().captureTimestamp();
    }

    @Test
    void aFileIsReadAtItsFrameRateAndItsEndStopsThePipelineOnceTheSinkDrained() throws Exception {
        Path clip = clip(10, 10);
        List<ImageData> images = runToTheEnd(clip, "");
        assertThat(images).hasSize(10);
        // 9 frame intervals of 100 ms: the file takes as long to read as to watch
        assertThat(span(images)).isGreaterThan(0.8);
        assertThat(log.messages()).filteredOn(line -> line.contains("finished")).containsExactly(
                "finished: " + clip + " ended", "every source has finished: stopping once the sinks have drained");
        assertThat(log.messages()).anyMatch(line -> line.startsWith("Reading " + clip + " (mpeg4, 160x120, "));
    }

    /**
     * A file cut short (a copy interrupted, a card pulled) ends where it breaks, instead of being
     * read again and again; the frame cut in two is skipped as undecodable.
     */
    @Test
    void aFileCutShortEndsWhereItBreaks() throws Exception {
        Path whole = dir.resolve("whole.mp4");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "60", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-movflags", "faststart", whole.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        byte[] bytes = java.nio.file.Files.readAllBytes(whole);
        Path cut = java.nio.file.Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(bytes, bytes.length / 2));

        List<ImageData> images = runToTheEnd(cut, "realtime = false");

        assertThat(images).isNotEmpty().hasSizeLessThan(60);
        assertThat(log.messages()).contains("finished: " + cut + " ended")
                .anyMatch(line -> line.startsWith("skipped 1 video packet(s) that cannot be decoded"))
                .noneMatch(line -> line.contains("retrying"));
    }

    /** Reads an H.264 file through to its end on two decoder threads; the camera's {@code damaged} total. */
    private long damagedFrames(Path h264) throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start("""
                nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", format = h264,
                  realtime = false, threads = 2 }
                """.formatted(h264), "frames")) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
            return driver.totals("camera").get("damaged");
        }
    }

    /**
     * Frames decoded from damaged video are counted ({@code damaged}), and what the decoder's own
     * threads log of it names the camera (the node's logging context), as what the camera's
     * thread logs does: with many cameras in one process, each decoding on threads of FFmpeg's, a
     * line says which camera's video is damaged.
     */
    @Test
    void damagedVideoIsCountedAndWhatTheDecodersThreadsLogOfItNamesTheCamera() throws Exception {
        Path clean = dir.resolve("clean.h264");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", "60", "-c:v", "libx264", "-g", "30",
                "-pix_fmt", "yuv420p", "-f", "h264", clean.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        byte[] bytes = java.nio.file.Files.readAllBytes(clean);
        java.util.Random random = new java.util.Random(7);
        for (int i = bytes.length / 10; i < bytes.length - 16; i += bytes.length / 20) {
            for (int j = 0; j < 16; j++) {
                bytes[i + j] = (byte) random.nextInt(256);
            }
        }
        Path damaged = java.nio.file.Files.write(dir.resolve("damaged.h264"), bytes);

        assertThat(damagedFrames(clean)).as("frames decoded from damaged video, of the clean file").isZero();
        assertThat(damagedFrames(damaged)).as("frames decoded from damaged video").isPositive();

        String nodeThread = log.events().stream().filter(event -> event.getFormattedMessage().startsWith("Reading "))
                .findFirst().orElseThrow().getThreadName();
        List<ch.qos.logback.classic.spi.ILoggingEvent> decoderLines = log.events().stream()
                .filter(event -> event.getLoggerName().equals("ffmpeg") && event.getFormattedMessage().startsWith("[h264 @"))
                .toList();
        assertThat(decoderLines).as("the decoder's complaints, from its frame threads").isNotEmpty()
                .anyMatch(event -> !event.getThreadName().equals(nodeThread))
                .allMatch(event -> "camera".equals(event.getMDCPropertyMap().get("node")));
    }

    /**
     * A frame the decoder cannot decode (its data zeroed) is counted as {@code undecodable} and
     * skipped, as FFmpeg's own tool does, whether the decoder says so when given the frame (one
     * thread) or when asked for it (frame threads, at the end of the file): the file is read on to
     * its end, rather than ending there. PNG's parser joins the zeroed data to the next frame's,
     * one packet the decoder fails: 28 images, as FFmpeg's own tool makes.
     */
    @ParameterizedTest
    @CsvSource({"mjpeg, 1, 15, 29", "png, 4, 27, 28"})
    void aFrameThatCannotBeDecodedIsCountedAndSkipped(String codec, int threads, int zeroed, int images)
            throws Exception {
        Path whole = dir.resolve("whole.avi");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "30", "-c:v", codec,
                whole.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        Path damaged = java.nio.file.Files.write(dir.resolve("damaged.avi"),
                withVideoChunkZeroed(java.nio.file.Files.readAllBytes(whole), zeroed));

        try (PipelineTestDriver driver = PipelineTestDriver.start("""
                nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", realtime = false,
                  threads = %d }
                """.formatted(damaged, threads), "frames")) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
            assertThat(driver.totals("camera").get("undecodable")).isEqualTo(1);
            driver.close();
            assertThat(driver.messages("frames")).hasSize(images);
        }
        assertThat(log.messages()).filteredOn(line -> line.contains("finished: ")).containsExactly(
                "finished: " + damaged + " ended", "every source has finished: stopping once the sinks have drained");
        assertThat(log.messages()).anyMatch(line -> line.startsWith("skipped 1 video packet(s) that cannot be decoded"))
                .noneMatch(line -> line.contains("retrying"));
    }

    /** {@code avi} with the data of its video chunk {@code index} (from 0) zeroed. */
    private static byte[] withVideoChunkZeroed(byte[] avi, int index) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(avi).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int movi = new String(avi, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("movi") + 4;
        for (int chunk = movi, seen = 0; chunk + 8 <= avi.length; chunk += 8 + ((bytes.getInt(chunk + 4) + 1) & ~1)) {
            if (avi[chunk + 2] == 'd' && seen++ == index) { // "00dc": video
                java.util.Arrays.fill(avi, chunk + 8, chunk + 8 + bytes.getInt(chunk + 4), (byte) 0);
                return avi;
            }
        }
        throw new IllegalArgumentException("no video chunk " + index);
    }

    /** A mistyped path is not retried forever, as a camera away is: the node stops for good, and says why. */
    @Test
    void aFileThatCannotBeOpenedStopsTheNodeForGood() throws Exception {
        Path missing = dir.resolve("missing.mp4");
        PipelineTestDriver driver = PipelineTestDriver.start("""
                nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s" }
                """.formatted(missing), "frames");
        log.await("the node stopped for good", line -> line.startsWith("stopped for good: "));
        assertThatThrownBy(driver::close).as("the pipeline failed").isInstanceOf(AssertionError.class);
        assertThat(log.messages()).contains("stopped for good: cannot open " + missing + ": No such file or directory")
                .noneMatch(line -> line.contains("retrying"));
    }

    @Test
    void realtimeOffReadsAFileAsFastAsItDecodes() throws Exception {
        List<ImageData> images = runToTheEnd(clip(100, 1), "realtime = false");
        assertThat(images).hasSize(100);
        // a 100 s clip: far less than its length (it decodes in milliseconds, a loaded machine or not)
        assertThat(span(images)).isLessThan(50.0);
    }
}

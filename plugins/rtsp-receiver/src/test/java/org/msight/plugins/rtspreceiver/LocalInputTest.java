package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** The receiver on inputs without a server: FFmpeg's lavfi test sources and files. */
class LocalInputTest {

    private static final Duration WAIT = Waits.GENEROUS;

    /** The camera's node block, published on {@code frames}. */
    private static String camera(String settings) {
        return "nodes.camera { type = rtsp-receiver, publish-topic = frames, " + settings + " }";
    }

    private static List<ImageData> images(String settings, int count) throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start(camera(settings), "frames")) {
            return driver.await("frames", ImageData.class, count, WAIT);
        }
    }

    @Test
    void lavfiTestSourceMakesAPipelineRunWithoutACamera() throws Exception {
        // The quickstart's camera: a test source read at its own 30 fps (realtime = true), so 31
        // frames cannot come in less than a second (however slow the machine, never by chance).
        long start = System.nanoTime();
        List<ImageData> images = images("url = \"testsrc2=size=1280x720:rate=30\", format = lavfi", 31);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        for (ImageData image : images) {
            assertThat(image.width()).isEqualTo(1280);
            assertThat(image.height()).isEqualTo(720);
        }
        Jpegs.decode(images.get(30));
        assertThat(elapsed).as("30 frame intervals at 30 fps").isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"64x64, ''", "64x64, resize-ratio = 0.5", "63x63, ''"})
    void limitedRangeVideoIsExpandedToFullRangeByDefault(String size, String settings) throws Exception {
        // Through the range expander; through swscale when resizing, or at an odd size, which
        // the expander refuses.
        BufferedImage image = Jpegs.decode(images(blackAndWhite(size) + settings, 1).get(0));
        assertThat(luma(image, 0.25)).as("black").isBetween(0, 2);
        assertThat(luma(image, 0.75)).as("white").isBetween(253, 255);
    }

    @Test
    void limitedRangeVideoKeepsItsLevelsWithFullRangeOff() throws Exception {
        BufferedImage image = Jpegs.decode(images(blackAndWhite("64x64") + "full-range = false", 1).get(0));
        assertThat(luma(image, 0.25)).as("black").isBetween(14, 18);
        assertThat(luma(image, 0.75)).as("white").isBetween(233, 237);
    }

    /**
     * Each JPEG encoder the pipeline's cameras use is said once at start: the line was said once a
     * process, for the first camera's, so a second camera on another encoder went unsaid.
     */
    @Test
    void eachJpegEncoderUsedIsSaidOnce() throws Exception {
        String source = "url = \"testsrc2=size=64x64:rate=5\", format = lavfi";
        try (LogCapture log = LogCapture.of(JpegLibrary.class);
                PipelineTestDriver driver = PipelineTestDriver.start("""
                        nodes.cam1 { type = rtsp-receiver, publish-topic = frames, %1$s, jpeg-encoder = ffmpeg }
                        nodes.cam2 { type = rtsp-receiver, publish-topic = frames, %1$s }
                        nodes.cam3 { type = rtsp-receiver, publish-topic = frames, %1$s, jpeg-encoder = turbojpeg }
                        """.formatted(source), "frames")) {
            assertThat(log.messages(Level.INFO)).as("auto: TurboJPEG, installed (scripts/install-test-deps.sh)")
                    .containsExactlyInAnyOrder("JPEG encoder: FFmpeg's MJPEG encoder (jpeg-encoder = ffmpeg)",
                            "JPEG encoder: TurboJPEG (libturbojpeg.so.0); its JPEGs are larger than Python MSight's"
                                    + " (standard Huffman tables): jpeg-encoder = ffmpeg makes smaller ones, at more CPU");
        }
    }

    @Test
    void higherJpegQualityMakesLargerImages() throws Exception {
        String pattern = "url = \"testsrc2=size=640x360:rate=30\", format = lavfi, jpeg-quality = ";
        int low = images(pattern + 10, 1).get(0).image().length;
        int standard = images(pattern + 50, 1).get(0).image().length;
        int high = images(pattern + 95, 1).get(0).image().length;
        assertThat(low).isLessThan(standard);
        assertThat(standard).isLessThan(high);
    }

    @Test
    void maxFrameRateLimitsWhatIsOffered() throws Exception {
        // The source runs as fast as it can decode; offers are spaced by 1/20 s, with one
        // interval of catch-up: at most 20 a second plus two, whatever the machine's speed.
        long start = System.nanoTime();
        long offers;
        try (PipelineTestDriver driver = PipelineTestDriver.start(
                camera("url = \"testsrc2=size=64x64:rate=1000\", format = lavfi, max-frame-rate = 20"), "frames")) {
            driver.await("frames", ImageData.class, 20, WAIT);
            driver.close();
            offers = driver.totals("camera").get("in");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(offers).isLessThanOrEqualTo((long) (20 * seconds) + 2);
    }

    /** A misspelt format is a config error, found when the pipeline is built (so by --check too). */
    @Test
    void anInputFormatFfmpegDoesNotHaveIsAConfigError() {
        assertThatThrownBy(() -> PipelineTestDriver.start(camera("url = testsrc2, format = lavfii"), "frames"))
                .hasMessageContaining("format: FFmpeg has no input format 'lavfii' ('ffmpeg -formats' and"
                        + " 'ffmpeg -devices' list them)");
    }

    /** It said only "has no video stream", retried every second for a camera. */
    @Test
    void anInputWithoutVideoSaysWhatToCheck() throws Exception {
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(TestNodeContext.of("rtsp-receiver",
                "url = \"sine=frequency=440\", format = lavfi"));
        try {
            assertThatThrownBy(node::open).hasMessage("sine=frequency=440 has no video stream, only audio or data:"
                    + " check the url (a camera may serve its video at another path)");
        } finally {
            node.close();
        }
    }

    /**
     * With as many cameras as cores, FFmpeg's frame threads (a core's worth plus one, each camera)
     * would only contend for the cores: each camera decodes on one thread, unless told otherwise.
     */
    @ParameterizedTest
    @CsvSource({"'', 1 decoder thread", "'threads = 2', 2 decoder threads"})
    void asManyCamerasAsCoresDecodeOnOneThreadEachUnlessTold(String threads, String expected, @TempDir Path dir)
            throws Exception {
        Path clip = dir.resolve("clip.mp4");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "10", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", clip.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        RecordingLogger log = new RecordingLogger("camera");
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(TestNodeContext.of("rtsp-receiver",
                "url = \"" + clip + "\", " + threads).withLogger(log)
                .withNodesOfType(Runtime.getRuntime().availableProcessors()));
        try {
            node.open();
            assertThat(log.messages(Level.INFO)).containsExactly("Reading " + clip + " (h264, 160x120, " + expected + ")");
        } finally {
            node.close();
        }
    }

    @Test
    void fileIsReadAgainWithLoop(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("clip.mp4");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", "10", "-c:v", "mpeg4",
                clip.toString()).redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        assertThat(Files.size(clip)).isPositive();

        try (PipelineTestDriver driver = PipelineTestDriver.start(
                camera("url = \"" + clip + "\", loop = true, realtime = false"), "frames")) {
            driver.await("frames", ImageData.class, 25, WAIT);
            assertThat(driver.totals("camera")).as("no outage, no restart").containsEntry("errors", 0L)
                    .containsEntry("restarts", 0L);
        }
    }

    /**
     * A FIFO whose writer stalls (here stopped with SIGSTOP) blocks FFmpeg in a read that neither
     * read-timeout nor a stop can cut short: the runtime says the source is stuck.
     */
    @Test
    void aFifoWhoseWriterStallsIsSaidToBeStuck(@TempDir Path dir) throws Exception {
        Path fifo = fifo(dir);
        Process writer = fifoWriter(fifo);
        Process next = null;
        try (LogCapture log = LogCapture.of("msight.node.camera")) {
            try (PipelineTestDriver driver = PipelineTestDriver.start(fifoCamera(fifo), "frames")) {
                driver.await("frames", ImageData.class, 5, WAIT);
                signal("STOP", writer);
                log.await("the stuck line", m -> m.matches("stuck: its poll has not returned for [0-9.]+ s; it"
                        + " publishes nothing until it does: its input may have stalled where the source's own"
                        + " timeouts cannot reach it \\(a pipe or device that stopped sending\\)"));
                stop(writer); // the FIFO ends: the read returns
                log.await("the line of its return", m -> m.matches("its poll returned, after more than [0-9.]+ s"));
                next = fifoWriter(fifo); // for the camera's next open, which waits for a writer
            }
        } finally {
            stop(writer);
            stop(next);
        }
    }

    /** A FIFO without a writer blocks FFmpeg's open of it, which no timeout reaches either. */
    @Test
    void aFifoWithoutAWriterIsSaidToBeStuckInItsOpen(@TempDir Path dir) throws Exception {
        Path fifo = fifo(dir);
        Process writer = null;
        try (LogCapture log = LogCapture.of("msight.node.camera");
                PipelineTestDriver driver = PipelineTestDriver.start(fifoCamera(fifo), "frames")) {
            log.await("the stuck line", m -> m.startsWith("stuck: its open has not returned for "));
            writer = fifoWriter(fifo);
            log.await("the line of its return", m -> m.matches("its open returned, after more than [0-9.]+ s"));
            driver.await("frames", ImageData.class, 1, WAIT);
        } finally {
            stop(writer);
        }
    }

    private static Path fifo(Path dir) {
        Path fifo = dir.resolve("camera.ts");
        assertThat(Tools.run(new ProcessBuilder("mkfifo", fifo.toString()), WAIT).exitCode()).isZero();
        return fifo;
    }

    /** A camera reading {@code fifo}, said stuck after 1.2 s (six stats intervals). */
    private static String fifoCamera(Path fifo) {
        return "msight.stats-interval = 200ms\n" + camera("url = \"" + fifo + "\", format = mpegts, read-timeout = 1s");
    }

    /** FFmpeg writing a 10 fps MPEG-TS stream into {@code fifo}, until destroyed. */
    private static Process fifoWriter(Path fifo) throws Exception {
        return new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error", "-re", "-f", "lavfi",
                "-i", "testsrc2=size=320x240:rate=10", "-c:v", "mpeg2video", "-f", "mpegts", "-y", fifo.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void signal(String signal, Process process) {
        Tools.run(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())), WAIT);
    }

    /** Ends {@code process}, stopped or not; nothing when {@code null}. */
    private static void stop(Process process) {
        if (process != null) {
            process.destroyForcibly();
            signal("CONT", process);
        }
    }

    /** Settings for a lavfi source of limited-range yuv420p: black on the left half, white on the right. */
    private static String blackAndWhite(String size) {
        return "url = \"color=c=black:size=" + size + ":rate=30,drawbox=x=iw/2:w=iw/2:h=ih:color=white:t=fill,"
                + "format=yuv420p,setparams=range=tv:colorspace=bt709\", format = lavfi, ";
    }

    /** Luma of the pixel at {@code across} of the width, mid-height, as a JPEG viewer shows it. */
    private static int luma(BufferedImage image, double across) {
        int rgb = image.getRGB((int) (image.getWidth() * across), image.getHeight() / 2);
        return (int) Math.round(0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff));
    }
}

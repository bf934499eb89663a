package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.LogCapture;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

class FfmpegLogTest {

    @Test
    void rtspRequestsAsFfmpegDumpsThemAtTraceLoseTheirCredentials() {
        FfmpegLog.install();
        try (LogCapture log = LogCapture.of("ffmpeg")) {
            // Shaped as rtsp.c's "Sending:" dump; at FATAL so it is logged whatever the level.
            av_log(null, AV_LOG_FATAL, "Sending:\nDESCRIBE rtsp://admin:s3cret@127.0.0.1:8554/live RTSP/1.0\r\n"
                    + "CSeq: 3\r\nAuthorization: Basic YWRtaW46czNjcmV0\r\n"
                    + "proxy-authorization: Digest username=\"admin\", response=\"6629fae4\"\r\n\r\n--\n");
            assertThat(log.messages()).singleElement().asString()
                    .contains("rtsp://***@127.0.0.1:8554/live", "CSeq: 3", "Authorization: ***",
                            "proxy-authorization: ***")
                    .doesNotContain("s3cret", "YWRtaW46czNjcmV0", "6629fae4");
        }
    }

    /** What FFmpeg quotes of a camera's answer (here a reason phrase, an SDP title) cannot forge a line, nor is it cut. */
    @Test
    void aCamerasTextIsEscapedIntoOneLineAndKeptWhole() {
        FfmpegLog.install();
        String title = "Lobby " + "x".repeat(400);
        try (LogCapture log = LogCapture.of("ffmpeg")) {
            av_log(null, AV_LOG_FATAL, "method DESCRIBE failed: 404 Not\u001b[2J\u0007Found\n");
            av_log(null, AV_LOG_FATAL, "title " + title + "\n2026-12-01 10:00:00,000 - edge-01 - cam - ERROR :: forged\n");
            assertThat(log.messages()).containsExactly("method DESCRIBE failed: 404 Not\\u001b[2J\\u0007Found",
                    "title " + title + "\\n2026-12-01 10:00:00,000 - edge-01 - cam - ERROR :: forged");
        }
    }

    /** A message that does not end is logged cut once long, and the rest of it dropped, not kept growing. */
    @Test
    void aMessageWithoutAnEndIsLoggedCutOnceItIsLong() {
        FfmpegLog.install();
        String part = "y".repeat(1000);
        try (LogCapture log = LogCapture.of("ffmpeg")) {
            for (int i = 0; i < 20; i++) {
                av_log(null, AV_LOG_FATAL, part);
            }
            av_log(null, AV_LOG_FATAL, "end of the long one\n");
            av_log(null, AV_LOG_FATAL, "next message\n");
            assertThat(log.messages()).containsExactly("y".repeat(16_384) + " ... (cut)", "next message");
        }
    }

    /** FFmpeg's errors are warnings, at most ten a minute per camera: one camera's cannot hide another's. */
    @Test
    void eachCamerasWarningsAreLimitedApart() {
        FfmpegLog.install();
        String noisy = "noisy-" + System.nanoTime();
        String quiet = "quiet-" + System.nanoTime();
        try (LogCapture log = LogCapture.of("ffmpeg")) {
            MDC.put("node", noisy);
            for (int i = 0; i < 12; i++) {
                av_log(null, AV_LOG_ERROR, "RTP: missed " + i + " packets\n");
            }
            MDC.put("node", quiet);
            av_log(null, AV_LOG_ERROR, "max delay reached\n");
            assertThat(log.messages(Level.WARN)).hasSize(11).endsWith("RTP: missed 9 packets", "max delay reached");
        } finally {
            MDC.remove("node");
        }
    }

    /**
     * A line a decoder's own thread logs names the camera that opened the decoder; a prefix that
     * only looks like FFmpeg's (quoted text) names an address that is read safely, never followed;
     * and a thread with a context of its own that ends a line keeps that context.
     */
    @Test
    void decoderThreadsLinesNameTheirCameraAndNothingElseIsTakenFromTheirText() throws Exception {
        try (CameraDecoder camera = CameraDecoder.of("camera-a"); LogCapture log = LogCapture.of("ffmpeg")) {
            onADecoderThread(() -> {
                av_log(camera.decoder(), AV_LOG_FATAL, "concealing 12 errors\n");
                av_log(null, AV_LOG_FATAL, "[h264 @ 0x41414141] quoted text\n"); // not mapped: read as an I/O error
                av_log(camera.decoder(), AV_LOG_FATAL, "a line begun on a decoder thread, ");
            });
            MDC.put("node", "camera-b");
            av_log(null, AV_LOG_FATAL, "ended on camera B's thread\n");
            assertThat(MDC.get("node")).as("camera B's thread keeps its context").isEqualTo("camera-b");
            assertThat(log.events()).extracting(event -> event.getMDCPropertyMap().get("node")).containsExactly(
                    "camera-a", null, "camera-b");
            assertThat(log.events()).extracting(ILoggingEvent::getFormattedMessage).last().asString()
                    .endsWith("a line begun on a decoder thread, ended on camera B's thread");
        } finally {
            MDC.remove("node");
        }
    }

    /** A freed decoder forgotten after a new one took its address: the new one's lines keep its camera. */
    @Test
    void forgettingAFreedDecoderKeepsTheCameraOfOneMadeAtItsAddress() throws Exception {
        try (CameraDecoder camera = CameraDecoder.of("camera-new"); LogCapture log = LogCapture.of("ffmpeg")) {
            // the freed one's, which was at this address
            FfmpegLog.forget(camera.decoder().address(), Map.of("node", "camera-old"));
            onADecoderThread(() -> av_log(camera.decoder(), AV_LOG_FATAL, "concealing 3 errors\n"));
            assertThat(log.events()).extracting(event -> event.getMDCPropertyMap().get("node"))
                    .containsExactly("camera-new");
        }
    }

    /** A decoder (of no codec) whose threads log with {@code node}'s logging context, until closed. */
    private record CameraDecoder(AVCodecContext decoder, Map<String, String> context) implements AutoCloseable {

        static CameraDecoder of(String node) {
            FfmpegLog.install();
            AVCodecContext decoder = avcodec_alloc_context3((AVCodec) null);
            MDC.put("node", node);
            try {
                return new CameraDecoder(decoder, FfmpegLog.speakFor(decoder));
            } finally {
                MDC.remove("node");
            }
        }

        @Override
        public void close() {
            long address = decoder.address();
            avcodec_free_context(decoder);
            FfmpegLog.forget(address, context);
        }
    }

    /** Runs {@code lines} on a thread without a logging context, as FFmpeg's decoder threads are. */
    private static void onADecoderThread(Runnable lines) throws InterruptedException {
        Thread thread = new Thread(lines);
        thread.start();
        thread.join(Waits.GENEROUS.toMillis());
    }

    /**
     * What a decoder's threads log while the decoder is freed (the end of a damaged frame they were
     * still decoding) names the camera too. A decoder thread's first line is held until the camera's
     * thread is inside avcodec_free_context, so the lines after it come during the free.
     */
    @Test
    void whatADecodersThreadsLogWhileItIsFreedNamesTheCamera(@TempDir Path dir) throws Exception {
        byte[] stream = thirteenFramesTheLastDamaged(dir);
        try (ServerSocket camera = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                LogCapture log = LogCapture.of("ffmpeg")) {
            Thread sender = new Thread(() -> {
                try (Socket connection = camera.accept()) {
                    connection.getOutputStream().write(stream);
                    connection.getInputStream().read(); // then silent, until the reader hangs up
                } catch (IOException e) {
                    // the test ended
                }
            });
            sender.start();
            // The decoder on two frame threads: the damaged frame, the last, is decoded on one of them
            // while the camera's thread waits for more until its read timeout, then frees the decoder.
            ReceiverSettings settings = ReceiverSettings.from(TestNodeContext.of("rtsp-receiver", "url = \"tcp://127.0.0.1:"
                    + camera.getLocalPort() + "\", format = h264, threads = 2, read-timeout = 3s").config());
            FutureTask<Void> reading = new FutureTask<>(() -> {
                MDC.put("node", "camera-freed");
                HostLookup lookup = new HostLookup(settings.connectTimeout());
                try (VideoInput input = VideoInput.prepare(settings, lookup, reason -> { })) {
                    input.open(settings, frameRate -> settings.threads());
                    while (input.grab() != null) {
                        // up to the damaged frame
                    }
                }
                return null;
            });
            Thread reader = new Thread(reading, "camera-freed");
            HeldLine held = new HeldLine(reader);
            Logger ffmpegLogger = (Logger) LoggerFactory.getLogger("ffmpeg");
            ffmpegLogger.addAppender(held);
            try {
                reader.start();
                await("a decoder thread's first line, and the camera's thread freeing the decoder").atMost(Waits.GENEROUS)
                        .failFast("the camera's thread ended", reading::isDone)
                        .until(() -> held.holding.getCount() == 0 && topFrame(reader).equals("avcodec_free_context"));
            } finally {
                held.release.countDown();
                ffmpegLogger.detachAppender(held);
            }
            reading.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(log.events()).filteredOn(event -> !event.getThreadName().equals(reader.getName()))
                    .as("the decoder threads' lines").hasSizeGreaterThan(1)
                    .allMatch(event -> "camera-freed".equals(event.getMDCPropertyMap().get("node")));
        }
    }

    /** Holds the first line a thread other than {@code reader} logs, until released. */
    private static final class HeldLine extends UnsynchronizedAppenderBase<ILoggingEvent> {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final Thread reader;

        HeldLine(Thread reader) {
            this.reader = reader;
            start();
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (!event.getThreadName().equals(reader.getName()) && holding.getCount() > 0) {
                holding.countDown();
                try {
                    release.await(Waits.GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static String topFrame(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        return stack.length == 0 ? "" : stack[0].getMethodName();
    }

    /**
     * Thirteen H.264 frames of four slices each, the last damaged in each of its slices: FFmpeg's
     * parser hands it to the decoder when reading stops (it sees no next frame begin).
     */
    private static byte[] thirteenFramesTheLastDamaged(Path dir) throws Exception {
        Path clean = dir.resolve("clean.h264");
        Tools.Output ffmpeg = Tools.run(new ProcessBuilder(Tools.require("ffmpeg", "ffmpeg").toString(), "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-frames:v", "20", "-c:v", "libx264", "-bf", "0",
                "-x264-params", "slices=4", "-pix_fmt", "yuv420p", "-f", "h264", clean.toString())
                .redirectErrorStream(true), Waits.GENEROUS);
        assertThat(ffmpeg.exitCode()).as(ffmpeg.text()).isZero();
        byte[] bytes = Files.readAllBytes(clean);
        List<Integer> slices = new ArrayList<>(); // where each slice's NAL unit begins, after its start code
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1 && List.of(1, 5).contains(bytes[i + 3] & 0x1f)) {
                slices.add(i + 3);
            }
        }
        Random random = new Random(7);
        for (int slice = 4 * 12; slice < 4 * 13; slice++) {
            int start = slices.get(slice);
            int middle = start + (slices.get(slice + 1) - start) / 3;
            for (int j = 0; j < 16; j++) {
                bytes[middle + j] = (byte) random.nextInt(256);
            }
        }
        return Arrays.copyOf(bytes, slices.get(4 * 13) - 3);
    }
}

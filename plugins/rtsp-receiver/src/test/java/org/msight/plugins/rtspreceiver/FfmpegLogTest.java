package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.junit.jupiter.api.Test;
import org.msight.testkit.LogCapture;
import org.msight.testkit.Waits;
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
        FfmpegLog.install();
        AVCodecContext decoder = avcodec_alloc_context3((AVCodec) null);
        MDC.put("node", "camera-a");
        FfmpegLog.speakFor(decoder);
        MDC.remove("node");
        try (LogCapture log = LogCapture.of("ffmpeg")) {
            Thread decoderThread = new Thread(() -> {
                av_log(decoder, AV_LOG_FATAL, "concealing 12 errors\n");
                av_log(null, AV_LOG_FATAL, "[h264 @ 0x41414141] quoted text\n"); // not mapped: read as an I/O error
                av_log(decoder, AV_LOG_FATAL, "a line begun on a decoder thread, ");
            });
            decoderThread.start();
            decoderThread.join(Waits.GENEROUS.toMillis());
            MDC.put("node", "camera-b");
            av_log(null, AV_LOG_FATAL, "ended on camera B's thread\n");
            assertThat(MDC.get("node")).as("camera B's thread keeps its context").isEqualTo("camera-b");
            assertThat(log.events()).extracting(event -> event.getMDCPropertyMap().get("node")).containsExactly(
                    "camera-a", null, "camera-b");
            assertThat(log.events()).extracting(ILoggingEvent::getFormattedMessage).last().asString()
                    .endsWith("a line begun on a decoder thread, ended on camera B's thread");
        } finally {
            MDC.remove("node");
            FfmpegLog.forget(decoder);
            avcodec_free_context(decoder);
        }
    }
}

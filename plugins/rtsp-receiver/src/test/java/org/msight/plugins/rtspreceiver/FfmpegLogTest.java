package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log;

import org.junit.jupiter.api.Test;
import org.msight.testkit.LogCapture;
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
}

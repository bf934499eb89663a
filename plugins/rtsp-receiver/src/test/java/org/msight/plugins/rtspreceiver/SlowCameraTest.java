package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** A camera that sends a frame every 3 s, as some are set up to: read-timeout covers its probe too. */
class SlowCameraTest {

    private static RtspTestServer server;

    @BeforeAll
    static void startServer() {
        server = RtspTestServer.atFrameRate("1/3");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /**
     * The probe of a slow camera outlasted connect-timeout, and the timeout it noted ended the
     * first read at once: "sent nothing for 10000 ms" 5 ms after opening, and never a frame.
     */
    @Test
    void aCameraSlowerThanTheConnectTimeoutIsReadWithALongerReadTimeout() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            try (PipelineTestDriver driver = PipelineTestDriver.start("""
                    nodes.camera {
                      type = rtsp-receiver, publish-topic = frames, url = "%s"
                      connect-timeout = 2s, read-timeout = 10s
                    }
                    """.formatted(server.url()), "frames")) {
                List<ImageData> frames = driver.await("frames", ImageData.class, 2, Waits.GENEROUS);
                Jpegs.decode(frames.get(1));
            }
            assertThat(log.messages(Level.WARN)).noneMatch(line -> line.contains("sent nothing"));
        }
    }

    /**
     * A decoder's frame threads hand out a frame once each has a packet: eight threads need
     * about eight packets, 7 s at one frame a second, with read-timeout 2 s. The read timeout
     * covered the whole wait for a frame, so such a camera (FFmpeg picks cores + 1 threads) was cut
     * at every try and never published: it now counts from the last packet that arrived. And a
     * frame's capture_timestamp is when its video arrived, not when the decoder handed it out,
     * packets later: it was stamped seven seconds late.
     */
    @Test
    void aSlowCameraIsReadThoughItsDecoderHoldsFramesLongerThanTheReadTimeout() throws Exception {
        try (RtspTestServer onePerSecond = RtspTestServer.atFrameRate("1/1"); LogCapture log = LogCapture.all()) {
            try (PipelineTestDriver driver = PipelineTestDriver.start("""
                    nodes.camera {
                      type = rtsp-receiver, publish-topic = frames, url = "%s"
                      read-timeout = 2s, threads = 8
                    }
                    """.formatted(onePerSecond.url()), "frames")) {
                List<ImageData> frames = driver.await("frames", ImageData.class, 2, Waits.GENEROUS);
                Jpegs.decode(frames.get(1));
                for (ImageData frame : frames) {
                    // handed out seven packets (seconds) after its own arrived: stamped at its packet's arrival, not
                    // at its decoding; 1 s leaves room for a stall of this JVM that reads packets in a burst
                    assertThat(frame.metadata().creationTimestamp() - frame.metadata().captureTimestamp())
                            .as("seconds from capture to publication").isGreaterThan(1);
                }
                assertThat(frames.get(1).metadata().captureTimestamp()).as("captured after the first")
                        .isGreaterThan(frames.get(0).metadata().captureTimestamp());
            }
            assertThat(log.messages(Level.WARN)).noneMatch(line -> line.contains("sent nothing"));
        }
    }

    /**
     * With the threads chosen, a decoder's frame threads held a frame each but one before the first
     * came out: at 2 fps, three threads (two cores) published every frame a second late, nine (eight
     * cores) four seconds; Python MSight adds no such delay. They now hold 0.2 s of video at most:
     * one thread at 2 fps, two at 5 fps. Over RTSP a stream declares no average frame rate, and
     * FFmpeg's base rate of H.264 is twice its frame rate: a 5 fps camera was taken for 10 fps and
     * got three threads, 0.4 s held; the codec's own rate (the SPS's timing) gives two. The count
     * is what the start line says; the delay bound, a frame interval less than one thread more
     * would hold plus room for a loaded machine, catches the second-long holding of before.
     */
    @ParameterizedTest
    @CsvSource({"2/1, 2, 1", "5/1, 5, 2"})
    void aCamerasFramesAreHeldAFifthOfASecondAtMostByTheDecodersThreads(String rate, double framesPerSecond,
            int threads) throws Exception {
        try (RtspTestServer camera = RtspTestServer.atFrameRate(rate); LogCapture log = LogCapture.all();
                PipelineTestDriver driver = PipelineTestDriver.start("""
                        nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s" }
                        """.formatted(camera.url()), "frames")) {
            double bound = (threads - 1) / framesPerSecond + 0.3;
            for (ImageData frame : driver.await("frames", ImageData.class, 4, Waits.GENEROUS)) {
                assertThat(frame.metadata().creationTimestamp() - frame.metadata().captureTimestamp())
                        .as("seconds from capture to publication").isLessThan(bound);
            }
            assertThat(log.messages(Level.INFO)).anyMatch(line -> line.startsWith("Reading ")
                    && line.endsWith(", " + threads + " decoder thread" + (threads == 1 ? ")" : "s)")));
        }
    }
}

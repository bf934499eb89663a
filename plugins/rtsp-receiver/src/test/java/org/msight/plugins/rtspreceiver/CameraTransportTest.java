package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msight.api.RetriableException;
import org.msight.api.data.ImageData;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/** A camera that carries its video over TCP only, as some do: the transport is named when it refuses UDP. */
class CameraTransportTest {

    private static RtspTestServer server;

    @BeforeAll
    static void startServer() {
        server = RtspTestServer.tcpOnly();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void tcpGetsFrames() throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start("""
                nodes.camera { type = rtsp-receiver, publish-topic = frames, url = "%s", rtsp-transport = tcp }
                """.formatted(server.url()), "frames")) {
            Jpegs.decode(driver.await("frames", ImageData.class, 1, Waits.GENEROUS).get(0));
        }
    }

    /** It said only "Protocol not supported", retried every second, with nothing pointing at the setting. */
    @Test
    void udpRefusedNamesTheSetting() {
        ReceiverSettings settings = ReceiverSettings.from(TestNodeContext.of("rtsp-receiver",
                "url = \"" + server.url() + "\", rtsp-transport = udp").config());
        HostLookup lookup = new HostLookup(settings.connectTimeout());
        try (VideoInput input = VideoInput.prepare(settings, lookup, reason -> { })) {
            assertThatThrownBy(() -> input.open(settings, frameRate -> settings.threads())).isInstanceOf(RetriableException.class)
                    .hasMessage("cannot open " + server.url() + ": Protocol not supported (does the camera carry"
                            + " rtsp-transport = udp? try tcp)");
        }
    }
}

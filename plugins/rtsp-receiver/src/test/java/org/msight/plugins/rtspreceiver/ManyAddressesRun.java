package org.msight.plugins.rtspreceiver;

import java.net.InetAddress;
import java.util.Arrays;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.testkit.TestNodeContext;

/**
 * A camera given by a host name of several addresses, run by {@link ManyAddressesTest} in a JVM
 * whose hosts file ({@code jdk.net.hosts.file}) gives {@code cam.test} those addresses. Opens
 * {@code rtsp://cam.test:<port>/live.stream} (the port the first argument) and reads until it
 * publishes a frame, then prints what happened, one fact a line.
 */
final class ManyAddressesRun {

    private ManyAddressesRun() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("cam.test: " + Arrays.toString(InetAddress.getAllByName("cam.test")));
        TestNodeContext context = TestNodeContext.of("rtsp-receiver",
                "url = \"rtsp://cam.test:" + args[0] + "/live.stream\", connect-timeout = 1s");
        SourceNode camera = (SourceNode) new RtspReceiverProvider().create(context);
        try {
            camera.open();
            while (context.published().isEmpty()) {
                camera.poll();
            }
            ImageData image = context.published(ImageData.class).get(0);
            System.out.println("published " + image.width() + "x" + image.height());
        } catch (Exception e) {
            System.out.println("failed: " + e.getMessage());
        } finally {
            camera.close();
        }
        System.exit(0);
    }
}

package org.msight.bench.outage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.plugins.rtspreceiver.RtspReceiverProvider;
import org.msight.testkit.RtspTestServer;
import org.msight.testkit.TestNodeContext;

/**
 * Freezes a GStreamer RTSP camera (SIGSTOP) while it streams, and measures the seconds until
 * the reader gives up: the rtsp-receiver (its poll throws the outage) and the ffmpeg CLI with
 * the same timeout (it exits), the reference. Each trial starts a fresh connection on a thawed
 * camera. Each row gives the median over the timeout, and the receiver's row its median over
 * ffmpeg's on the same transport.
 */
public final class FrozenCameraBench {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    private static final int FRAMES_BEFORE_FREEZE = 30;

    public static void main(String[] args) throws Exception {
        int trials = Integer.parseInt(args[0]);
        System.out.printf("%-9s %-10s %12s %8s %8s %8s %14s %14s%n", "transport", "reader", "read-timeout", "min s",
                "median s", "max s", "median/timeout", "to ffmpeg CLI");
        try (RtspTestServer camera = RtspTestServer.start()) {
            for (String transport : List.of("tcp", "udp")) {
                List<Double> ours = measure(trials, () -> receiver(camera, transport));
                List<Double> reference = measure(trials, () -> ffmpeg(camera, transport));
                print(transport, "msight", ours, String.format(Locale.ROOT, "%.2f", median(ours) / median(reference)));
                print(transport, "ffmpeg CLI", reference, "(reference)");
            }
        }
    }

    @FunctionalInterface
    private interface Trial {
        /** Seconds from the freeze to the outage. */
        double run() throws Exception;
    }

    private static List<Double> measure(int trials, Trial trial) throws Exception {
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            seconds.add(trial.run());
        }
        seconds.sort(null);
        return seconds;
    }

    private static double median(List<Double> sorted) {
        return sorted.get(sorted.size() / 2);
    }

    /** A row: the reader's seconds from the freeze to the outage, over the timeout, and {@code toReference}. */
    private static void print(String transport, String reader, List<Double> seconds, String toReference) {
        double timeout = READ_TIMEOUT.toMillis() / 1e3;
        System.out.printf(Locale.ROOT, "%-9s %-10s %11.1fs %8.2f %8.2f %8.2f %14.2f %14s%n", transport, reader, timeout,
                seconds.get(0), median(seconds), seconds.get(seconds.size() - 1), median(seconds) / timeout,
                toReference);
    }

    private static double receiver(RtspTestServer camera, String transport) throws Exception {
        LongAdder published = new LongAdder();
        TestNodeContext context = TestNodeContext.of("rtsp-receiver", "url = \"" + camera.url() + "\", rtsp-transport = "
                + transport + ", read-timeout = " + READ_TIMEOUT.toMillis() + "ms").publishTo(data -> published.increment());
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(context);
        node.open();
        try {
            while (published.sum() < FRAMES_BEFORE_FREEZE) {
                node.poll();
            }
            long frozen = System.nanoTime();
            camera.freeze();
            try {
                while (true) {
                    node.poll();
                }
            } catch (RetriableException outage) {
                return (System.nanoTime() - frozen) / 1e9;
            }
        } finally {
            camera.thaw();
            node.close();
        }
    }

    private static double ffmpeg(RtspTestServer camera, String transport) throws Exception {
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-stats",
                "-rtsp_transport", transport, "-timeout", Long.toString(READ_TIMEOUT.toNanos() / 1000),
                "-i", camera.url(), "-f", "null", "-").redirectErrorStream(true).start();
        try {
            awaitFrames(ffmpeg.getInputStream());
            long frozen = System.nanoTime();
            camera.freeze();
            Thread drain = new Thread(() -> discard(ffmpeg.getInputStream()));
            drain.start();
            if (!ffmpeg.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ffmpeg did not give up within 60 s");
            }
            return (System.nanoTime() - frozen) / 1e9;
        } finally {
            camera.thaw();
            ffmpeg.destroyForcibly().waitFor();
        }
    }

    /** Reads ffmpeg's progress until it reports {@link #FRAMES_BEFORE_FREEZE} frames. */
    private static void awaitFrames(InputStream stats) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = stats.read(); c >= 0; c = stats.read()) {
            if (c != '\r' && c != '\n') {
                line.append((char) c);
                continue;
            }
            String text = line.toString().strip();
            line.setLength(0);
            if (text.startsWith("frame=")
                    && Integer.parseInt(text.substring(6).strip().split("\\s+")[0]) >= FRAMES_BEFORE_FREEZE) {
                return;
            }
        }
        throw new IllegalStateException("ffmpeg ended before " + FRAMES_BEFORE_FREEZE + " frames");
    }

    private static void discard(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // ffmpeg ended
        }
    }
}

package org.msight.bench.decode;

import com.sun.management.OperatingSystemMXBean;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;
import org.msight.testdriver.PipelineTestDriver;

/**
 * Runs an rtsp-receiver node over a whole file in the runtime (gap applied to its offers, the
 * JPEG built only for published frames), and measures the process's CPU time. Published frames
 * are counted, not kept.
 */
final class ReceiverRun {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Path saveTo;
    private long published;
    private long jpegBytes;

    private ReceiverRun(Path saveTo) {
        this.saveTo = saveTo;
    }

    /**
     * Decodes all of {@code input}, publishing one frame in {@code gap + 1}, with {@code full-range}
     * and {@code jpeg-encoder} as given.
     */
    static Result run(Path input, int gap, int threads, boolean fullRange, String encoder) throws Exception {
        return run(input, gap, threads, fullRange, encoder, null);
    }

    /** As {@link #run}, also writing the first {@link FfmpegCli#QUALITY_FRAMES} JPEGs to {@code saveTo}. */
    static Result run(Path input, int gap, int threads, boolean fullRange, String encoder, Path saveTo) throws Exception {
        ReceiverRun run = new ReceiverRun(saveTo);
        String pipeline = "msight.device-name = bench\n"
                + "nodes.camera { type = rtsp-receiver, publish-topic = frames, sensor-name = bench, url = "
                + ConfigUtil.quoteString(input.toString()) + ", gap = " + gap + ", threads = " + threads
                + ", full-range = " + fullRange + ", jpeg-encoder = " + encoder + ", read-timeout = 30s }";
        long cpu = OS.getProcessCpuTime();
        long wall = System.nanoTime();
        long offered;
        try (PipelineTestDriver driver = PipelineTestDriver.start(pipeline, Map.of("frames", run::count))) {
            driver.awaitSourcesFinished(Duration.ofHours(1));
            driver.close(); // the listener has counted every published frame
            offered = driver.totals("camera").get("in");
        }
        return new Result(offered, run.published, (OS.getProcessCpuTime() - cpu) / 1e6,
                (System.nanoTime() - wall) / 1e6, run.published == 0 ? 0 : run.jpegBytes / run.published);
    }

    private void count(SensorData message) {
        byte[] jpeg = ((ImageData) message).image();
        jpegBytes += jpeg.length;
        published++;
        if (saveTo != null && published <= FfmpegCli.QUALITY_FRAMES) {
            try {
                Files.write(saveTo.resolve(String.format("%04d.jpg", published)), jpeg);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

package org.msight.bench.decode;

import com.sun.management.OperatingSystemMXBean;
import com.typesafe.config.ConfigUtil;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;
import org.msight.plugins.rtspreceiver.RtspReceiverProvider;
import org.msight.testkit.TestNodeContext;

/**
 * Runs an rtsp-receiver node over a whole file, as the runtime would (gap applied to its
 * offers, the JPEG built only for published frames), and measures the process's CPU time.
 * Published frames are counted, not kept.
 */
final class ReceiverRun {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long published;
    private long jpegBytes;

    private ReceiverRun() {
    }

    /** Decodes all of {@code input}, publishing one frame in {@code gap + 1}, with {@code full-range} as given. */
    static Result run(Path input, int gap, int threads, boolean fullRange) throws Exception {
        ReceiverRun run = new ReceiverRun();
        TestNodeContext context = TestNodeContext.of("rtsp-receiver", "url = " + ConfigUtil.quoteString(input.toString())
                        + ", gap = " + gap + ", threads = " + threads + ", full-range = " + fullRange
                        + ", read-timeout = 30s")
                .withNodeName("camera").withDeviceName("bench").withSensorName("bench")
                .publishTo(run::count);
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(context);
        long cpu = OS.getProcessCpuTime();
        long wall = System.nanoTime();
        node.open();
        try {
            while (true) {
                node.poll();
            }
        } catch (RetriableException end) {
            if (!end.getMessage().endsWith(" ended")) {
                throw end;
            }
        } finally {
            node.close();
        }
        return new Result(context.offers(), run.published, (OS.getProcessCpuTime() - cpu) / 1e6,
                (System.nanoTime() - wall) / 1e6, run.published == 0 ? 0 : run.jpegBytes / run.published);
    }

    private void count(SensorData message) {
        jpegBytes += ((ImageData) message).image().length;
        published++;
    }
}

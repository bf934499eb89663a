package org.msight.bench.decode;

import com.sun.management.OperatingSystemMXBean;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.NodeProvider;
import org.msight.api.RetriableException;
import org.msight.api.SourceNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;
import org.msight.plugins.rtspreceiver.RtspReceiverProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an rtsp-receiver node over a whole file, as the runtime would (gap applied to its
 * offers, the JPEG built only for published frames), and measures the process's CPU time.
 */
final class ReceiverRun implements NodeContext {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Config config;
    private final int gap;
    private long offers;
    private long published;
    private long jpegBytes;

    private ReceiverRun(Config config) {
        this.config = config;
        this.gap = config.getInt("gap");
    }

    /** Decodes all of {@code input}, publishing one frame in {@code gap + 1}, with {@code full-range} as given. */
    static Result run(Path input, int gap, int threads, boolean fullRange) throws Exception {
        Config config = ConfigFactory.parseString("gap = " + gap + ", threads = " + threads + ", full-range = " + fullRange
                        + ", read-timeout = 30s")
                .withFallback(ConfigFactory.parseMap(java.util.Map.of("url", input.toString())))
                .withFallback(ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".rtsp-receiver"));
        ReceiverRun run = new ReceiverRun(config);
        SourceNode node = (SourceNode) new RtspReceiverProvider().create(run);
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
        return new Result(run.offers, run.published, (OS.getProcessCpuTime() - cpu) / 1e6,
                (System.nanoTime() - wall) / 1e6, run.published == 0 ? 0 : run.jpegBytes / run.published);
    }

    @Override
    public boolean publish(Supplier<? extends SensorData> message) {
        if (offers++ % (gap + 1) != gap) {
            return false;
        }
        jpegBytes += ((ImageData) message.get()).image().length;
        published++;
        return true;
    }

    @Override
    public String nodeName() {
        return "camera";
    }

    @Override
    public String deviceName() {
        return "bench";
    }

    @Override
    public Optional<String> sensorName() {
        return Optional.of("bench");
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Logger logger() {
        return LoggerFactory.getLogger("camera");
    }

    @Override
    public Counter counter(String name) {
        throw new UnsupportedOperationException("the receiver keeps no counters");
    }
}

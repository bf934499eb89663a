package org.msight.testdriver;

import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.msight.api.data.SensorData;
import org.msight.runtime.Pipeline;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.node.NodeStats;
import org.msight.runtime.plugin.PluginException;

/**
 * Runs a pipeline on the real runtime in a plugin's tests and benchmarks, as Kafka Streams'
 * {@code TopologyTestDriver} runs a topology: the file is validated by the runtime's own loader
 * (a bad block fails with the {@link PipelineConfigException} {@code --check} would report), the
 * nodes run on the runtime's node loops (gap, restart with backoff, drain), and every message of
 * the topics the test listens to is handed to it. Node types come from the class path.
 *
 * <pre>{@code
 * try (PipelineTestDriver driver = PipelineTestDriver.start("""
 *         nodes.camera { type = rtsp-receiver, url = "rtsp://127.0.0.1:8554/live", publish-topic = frames }
 *         """, "frames")) {
 *     List<ImageData> images = driver.await("frames", ImageData.class, 10, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class PipelineTestDriver implements AutoCloseable {

    /** Messages a listener's inbox holds: a test that reads a file as fast as it decodes drops none. */
    private static final int LISTENER_QUEUE = 10_000;

    private final Path dir;
    private final Pipeline pipeline;
    private final Map<String, List<SensorData>> kept;
    private final List<String> listeners;
    private boolean stopped;

    private PipelineTestDriver(Path dir, Pipeline pipeline, Map<String, List<SensorData>> kept,
            List<String> listeners) {
        this.dir = dir;
        this.pipeline = pipeline;
        this.kept = kept;
        this.listeners = listeners;
    }

    /**
     * Loads {@code pipeline} (HOCON, as a pipeline file holds it) and starts it, keeping every
     * message of {@code topics} for {@link #messages} and {@link #await}.
     */
    public static PipelineTestDriver start(String pipeline, String... topics)
            throws PipelineConfigException, IOException {
        Map<String, List<SensorData>> kept = new LinkedHashMap<>();
        Map<String, Consumer<? super SensorData>> listeners = new LinkedHashMap<>();
        for (String topic : topics) {
            List<SensorData> messages = new ArrayList<>();
            kept.put(topic, messages);
            listeners.put(topic, message -> keep(messages, message));
        }
        return start(pipeline, listeners, kept);
    }

    /**
     * Loads {@code pipeline} and starts it, handing each message of a topic to its listener (on
     * the listener node's thread), for runs too long to keep every message.
     */
    public static PipelineTestDriver start(String pipeline, Map<String, Consumer<? super SensorData>> listeners)
            throws PipelineConfigException, IOException {
        return start(pipeline, listeners, Map.of());
    }

    private static PipelineTestDriver start(String text, Map<String, Consumer<? super SensorData>> listeners,
            Map<String, List<SensorData>> kept) throws PipelineConfigException, IOException {
        Path dir = Files.createTempDirectory("msight-test-driver");
        List<String> names = new ArrayList<>();
        try {
            StringBuilder file = new StringBuilder(text).append('\n');
            int index = 0;
            for (Map.Entry<String, Consumer<? super SensorData>> listener : listeners.entrySet()) {
                String name = TopicListenerProvider.register(listener.getValue());
                names.add(name);
                file.append("nodes.test-listener-").append(index++).append(" { type = ")
                        .append(TopicListenerProvider.TYPE)
                        .append(", subscribe-topic = ").append(ConfigUtil.quoteString(listener.getKey()))
                        .append(", queue-capacity = ").append(LISTENER_QUEUE)
                        .append(", listener = ").append(ConfigUtil.quoteString(name)).append(" }\n");
            }
            Path path = Files.writeString(dir.resolve("pipeline.conf"), file);
            Pipeline pipeline = new PipelineFactory(List.of()).load(path).create();
            pipeline.start();
            return new PipelineTestDriver(dir, pipeline, kept, names);
        } catch (PipelineConfigException | IOException | RuntimeException | Error e) {
            names.forEach(TopicListenerProvider::unregister);
            delete(dir);
            throw e;
        } catch (PluginException e) {
            names.forEach(TopicListenerProvider::unregister);
            delete(dir);
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static void keep(List<SensorData> messages, SensorData message) {
        synchronized (messages) {
            messages.add(message);
            messages.notifyAll();
        }
    }

    /** The messages of {@code topic} so far, in order; the topic must be one given to {@link #start}. */
    public List<SensorData> messages(String topic) {
        return messages(topic, SensorData.class);
    }

    /** As {@link #messages(String)}, each checked to be a {@code type}. */
    public <T extends SensorData> List<T> messages(String topic, Class<T> type) {
        List<SensorData> messages = keptOf(topic);
        synchronized (messages) {
            return messages.stream().map(type::cast).toList();
        }
    }

    /**
     * Waits until {@code count} messages of {@code topic} arrived and returns the first
     * {@code count}, each checked to be a {@code type}.
     *
     * @throws AssertionError when fewer arrived within {@code timeout}
     */
    public <T extends SensorData> List<T> await(String topic, Class<T> type, int count, Duration timeout)
            throws InterruptedException {
        List<SensorData> messages = keptOf(topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (messages.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(String.format("expected %d messages on '%s' within %s, got %d",
                            count, topic, timeout, messages.size()));
                }
                TimeUnit.NANOSECONDS.timedWait(messages, left);
            }
            return messages.subList(0, count).stream().map(type::cast).toList();
        }
    }

    /**
     * The totals of node {@code node} as its throughput line shows them: {@code in} (for a source,
     * the messages it offered, before gap), {@code out}, {@code errors}, {@code restarts}, its own
     * counters, and so on.
     */
    public Map<String, Long> totals(String node) {
        return pipeline.nodeStats().stream().filter(stats -> stats.node().equals(node)).findFirst()
                .map(NodeStats::totals)
                .orElseThrow(() -> new IllegalArgumentException("no node '" + node + "' in the pipeline"));
    }

    /**
     * Waits until every source has finished (its input ended), failing after {@code timeout}.
     *
     * @throws AssertionError when a source is still running at the deadline, or the pipeline failed
     */
    public void awaitSourcesFinished(Duration timeout) throws InterruptedException {
        if (!pipeline.awaitStopRequest(timeout)) {
            throw new AssertionError("sources still running after " + timeout);
        }
        pipeline.failure().ifPresent(reason -> {
            throw new AssertionError("the pipeline failed: " + reason);
        });
    }

    /**
     * Stops the pipeline as SIGTERM does: sources first, then the others once drained.
     *
     * @throws AssertionError when a node did not stop in time or the pipeline failed
     */
    @Override
    public void close() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            if (!pipeline.stop()) {
                throw new AssertionError("the pipeline did not stop cleanly (see its log)");
            }
        } finally {
            listeners.forEach(TopicListenerProvider::unregister);
            delete(dir);
        }
    }

    private List<SensorData> keptOf(String topic) {
        List<SensorData> messages = kept.get(topic);
        if (messages == null) {
            throw new IllegalArgumentException("the driver keeps no messages of '" + topic + "'; keeps " + kept.keySet());
        }
        return messages;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind harms no test
        }
    }
}

package org.msight.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Waits;

/**
 * A third party's plugins, compiled by the test against the API jars only and put in a plugin
 * folder that is not on the runtime's class path, run through the real {@code bin/msight-run}.
 * Both plugins carry their own, different, {@code com.example.shared.Shared} class.
 */
class ThirdPartyPluginIT {

    @TempDir
    static Path work;
    static Path pluginDir;

    @TempDir
    Path dir;

    private static final String SHARED = """
            package com.example.shared;
            public final class Shared { public static final String VERSION = "%s"; }
            """;

    private static final String NUMBERS = """
            package com.example.numbers;
            import java.nio.charset.StandardCharsets;
            import java.util.List;
            import org.msight.api.*;
            import org.msight.api.data.*;
            public final class NumberSource implements SourceNode {
                private final NodeContext context;
                private final int count;
                private int next = 1;
                NumberSource(NodeContext context) {
                    this.context = context;
                    this.count = context.config().getInt("count");
                }
                @Override public void poll() throws InterruptedException {
                    if (next > count) { Thread.sleep(50); return; }
                    String text = next++ + ":" + com.example.shared.Shared.VERSION;
                    context.publish(() -> new BytesData(context.newMetadata(Metadata.now()),
                            text.getBytes(StandardCharsets.UTF_8)));
                }
                public static final class Provider implements NodeProvider {
                    public String type() { return "example-numbers"; }
                    public NodeKind kind() { return NodeKind.SOURCE; }
                    public String description() { return "counts from 1"; }
                    public List<Setting> settings() {
                        return List.of(Setting.optional("count", SettingType.INT, "how far to count"));
                    }
                    public Node create(NodeContext context) { return new NumberSource(context); }
                }
            }
            """;

    private static final String SINKS = """
            package com.example.sinks;
            import java.io.IOException;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.*;
            import java.util.List;
            import org.msight.api.*;
            import org.msight.api.data.*;
            public final class Sinks {
                static String text(SensorData data) {
                    return new String(((BytesData) data).data(), StandardCharsets.UTF_8);
                }
                public static final class FileSink implements SinkNode {
                    private final Path file;
                    private final long delay;
                    FileSink(NodeContext context) {
                        file = Path.of(context.config().getString("file"));
                        delay = context.config().getDuration("delay").toMillis();
                    }
                    @Override public void put(SensorData data) throws IOException, InterruptedException {
                        Thread.sleep(delay);
                        Files.writeString(file, text(data) + "|" + com.example.shared.Shared.VERSION + "\\n",
                                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                }
                public static final class LogSink implements SinkNode {
                    private final NodeContext context;
                    LogSink(NodeContext context) { this.context = context; }
                    @Override public void put(SensorData data) { context.logger().info("got {}", text(data)); }
                }
                public static final class FileProvider implements NodeProvider {
                    public String type() { return "example-file-sink"; }
                    public NodeKind kind() { return NodeKind.SINK; }
                    public String description() { return "appends each message to a file"; }
                    public List<Setting> settings() {
                        return List.of(Setting.required("file", SettingType.STRING, "the file"),
                                Setting.optional("delay", SettingType.DURATION, "time per message"));
                    }
                    public Node create(NodeContext context) { return new FileSink(context); }
                }
                public static final class LogProvider implements NodeProvider {
                    public String type() { return "example-log-sink"; }
                    public NodeKind kind() { return NodeKind.SINK; }
                    public String description() { return "logs each message"; }
                    public List<Setting> settings() { return List.of(); }
                    public Node create(NodeContext context) { return new LogSink(context); }
                }
            }
            """;

    /**
     * A bus of a third party's: a queue and a thread of its own carry the messages, each handed
     * over as MessagePack and decoded by the runtime, acknowledged when the runtime is done.
     */
    private static final String RELAY = """
            package com.example.relay;
            import java.util.*;
            import java.util.concurrent.*;
            import org.msight.api.*;
            import org.msight.api.bus.*;
            import org.msight.api.data.*;
            public final class RelayBus implements Bus {
                private final BusContext context;
                private final BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(1000);
                private final Map<String, List<Receiver>> receivers = new ConcurrentHashMap<>();
                private final Counter done;
                private volatile Thread thread;
                RelayBus(BusContext context) {
                    this.context = context;
                    this.done = context.counter("done");
                }
                @Override public void subscribe(Subscription s) {
                    receivers.computeIfAbsent(s.topic(), t -> new CopyOnWriteArrayList<>()).add(s.receiver());
                }
                @Override public void start() {
                    context.logger().info("{} relay started", context.config().getString("greeting"));
                    thread = new Thread(() -> {
                        try {
                            while (true) {
                                Object[] next = queue.take();
                                byte[] payload = (byte[]) next[1];
                                for (Receiver r : receivers.getOrDefault((String) next[0], List.of())) {
                                    r.deliver(new Delivery() {
                                        @Override protected SensorData decode() {
                                            return context.formats().fromMessagePack(payload);
                                        }
                                        @Override public void done() {
                                            done.increment();
                                            if (done.count() % 20 == 0) {
                                                context.logger().info("relay acknowledged {}", done.count());
                                            }
                                        }
                                    });
                                }
                            }
                        } catch (InterruptedException e) {
                            // closed
                        }
                    }, "relay");
                    thread.start();
                }
                @Override public boolean publish(String topic, SensorData data) {
                    return queue.offer(new Object[] {topic, context.formats().toMessagePack(data)});
                }
                @Override public void close() {
                    if (thread != null) {
                        thread.interrupt();
                    }
                }
                public static final class Provider implements BusProvider {
                    public String name() { return "example-relay"; }
                    public String description() { return "a queue and a thread"; }
                    public List<Setting> settings() {
                        return List.of(Setting.optional("greeting", SettingType.STRING, "said at start"));
                    }
                    public Bus create(BusContext context) { return new RelayBus(context); }
                }
            }
            """;

    @BeforeAll
    static void buildPlugins() throws IOException {
        pluginDir = Files.createDirectories(work.resolve("plugins"));
        new PluginBuilder()
                .source("com.example.shared.Shared", SHARED.formatted("v1"))
                .source("com.example.numbers.NumberSource", NUMBERS)
                .provider("com.example.numbers.NumberSource$Provider")
                .reference("msight.node-types.example-numbers { count = 10 }")
                .buildJar(work.resolve("numbers-build"), pluginDir.resolve("numbers.jar"));
        new PluginBuilder()
                .source("com.example.shared.Shared", SHARED.formatted("v2"))
                .source("com.example.sinks.Sinks", SINKS)
                .provider("com.example.sinks.Sinks$FileProvider")
                .provider("com.example.sinks.Sinks$LogProvider")
                .reference("msight.node-types.example-file-sink { delay = 0ms }")
                .buildJar(work.resolve("sinks-build"), pluginDir.resolve("sinks").resolve("sinks.jar"));
        new PluginBuilder()
                .source("com.example.relay.RelayBus", RELAY)
                .busProvider("com.example.relay.RelayBus$Provider")
                .reference("msight.example-relay { greeting = hello }")
                .buildJar(work.resolve("relay-build"), pluginDir.resolve("relay.jar"));
    }

    private Path pipeline(String sinkType, String sinkSettings, int count) throws IOException {
        return Files.writeString(dir.resolve("pipeline.conf"), """
                msight { device-name = it-device, stats-interval = 1s, http.enabled = false }
                nodes {
                  numbers { type = example-numbers, publish-topic = numbers, count = %d }
                  out { type = %s, subscribe-topic = numbers, queue-capacity = 1000 %s }
                }
                """.formatted(count, sinkType, sinkSettings));
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static List<String> expectedLines(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(n -> n + ":v1|v2").toList();
    }

    @Test
    void pluginsFromThePluginPathRunEachWithItsOwnVersionOfASharedClass() throws Exception {
        Path out = dir.resolve("out.txt");
        Path conf = pipeline("example-file-sink", ", file = \"" + out + "\"", 20);
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            run.awaitCondition("20 lines in " + out, () -> lines(out).size() == 20, Waits.GENEROUS);
            // the source printed its class's v1, the sink appended its own v2
            assertThat(lines(out)).isEqualTo(expectedLines(20));
            run.awaitOutput(" - it-device - out - INFO :: throughput: in ", Waits.GENEROUS);
            run.stopCleanly(Waits.GENEROUS);
        }
    }

    @Test
    void aThirdPartyBusCarriesThePipelineAndIsListedWithItsSettings() throws Exception {
        Path out = dir.resolve("out.txt");
        Path conf = Files.writeString(dir.resolve("pipeline.conf"), """
                msight { device-name = it-device, bus = example-relay, example-relay.greeting = bonjour
                         registry.enabled = false, http.enabled = false }
                nodes {
                  numbers { type = example-numbers, publish-topic = numbers, count = 20 }
                  out { type = example-file-sink, subscribe-topic = numbers, queue-capacity = 1000, file = "%s" }
                }
                """.formatted(out));
        try (RunningCommand check = Distribution.start(dir.resolve("check.log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), "--check", conf.toString())) {
            assertThat(check.awaitExit(Waits.GENEROUS)).isZero();
            assertThat(check.output()).containsPattern("numbers +on example-relay; published by numbers; subscribed by out");
        }
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            run.awaitCondition("20 lines in " + out, () -> lines(out).size() == 20, Waits.GENEROUS);
            assertThat(lines(out)).isEqualTo(expectedLines(20));
            run.awaitOutput("INFO :: bonjour relay started", Waits.GENEROUS);
            run.awaitOutput("INFO :: relay acknowledged 20", Waits.GENEROUS);
            run.stopCleanly(Waits.GENEROUS);
        }
        try (RunningCommand plugins = Distribution.start(dir.resolve("plugins.log"), Map.of(), "msight-run", "plugins",
                "--plugin-path", pluginDir.toString())) {
            assertThat(plugins.awaitExit(Waits.GENEROUS)).isZero();
            assertThat(plugins.output()).contains("example-relay (bus): a queue and a thread",
                    "plugin: " + pluginDir.resolve("relay.jar"), "redis (bus)", "nats (bus)", "memory (bus)",
                    "  greeting = hello    string\n      said at start")
                    .containsOnlyOnce("example-relay (bus)").containsOnlyOnce("redis (bus)").containsOnlyOnce("memory (bus)");
        }
    }

    @Test
    void sigtermStopsTheSourceDrainsTheSinkAndExitsZero() throws Exception {
        Path out = dir.resolve("out.txt");
        Path conf = pipeline("example-file-sink", ", file = \"" + out + "\", delay = 100ms", 40);
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            run.awaitCondition("2 lines in " + out, () -> lines(out).size() >= 2, Waits.GENEROUS);
            run.stopCleanly(Waits.GENEROUS);
            assertThat(lines(out)).isEqualTo(expectedLines(40));
            assertThat(run.output()).contains("SIGTERM received: stopping").contains("stopped");
        }
    }

    private Path slowSinkPipeline(Path out, String drainTimeout, String delay, int count) throws IOException {
        return Files.writeString(dir.resolve("pipeline.conf"), """
                msight { device-name = it-device, stats-interval = 1s, drain-timeout = %s, http.enabled = false }
                nodes {
                  numbers { type = example-numbers, publish-topic = numbers, count = %d }
                  out { type = example-file-sink, subscribe-topic = numbers, queue-capacity = 1000, file = "%s",
                        delay = %s }
                }
                """.formatted(drainTimeout, count, out, delay));
    }

    @Test
    void aSinkThatRunsOutOfDrainTimeIsNamedWithWhatItHoldsAndTheExitCodeIsOne() throws Exception {
        Path out = dir.resolve("out.txt");
        Path conf = slowSinkPipeline(out, "3s", "500ms", 40);
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            run.awaitCondition("a line in " + out, () -> lines(out).size() >= 1, Waits.GENEROUS);
            assertThat(run.terminate(Waits.GENEROUS)).isEqualTo(1);
            assertThat(run.output())
                    .containsPattern(" - msight - INFO :: waiting up to 3s for node out to stop: \\d+ messages queued")
                    .containsPattern(" - out - WARNING :: drain time of 3s ran out; \\d+ queued messages? w(as|ere) not"
                            + " handled")
                    .doesNotContain("interrupting");
        }
    }

    @Test
    void aSinkThatDoesNotStopWithinTheDrainTimeIsInterruptedAndTheExitCodeIsOne() throws Exception {
        Path conf = slowSinkPipeline(dir.resolve("out.txt"), "1s", "1h", 3);
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            // the sink has taken a message, and sleeps on it
            await().atMost(Waits.GENEROUS).until(() -> run.output().matches(
                    "(?s).* - out - INFO :: throughput: in (?!0\\.0/s).*"));
            assertThat(run.terminate(Waits.GENEROUS)).isEqualTo(1);
            assertThat(run.output()).contains(" - msight - WARNING :: node out did not stop within 2s (drain-timeout 1s, and 1s to finish); interrupting it");
        }
    }

    @Test
    void changingTheSinkTypeInTheFileRunsTheOtherSink() throws Exception {
        Path conf = pipeline("example-log-sink", "", 3);
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            run.awaitOutput(" - it-device - out - INFO :: got 3:v1", Waits.GENEROUS);
            assertThat(run.output()).contains(" - it-device - out - INFO :: got 1:v1");
            run.stopCleanly(Waits.GENEROUS);
        }
    }

    @Test
    void pluginsListsTheThirdPartyTypesWithTheirJars() throws Exception {
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run", "plugins",
                "--plugin-path", pluginDir.toString())) {
            assertThat(run.awaitExit(Waits.GENEROUS)).isZero();
            assertThat(run.output()).contains("example-numbers (source): counts from 1",
                    "plugin: " + pluginDir.resolve("numbers.jar"), "example-file-sink (sink): appends each message to a file",
                    "plugin: " + pluginDir.resolve("sinks"), "  file    string, required\n      the file\n");
        }
    }

    @Test
    void aPluginThatDeclaresAShippedTypeAgainOrNothingIsRefusedWithItsReason() throws Exception {
        Path extra = Files.createDirectories(dir.resolve("extra"));
        Path shipped = Distribution.home().resolve("plugins/image-dumper");
        Path copy = Files.createDirectories(extra.resolve("image-dumper"));
        for (Path jar : Distribution.files(shipped, ".jar")) {
            Files.copy(jar, copy.resolve(jar.getFileName()));
        }
        Path noServices = extra.resolve("no-services.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(noServices))) {
            out.putNextEntry(new java.util.jar.JarEntry("README.txt"));
            out.closeEntry();
        }
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run", "plugins",
                "--plugin-path", extra.toString(), "image-dumper")) {
            assertThat(run.awaitExit(Waits.GENEROUS)).isZero();
            assertThat(run.output()).contains("plugin: " + shipped,
                    "plugin " + copy + " not loaded: node type 'image-dumper' is provided by " + shipped
                            + " too; remove one of the two",
                    "plugin " + noServices + " not loaded: it provides no node type, bus or data type; its jar must"
                            + " list its providers in META-INF/services/");
        }
    }

    @Test
    void aBadPipelineFileExitsWithTwo() throws Exception {
        Path conf = Files.writeString(dir.resolve("bad.conf"), "nodes {\n  numbers { type = example-numbrs }\n}\n");
        try (RunningCommand run = Distribution.start(dir.resolve("log"), Map.of(), "msight-run",
                "--plugin-path", pluginDir.toString(), conf.toString())) {
            assertThat(run.awaitExit(Waits.GENEROUS)).isEqualTo(2);
            assertThat(run.output()).contains("error: " + conf + ":2: nodes.numbers.type: unknown node type"
                    + " 'example-numbrs' (did you mean 'example-numbers'?)");
        }
    }
}

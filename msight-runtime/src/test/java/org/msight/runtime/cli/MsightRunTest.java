package org.msight.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.DataType;
import org.msight.runtime.Pipeline;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.cli.Commands.Result;
import org.msight.runtime.http.HttpEndpoint;
import org.msight.runtime.http.PipelineStatus;
import org.msight.runtime.testnodes.LoopbackBus;
import org.msight.runtime.testplugins.BatchSink;
import org.msight.runtime.testplugins.ClashingSink;
import org.msight.runtime.testplugins.LidarType;
import org.msight.runtime.testplugins.OutputSink;
import org.msight.runtime.testplugins.PluginJar;
import org.msight.runtime.testplugins.RecursiveSink;
import org.msight.runtime.testplugins.UndescribedSink;
import org.msight.testkit.FreePorts;
import org.msight.testkit.TestCertificates;
import org.msight.testkit.Waits;
import sun.misc.Signal;

class MsightRunTest {

    /** What an unknown node type's line says after the known types: where a plugin's jar is looked for. */
    private static final String WHERE_PLUGINS_GO = " (msight-run plugins lists them; a third-party plugin's jar goes"
            + " in the plugins/ folder, or in a folder given with --plugin-path or msight.plugin-path)";

    @TempDir
    Path dir;

    private static Result run(String... args) {
        return Commands.run(new MsightRun(), args);
    }

    /** Runs the pipeline of {@code file} and its HTTP endpoint while {@code check} runs, given the endpoint's port. */
    private static void withEndpoint(Path file, PortCheck check) throws Exception {
        PipelineFactory.Loaded loaded = TestPipelines.load(file);
        Pipeline pipeline = loaded.create();
        pipeline.start();
        try (HttpEndpoint endpoint = HttpEndpoint.start(loaded.httpSettings(), pipeline)) {
            check.run(endpoint.port());
        } finally {
            pipeline.stop();
        }
    }

    private interface PortCheck {
        void run(int port) throws Exception;
    }

    @Test
    void checkPrintsTheTopology() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                nodes {
                  src { type = test-sequence, publish-topic = frames, gap = 9 }
                  a { type = test-collector, subscribe-topic = frames }
                  b { type = test-collector, subscribe-topic = frames }
                }
                """);
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("Pipeline " + file + " (device local, bus memory)")
                .containsPattern("src +test-sequence +source +-> frames +gap 9")
                .containsPattern("a +test-collector +sink +<- frames +gap 0")
                .containsPattern("frames +on memory; published by src; subscribed by a, b");
    }

    @Test
    void aConfigErrorExitsWithTwoAndNamesFileLineAndKey() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = no-such-type }\n}\n");
        Result result = run(file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":2: nodes.src.type: unknown node type 'no-such-type';"
                + " known types: test-collector, test-images, test-negate, test-sequence" + WHERE_PLUGINS_GO + "\n");
    }

    @Test
    void checkBuildsTheNodesSoTheirOwnChecksRunAndChecksTheRuntimeBlock() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight.stats-interval = 0s
                nodes {
                  src { type = test-sequence, publish-topic = t, count = -1 }
                }
                """);
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":1: msight.stats-interval: must be 100ms to 24h, not '0s'\n");

        TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = test-sequence, publish-topic = t, count = -1 }\n}\n");
        result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":2: nodes.src.count: must be 0 or more, was -1\n");
    }

    @Test
    void pythonsLevelNamesAreAcceptedAndOthersNamed() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Level before = root.getLevel();
        try {
            for (String level : new String[] {"FATAL", "CRITICAL", "WARNING", "warning"}) {
                Path file = TestPipelines.write(dir, "p.conf", "msight.logging-level = " + level + "\n"
                        + "nodes { src { type = test-sequence, publish-topic = t } }\n");
                assertThat(run("--check", file.toString()).exitCode()).as(level).isZero();
            }
        } finally {
            root.setLevel(before); // --check applied the level to this JVM's logging
        }
        Path file = TestPipelines.write(dir, "p.conf", "msight.logging-level = LOUD\n"
                + "nodes { src { type = test-sequence, publish-topic = t } }\n");
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: " + file + ":1: msight.logging-level: must be one of TRACE,"
                + " NOTSET, DEBUG, INFO, WARN, WARNING, ERROR, CRITICAL, FATAL, not 'LOUD'");
    }

    @Test
    void checkReadsTheRedisSettingsWithoutConnecting() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { registry { enabled = true, heartbeat.action-on-error = explode } }
                nodes { src { type = test-sequence, publish-topic = t } }
                """);
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":1: msight.registry.heartbeat.action-on-error:"
                + " 'explode' is not one of continue, stop\n");
    }

    @Test
    void checkPrintsEachTopicsBusAndCreatesTheBusesSoTheirOwnChecksRun() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { topics.frames.bus = loopback }
                nodes {
                  src { type = test-sequence, publish-topic = frames }
                  a { type = test-collector, subscribe-topic = frames, group-id = uploaders }
                }
                """);
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).containsPattern("frames +on loopback; published by src; subscribed by a \\(group uploaders\\)");

        TestPipelines.write(dir, "p.conf", """
                msight {
                  bus = loopback
                  loopback.port = 0
                }
                nodes { src { type = test-sequence, publish-topic = frames } }
                """);
        result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).as("at the line of the key the bus names")
                .isEqualTo("error: " + file + ":3: msight.loopback.port: must be 1 or more, was 0\n");
    }

    /** A pipeline file on the loopback bus at {@code port} (line 3), without endpoint or registry. */
    private Path onLoopbackPort(int port) throws IOException {
        return TestPipelines.write(dir, "p.conf", """
                msight {
                  bus = loopback
                  loopback.port = %d
                  http.enabled = false
                  registry.enabled = false
                }
                nodes { src { type = test-sequence, publish-topic = frames } }
                """.formatted(port));
    }

    @Test
    void aSettingABusRefusesOnlyAtStartIsOneLineAtItsKeyWithExitCodeTwo() throws Exception {
        Path file = onLoopbackPort(LoopbackBus.TAKEN);
        assertThat(run("--check", file.toString()).exitCode()).isZero();
        Result result = run(file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out() + result.err()).contains(file + ":3: msight.loopback.port: 2 is taken")
                .doesNotContain("\tat ");
    }

    /**
     * A bus whose start throws an Error (a class missing from its jar) is closed, ending what it
     * started, and the run ends as for any bus that cannot start: one line, exit code 2.
     */
    @Test
    void aBusWhoseStartThrowsAnErrorIsClosedAndTheRunEndsWithOneLineAndExitCodeTwo() throws Exception {
        Path file = onLoopbackPort(LoopbackBus.START_FAILS);
        Result result = run(file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out() + result.err()).contains("bus 'loopback': failed to start (plugin class path):"
                        + " NoClassDefFoundError: org/example/Gone (on purpose); a class it needs is missing: put the jar"
                        + " that has it in the plugin's folder")
                .contains("closing").doesNotContain("\tat ");
    }

    /**
     * SIGTERM while a bus waits at start for its server, as {@code systemctl stop} sends it to a
     * pipeline whose Kafka brokers are not up yet, ends the wait: the run closes the bus, says the
     * stop came during the start, and ends with exit code 0, a stop asked for; so too on a bus whose
     * client swallows an interrupt and waits on for its next server, as jnats does.
     */
    @ParameterizedTest
    @ValueSource(ints = {LoopbackBus.START_BLOCKS, LoopbackBus.START_BLOCKS_PAST_AN_INTERRUPT})
    void aSignalWhileABusWaitsAtStartEndsTheRunWithExitCodeZero(int port) throws Exception {
        Path file = onLoopbackPort(port);
        LoopbackBus.startReleased = new CountDownLatch(1);
        LoopbackBus.startWaiting = new CountDownLatch(1);
        try {
            CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> run(file.toString()));
            assertThat(LoopbackBus.startWaiting.await(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
            Signal.raise(new Signal("TERM")); // the run's own handler takes it: it was set before the bus started
            Result result = run.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.exitCode()).isZero();
            assertThat(result.out() + result.err()).contains("SIGTERM received: stopping", "closing",
                    "the stop came during the start: the nodes of " + file + " did not run").doesNotContain("ERROR");
        } finally {
            LoopbackBus.startReleased.countDown();
        }
    }

    /** A bus that its provider fails to create, as a bug does, is an error of the file's, in --check too: exit code 2. */
    @Test
    void aBusThatFailsToBeCreatedIsOneErrorLineWithExitCodeTwo() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { bus = loopback, loopback.port = %d, registry.enabled = false }
                nodes { src { type = test-sequence, publish-topic = frames } }
                """.formatted(LoopbackBus.CREATE_FAILS));
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ": msight.loopback: bus 'loopback' (class path) failed"
                + " to create the bus: NullPointerException: test: a bus plugin's bug\n");
    }

    @Test
    void aWrongFlagExitsWithTwo() {
        Result result = run("--chek", "p.conf");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Unknown option: '--chek'").contains("msight-run --help");
    }

    @Test
    void aFolderNamedPluginsIsAPluginPathNotTheCommand() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "nodes { src { type = test-sequence, publish-topic = t } }");
        Result result = run("--plugin-path", "plugins", "--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: plugin folder plugins does not exist;"
                + " check --plugin-path and msight.plugin-path\n");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void pluginsListsTypesWithSettingsDefaultsInHoconAndDocsAndTheCommonSettingsOnce() {
        Result result = run("plugins");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("test-sequence (source): publishes numbered BytesData (tests)\n"
                        + "  plugin: class path, version unknown\n"
                        + "  count = 100    int\n"
                        + "      how many messages\n")
                .contains("Every node block also takes (defaults in msight.node-defaults):\n"
                        + "  type    string, required\n"
                        + "      the node type, from msight-run plugins\n"
                        + "  gap = 0    int\n"
                        + "      handle one message out of every gap+1, as MSight counts (0: all; 9: one in ten)"
                        + " (must be 0 or more)\n")
                .contains("  queue-capacity = 16    int\n      messages waiting for this node at most; when full the"
                        + " oldest is dropped (sinks and processors) (must be 1 to 100000)\n")
                .contains("  restart-backoff.initial = 200ms    duration\n");
        assertThat(result.out().lines().filter(l -> l.startsWith("  gap"))).hasSize(1);
        assertThat(result.out()).containsOnlyOnce("memory (bus): ").containsOnlyOnce("test-sequence (source): ");
        assertThat(result.out().lines().mapToInt(String::length).max().orElseThrow()).isLessThan(140);
    }

    @Test
    void pluginsOfOneTypeAndAsJson() {
        Result one = run("plugins", "test-collector");
        assertThat(one.exitCode()).isZero();
        assertThat(one.out()).startsWith("test-collector (sink): ").doesNotContain("test-sequence (source)")
                .contains("It also takes, as every sink block:\n").contains("  subscribe-topic    string, required\n")
                .doesNotContain("publish-topic").doesNotContain("sensor-name");

        Result unknown = run("plugins", "test-colector");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("error: unknown node type or bus 'test-colector' (did you mean"
                + " 'test-collector'?); known types: test-collector, test-images, test-negate, test-sequence;"
                + " buses: loopback, memory\n");

        Result bus = run("plugins", "loopback");
        assertThat(bus.exitCode()).as(bus.err()).isZero();
        assertThat(bus.out()).isEqualTo("loopback (bus): " + new org.msight.runtime.testnodes.LoopbackBus().description()
                + "\n  plugin: class path, version unknown; settings in msight.loopback { }\n  port = 1    int\n"
                + "      a port, read and checked\n  full-topic = \"\"    string\n      a topic it cannot carry\n"
                + "  connected = true    boolean\n      what it says of its connections\n\n");

        assertThat(run("plugins", "memory").out()).endsWith("; no settings\n\n");

        Result json = run("plugins", "--json", "test-sequence");
        assertThat(json.exitCode()).isZero();
        com.typesafe.config.Config type = com.typesafe.config.ConfigFactory.parseString("types = " + json.out())
                .getConfigList("types").get(0);
        assertThat(type.getString("type")).isEqualTo("test-sequence");
        assertThat(type.getConfigList("settings")).extracting(s -> s.getString("key") + "=" + s.getString("default"))
                .containsExactly("count=100", "interval=0ms", "finish=false", "unrecoverable=",
                        "missing-method=");
        assertThat(type.getConfigList("common-settings")).extracting(s -> s.getString("key"))
                .contains("gap", "publish-topic", "restart-backoff.initial", "restart-backoff.max");

        com.typesafe.config.Config all = com.typesafe.config.ConfigFactory.parseString("all = " + run("plugins", "--json")
                .out());
        assertThat(all.getConfigList("all")).filteredOn(e -> e.getString("kind").equals("bus"))
                .extracting(e -> e.getString("type") + " " + e.getString("block") + " " + e.getConfigList("settings")
                        .stream().map(s -> s.getString("key") + "=" + s.getString("default")).toList())
                .containsExactlyInAnyOrder("memory msight.memory []", "loopback msight.loopback [port=1, full-topic=, connected=true]");
    }

    @Test
    void pluginsShowsTheDefaultsANodeOfTheTypeReallyGets() {
        Result one = run("plugins", "test-images");
        assertThat(one.out()).contains("  restart-backoff.initial = 100ms    duration\n")
                .contains("  restart-backoff.max = 1s    duration\n").doesNotContain("= 200ms");
        Result all = run("plugins");
        assertThat(all.out()).contains("  and its own defaults of settings every node takes:\n"
                + "  restart-backoff { ... }\n");
        com.typesafe.config.Config json = com.typesafe.config.ConfigFactory.parseString("types = "
                + run("plugins", "--json", "test-images").out()).getConfigList("types").get(0);
        assertThat(json.getConfigList("common-settings")).filteredOn(s -> s.getString("key").startsWith("restart"))
                .extracting(s -> s.getString("default")).containsExactly("100ms", "1s");
    }

    /**
     * A plugin whose provider throws, a bug's exception from its description or an Error from its
     * type (an endless recursion), is a warning naming its jar: the others are listed, and a
     * pipeline that does not use it is checked.
     */
    @Test
    void aPluginWhoseProviderThrowsIsAWarningAndTheOthersAreListed() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.write(plugins.resolve("batch.jar"), BatchSink.class, "msight.node-types.batch-sink.batch = 1\n");
        PluginJar.write(plugins.resolve("recursive.jar"), RecursiveSink.class, "");
        PluginJar.write(plugins.resolve("undescribed.jar"), UndescribedSink.class, "");
        String warnings = "warning: plugin " + plugins.resolve("recursive.jar") + " not loaded:"
                + " java.lang.StackOverflowError\n"
                + "warning: plugin " + plugins.resolve("undescribed.jar") + " not loaded:"
                + " java.lang.IllegalStateException: test: no description\n";
        Result result = run("--plugin-path", plugins.toString(), "plugins");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).isEqualTo(warnings);
        assertThat(result.out()).contains("batch-sink (sink): test sink of a plugin jar\n  plugin: "
                + plugins.resolve("batch.jar"));
        Path file = TestPipelines.write(dir, "p.conf", "nodes { src { type = test-sequence, publish-topic = t } }");
        Result check = run("--plugin-path", plugins.toString(), "--check", file.toString());
        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(check.err()).isEqualTo(warnings);
    }

    /** Two plugins' data types of one tag failed every command with a stack trace, the codec refusing them. */
    @Test
    void aPluginWhoseDataTypeTakesATagKnownAlreadyIsAWarningAndThePipelineIsChecked() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.write(plugins.resolve("a.jar"), DataType.class, LidarType.class, "");
        PluginJar.write(plugins.resolve("b.jar"), DataType.class, LidarType.class, "");
        Path file = TestPipelines.write(dir, "p.conf", "nodes { src { type = test-sequence, publish-topic = t } }");
        Result check = run("--plugin-path", plugins.toString(), "--check", file.toString());
        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(check.err()).isEqualTo("warning: plugin " + plugins.resolve("b.jar") + " not loaded: data type"
                + " 'example.Lidar' is provided by " + plugins.resolve("a.jar") + " too; remove one of the two\n");
    }

    /** A folder {@code plugins} with the jar {@code name}, whose services file lists a {@code service} class it lacks. */
    private Path brokenPlugin(String name, Class<?> service, String missingClass) throws java.io.IOException {
        Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
        try (var jar = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(plugins.resolve(name)))) {
            jar.putNextEntry(new java.util.jar.JarEntry("META-INF/services/" + service.getName()));
            jar.write(missingClass.getBytes(StandardCharsets.UTF_8));
        }
        return plugins;
    }

    @Test
    void aBrokenPluginIsAWarningAndAnErrorOnlyForAPipelineThatUsesIt() throws Exception {
        Path plugins = brokenPlugin("cam.jar", org.msight.api.NodeProvider.class, "com.example.MissingProvider");
        Path file = TestPipelines.write(dir, "p.conf", "nodes { src { type = test-sequence, publish-topic = t } }");
        Result result = run("--plugin-path", plugins.toString(), "--check", file.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).startsWith("warning: plugin " + plugins.resolve("cam.jar") + " not loaded: ")
                .contains("com.example.MissingProvider");

        TestPipelines.write(dir, "p.conf", "nodes {\n  cam { type = example-camera, publish-topic = t }\n}\n");
        result = run("--plugin-path", plugins.toString(), "--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: " + file + ":2: nodes.cam.type: unknown node type 'example-camera';"
                + " known types: test-collector, test-images, test-negate, test-sequence" + WHERE_PLUGINS_GO
                + "; it may come from plugin "
                + plugins.resolve("cam.jar") + ", which did not load: ");
    }

    /**
     * A plugin whose node type declares a setting the runtime takes for every node of its kind is
     * refused as it loads, naming the plugin and the setting: the type's nodes could never take a
     * value that both rules accept.
     */
    @Test
    void aPluginThatDeclaresASettingEveryNodeTakesIsRefusedNamingIt() throws Exception {
        Path jar = PluginJar.write(dir.resolve("plugins/clash.jar"), ClashingSink.class,
                "msight.node-types.clashing-sink.queue-max-bytes = 1000\n");
        assertCheckSaysTheSinkTypeDidNotLoad(jar, "clashing-sink", "node type"
                + " 'clashing-sink' declares a setting 'queue-max-bytes', which the runtime takes for every sink; give"
                + " the plugin's own another name (a default of the runtime's for this type goes in its reference.conf,"
                + " under msight.node-types.clashing-sink)");
    }

    /**
     * A default of the wrong type in a plugin's reference.conf is its author's mistake: the plugin is
     * refused as it loads, at that line and key, not when a node block happens to take the default.
     */
    @Test
    void aPluginWhoseReferenceConfHasADefaultOfTheWrongTypeIsRefusedAtThatLine() throws Exception {
        Path jar = PluginJar.write(dir.resolve("plugins/batch.jar"), BatchSink.class,
                "msight.node-types.batch-sink {\n  batch = lots\n}\n");
        String problem = "a default of node type 'batch-sink' in its"
                + " reference.conf is wrong: jar:file:" + jar + "!/reference.conf:2: msight.node-types.batch-sink.batch:"
                + " must be a whole number from -2147483648 to 2147483647, not 'lots'";
        Result plugins = run("--plugin-path", jar.getParent().toString(), "plugins");
        assertThat(plugins.err()).isEqualTo("warning: plugin " + jar + " not loaded: " + problem + "\n");
        assertCheckSaysTheSinkTypeDidNotLoad(jar, "batch-sink", problem);
    }

    /**
     * A problem with a default of a plugin's reference.conf that a node took is told at the block of
     * the user's file that took it, not at a line in the plugin's jar: one the runtime's checks find
     * (a folder it cannot write) and one the plugin's own do (a value it refuses).
     */
    @Test
    void aProblemWithAPluginsDefaultIsToldAtTheUsersBlockThatTookIt() throws Exception {
        Path notAFolder = java.nio.file.Files.writeString(dir.resolve("a-file"), "");
        Path unwritable = PluginJar.write(dir.resolve("unwritable/output.jar"), OutputSink.class,
                "msight.node-types.output-sink.output {\n  folder = \"" + notAFolder + "/images\"\n  format = png\n}\n");
        Path file = TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = test-sequence, publish-topic = t }\n"
                + "  out {\n    type = output-sink, subscribe-topic = t\n    output { format = png }\n  }\n}\n");
        Result folder = run("--plugin-path", unwritable.getParent().toString(), "--check", file.toString());
        assertThat(folder.exitCode()).isEqualTo(2);
        assertThat(folder.err()).isEqualTo("error: " + file + ":5: nodes.out.output.folder: cannot write " + notAFolder
                + "/images (" + notAFolder + " is not a writable folder)\n");

        Path refusing = PluginJar.write(dir.resolve("refusing/output.jar"), OutputSink.class,
                "msight.node-types.output-sink.output {\n  folder = \"" + dir + "\"\n  format = png\n}\n");
        TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = test-sequence, publish-topic = t }\n"
                + "  out {\n    type = output-sink, subscribe-topic = t\n    output { folder = \"" + dir + "/out\" }\n  }\n}\n");
        Result format = run("--plugin-path", refusing.getParent().toString(), "--check", file.toString());
        assertThat(format.exitCode()).isEqualTo(2);
        assertThat(format.err()).isEqualTo("error: " + file + ":5: nodes.out.output.format: 'png' is not one it writes\n");
    }

    /**
     * {@code --check} of a pipeline whose sink is of {@code type}, from the plugin {@code jar} that
     * was refused for {@code problem} says: exit code 2, and the type unknown with why.
     */
    private void assertCheckSaysTheSinkTypeDidNotLoad(Path jar, String type, String problem) throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = test-sequence, publish-topic = t }\n"
                + "  out { type = " + type + ", subscribe-topic = t }\n}\n");
        Result result = run("--plugin-path", jar.getParent().toString(), "--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":3: nodes.out.type: unknown node type '" + type
                + "'; known types: test-collector, test-images, test-negate, test-sequence" + WHERE_PLUGINS_GO
                + "; it comes from plugin " + jar
                + ", which did not load: " + problem + "\n");
    }

    @Test
    void aPipelineOnTheBusOfAPluginThatDidNotLoadIsToldWhy() throws Exception {
        Path plugins = brokenPlugin("bus.jar", org.msight.api.bus.BusProvider.class, "com.example.MissingBus");
        Path file = TestPipelines.write(dir, "p.conf", "msight.bus = filebus\n"
                + "nodes { src { type = test-sequence, publish-topic = t } }\n");
        Result result = run("--plugin-path", plugins.toString(), "--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: " + file + ":1: msight.bus: unknown bus 'filebus'; known buses:"
                + " loopback, memory (msight-run plugins lists them; a bus plugin goes in the plugins/ folder, or in a"
                + " folder given with --plugin-path or msight.plugin-path); it may come from plugin "
                + plugins.resolve("bus.jar") + ", which did not load: ").contains("com.example.MissingBus");
    }

    /** A plugin bus turns the registry on (auto): without Redis, the line says why Redis was asked and how not to. */
    @Test
    void aRegistryTurnedOnByAutoThatFindsNoRedisSaysHowToRunWithoutIt() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "msight { bus = loopback, redis.port = " + FreePorts.next() + " }\n"
                + "nodes { src { type = test-sequence, publish-topic = t } }\n");
        Result result = run(file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out() + result.err()).contains(" - ERROR :: Redis unreachable at localhost:").contains("; MSight's node registry is"
                + " in Redis, and on (msight.registry.enabled = auto) as topics cross processes on loopback: run"
                + " Redis, or set msight.registry.enabled = false");
    }

    @Test
    void checkJsonDescribesTheTopologyWithNodesInFileOrder() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                nodes {
                  z-sink { type = test-collector, subscribe-topic = negated }
                  neg { type = test-negate, subscribe-topic = numbers, publish-topic = negated }
                  a-source { type = test-sequence, publish-topic = numbers, gap = 2 }
                }
                """);
        Result result = run("--check", "--json", file.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        com.typesafe.config.Config json = com.typesafe.config.ConfigFactory.parseString(result.out(),
                com.typesafe.config.ConfigParseOptions.defaults().setSyntax(com.typesafe.config.ConfigSyntax.JSON));
        assertThat(json.getString("bus")).isEqualTo("memory");
        assertThat(json.getConfigList("nodes")).extracting(n -> n.getString("name") + " " + n.getString("kind")
                + " " + n.getString("location")).containsExactly("z-sink sink " + file + ":2", "neg processor " + file + ":3",
                "a-source source " + file + ":4");
        assertThat(json.getConfigList("nodes").get(2).getInt("gap")).isEqualTo(2);
        assertThat(json.getConfigList("topics")).extracting(t -> t.getString("name") + " " + t.getStringList("publishers")
                + " " + t.getStringList("subscribers")).containsExactly("negated [neg] [z-sink]", "numbers [a-source] [neg]");

        result = run("--check", file.toString());
        assertThat(result.out().lines().skip(2).limit(3).map(l -> l.trim().split(" ")[0]))
                .containsExactly("z-sink", "neg", "a-source");
    }

    @Test
    void checkJsonPrintsOnlyJsonWhenANodeLogsAsItIsBuilt() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", "nodes { cam { type = test-images, publish-topic = frames } }\n");
        Result result = run("--check", "--json", file.toString());
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).as("the node's log line goes to standard error").contains("64x48 JPEGs of");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.out()).get("nodes").get(0)
                .get("name").asText()).isEqualTo("cam");
    }

    @Test
    void statusPrintsTheNodesOfARunningPipelineFromItsEndpoint() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { drain-timeout = 1s, http.port = 0 }
                nodes {
                  src { type = test-sequence, publish-topic = t, count = 5 }
                  sink { type = test-collector, subscribe-topic = t }
                }
                """);
        withEndpoint(file, port -> {
            String url = "http://127.0.0.1:" + port;
            await().atMost(Waits.GENEROUS).until(() -> run("status", "--url", url).out().contains("RUNNING"));
            Result table = run("status", "--url", url);
            assertThat(table.exitCode()).isZero();
            assertThat(table.out()).startsWith("Device local\n")
                    .containsPattern("src +test-sequence +source +RUNNING +\\d+\\.\\d +\\d+\\.\\d +-")
                    .containsPattern("sink +test-collector +sink +RUNNING")
                    .endsWith("\nBuses: memory connected\n");
            Result json = run("status", "--url", url, "--json");
            assertThat(PipelineStatus.JSON.readValue(json.out(), PipelineStatus.class).nodes())
                    .extracting(PipelineStatus.Node::name).containsExactly("src", "sink");
        });
    }

    @Test
    void statusSaysHowToGiveTheTokenTheEndpointAsksFor() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { drain-timeout = 1s, http { port = 0, token = s3cret-t0ken } }
                nodes.src { type = test-sequence, publish-topic = t, count = 5 }
                """);
        withEndpoint(file, port -> {
            String url = "http://127.0.0.1:" + port;
            Result without = run("status", "--url", url);
            assertThat(without.exitCode()).isOne();
            assertThat(without.err()).contains(" answered 401: ")
                    .endsWith("; give msight.http.token with --token or the MSIGHT_HTTP_TOKEN variable\n");
            Result wrong = run("status", "--url", url, "--token", "not-it");
            assertThat(wrong.err()).endsWith("; the token given (--token or MSIGHT_HTTP_TOKEN) is not msight.http.token\n");
            assertThat(run("status", "--url", url, "--token", "s3cret-t0ken").exitCode()).isZero();
        });
    }

    @Test
    void statusWidensTheStateColumnForAnOutageWithItsTime() {
        PipelineStatus status = new PipelineStatus("edge", List.of(
                new PipelineStatus.Node("cam", "rtsp-receiver", "source", "OUTAGE", "2026-12-03T03:49:46.861959272Z",
                        "t", null, 0.0, 0.0, null, null, "refused", null, null, null, null),
                new PipelineStatus.Node("up", "http-uploader", "sink", "RUNNING", null, null, "t", 1.0, 1.0, null,
                        null, null, null, null, null, null)), List.of(), null, null);
        java.util.List<String> lines = StatusCommand.render(status).lines().skip(1).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines).extracting(line -> line.indexOf("IN/S") >= 0 ? line.indexOf("IN/S") + 4
                : line.indexOf(".0") + 2).as("IN/S ends in one column").containsOnly(lines.get(0).indexOf("IN/S") + 4);
    }

    /** Status read from another box's endpoint (--url) cannot colour the terminal or forge lines. */
    @Test
    void statusShowsTheEndpointsFieldsEscaped() {
        String hostile = "x\u001b[31m\r\nforged";
        PipelineStatus status = new PipelineStatus(hostile, List.of(
                new PipelineStatus.Node(hostile, hostile, hostile, hostile, hostile, "t", null, 0.0, 0.0, null, null,
                        hostile, null, null, null, null)), List.of(), null, null);
        String text = StatusCommand.render(status);
        assertThat(text).doesNotContain("\u001b", "\r").hasLineCount(3)
                .startsWith("Device x\\u001b[31m\\r\\nforged\n")
                .contains("x\\u001b[31m\\r\\nforged since x\\u001b[31m\\r\\nforged");
    }

    /** A default the environment sets (MSIGHT_NATS_SERVERS, say) is shown with its URL's credentials masked. */
    @Test
    void pluginsMasksCredentialsInDefaults() {
        System.setProperty("msight.node-types.test-sequence.unrecoverable", "see http://u:hunter3@h/x");
        com.typesafe.config.ConfigFactory.invalidateCaches();
        try {
            Result text = run("plugins", "test-sequence");
            assertThat(text.out()).contains("unrecoverable = \"see http://***@h/x\"").doesNotContain("hunter3");
            assertThat(run("plugins", "--json", "test-sequence").out()).contains("http://***@h/x")
                    .doesNotContain("hunter3");
        } finally {
            System.clearProperty("msight.node-types.test-sequence.unrecoverable");
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
    }

    /** The JDK's words for an untrusted certificate name its classes (PKIX path building failed: sun.security...). */
    @Test
    void statusAgainstAnHttpsEndpointOfAnUntrustedCaSaysSoInWords() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        Path keyStore = certificates.keyStore(new TestCertificates.Signed(certificates.serverCert,
                certificates.serverKey), "changeit");
        Path file = TestPipelines.write(dir, "p.conf", "msight { http.port = 0, http.tls { key-store = \""
                + keyStore + "\", key-store-password = changeit } }\n"
                + "nodes {\n src { type = test-sequence, publish-topic = t, count = 5 }\n}\n");
        withEndpoint(file, port -> {
            String url = "https://127.0.0.1:" + port;
            Result untrusted = run("status", "--url", url);
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.err()).isEqualTo("error: " + url + ": TLS: the server's certificate is not signed by"
                    + " a CA this client trusts: trust that CA (ca-cert-file or ca-file in the TLS settings, else the"
                    + " JVM's trust store)\n");
        });
    }

    /** The request's timeout ends with the answer's head: a body that stops coming was waited for forever. */
    @Test
    void statusGivesUpOnAnEndpointThatStopsInTheMiddleOfItsAnswer() throws Exception {
        try (ServerSocket stalled = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket accepted = stalled.accept()) {
                    accepted.getInputStream().read(new byte[4096]);
                    accepted.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"device\":").getBytes(StandardCharsets.US_ASCII));
                    accepted.getInputStream().read(); // holds the connection open, sending nothing more
                } catch (IOException e) {
                    // the test ended
                }
            });
            server.start();
            String url = "http://127.0.0.1:" + stalled.getLocalPort();
            Result result = assertTimeoutPreemptively(Waits.GENEROUS, () -> run("status", "--url", url));
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).isEqualTo("error: " + url + " did not send its whole answer within 10 s: is"
                    + " msight-run there stuck? Ask again, or look at its log\n");
        }
    }

    /** Another service's JSON (no list of nodes) is said to be no node status, not a stack trace. */
    @Test
    void statusSaysWhenTheAnswerIsJsonButNoNodeStatus() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        other.createContext("/", exchange -> {
            byte[] body = exchange.getRequestURI().getPath().equals("/null/nodes") ? "null".getBytes(StandardCharsets.UTF_8)
                    : "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        other.start();
        try {
            for (String url : List.of("http://127.0.0.1:" + other.getAddress().getPort(),
                    "http://127.0.0.1:" + other.getAddress().getPort() + "/null")) {
                Result result = run("status", "--url", url);
                assertThat(result.exitCode()).isEqualTo(1);
                assertThat(result.err()).isEqualTo("error: " + url + " did not answer with a node status: its JSON has"
                        + " no list of nodes (is it an msight-run endpoint?)\n");
            }
        } finally {
            other.stop(0);
        }
    }

    @Test
    void statusSaysWhenNothingAnswers() {
        int port = FreePorts.next();
        Result result = run("status", "--url", "http://127.0.0.1:" + port);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("error: nothing answers at http://127.0.0.1:" + port + " (nothing listens on"
                + " that port): is msight-run running, with msight.http enabled on that port? Ask another endpoint with"
                + " --url\n");

        Result unknownHost = run("status", "--url", "http://no-such-host.invalid:" + port);
        assertThat(unknownHost.exitCode()).isEqualTo(1);
        assertThat(unknownHost.err()).startsWith("error: nothing answers at http://no-such-host.invalid:" + port
                + " (no host is known by that name): ");

        Result withPassword = run("status", "--url", "http://user:hunter2@127.0.0.1:" + FreePorts.next());
        assertThat(withPassword.exitCode()).isEqualTo(1);
        assertThat(withPassword.err()).contains("nothing answers at http://***@127.0.0.1:").doesNotContain("hunter2");
        for (String bad : new String[] {"localhost:9464", "http://[bad", "ftp://127.0.0.1:9464", "",
                "http://user:hunter2@127.0.0.1:99999"}) {
            Result refused = run("status", "--url", bad);
            assertThat(refused.exitCode()).as(bad).isEqualTo(2);
            assertThat(refused.err()).as(bad).startsWith("error: --url: not an http:// or https:// URL")
                    .doesNotContain("\tat ", "hunter2");
        }
    }

    /** Picocli quotes an argument it cannot place: a url given without its option. */
    @Test
    void anArgumentRefusedIsShownWithItsPasswordMasked() {
        Result result = run("status", "http://user:hunter2@127.0.0.1:1/");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("error: Unmatched argument at index 1: 'http://***@127.0.0.1:1/'")
                .doesNotContain("hunter2");
    }

    /** Picocli quotes a misspelt option with what follows it, which may be the token it was to take. */
    @Test
    void aMisspeltOptionIsNamedWithoutItsValue() {
        Result apart = run("status", "--tokn", "hunter2");
        assertThat(apart.exitCode()).isEqualTo(2);
        assertThat(apart.err()).startsWith("error: Unknown option: '--tokn' (the values given are not shown)")
                .contains("Possible solutions: --token").doesNotContain("hunter2");
        Result joined = run("status", "--tokn=hunter2", "--urll=x");
        assertThat(joined.exitCode()).isEqualTo(2);
        assertThat(joined.err()).startsWith("error: Unknown options: '--tokn', '--urll' (the values given are not shown)")
                .doesNotContain("hunter2");
        assertThat(run("--chek").err()).startsWith("error: Unknown option: '--chek'\n");
        // a token may begin with a dash: taken for a second unknown option, it was named
        Result dashed = run("status", "--tokn", "-Xhunter2");
        assertThat(dashed.err()).startsWith("error: Unknown option: '--tokn' (the values given are not shown)")
                .doesNotContain("hunter2");
    }

    /** The JDK refuses such a header with a message and a stack trace that hold the token. */
    @Test
    void statusRefusesATokenNoHeaderCanCarryWithoutShowingIt() {
        Result result = run("status", "--url", "http://127.0.0.1:" + FreePorts.next(), "--token", "s3cret-t0ken\r");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: --token (or MSIGHT_HTTP_TOKEN) holds a line break or another"
                + " character a header cannot carry (a line end of a file it was read from?); remove it\n");
    }

    @Test
    void statusShowsWhatOtherProgramsWroteInTheRegistryEscaped() {
        String table = Msight.Status.render(
                List.of(org.msight.runtime.registry.NodeRecord.of("cam\u001b]0;owned\u0007", "edge", "t",
                        null, "Evil\nNode")),
                List.of(new org.msight.runtime.registry.TopicRecord("t", "frames\u001b[2J", "ImageData")),
                org.msight.api.data.Metadata.now());
        assertThat(table).doesNotContain("\u001b", "\u0007").contains("cam\\u001b]0;owned\\u0007", "Evil\\nNode",
                "frames\\u001b[2J");
    }

    /** A heartbeat days old is wider than its column was: the status column stays aligned. */
    @Test
    void statusKeepsItsColumnsAlignedForOldHeartbeats() {
        double now = org.msight.api.data.Metadata.now();
        String table = Msight.Status.render(List.of(
                org.msight.runtime.registry.NodeRecord.of("fresh", "edge", "t", null, "RTSPSourceNode").beat(now - 2,
                        org.msight.runtime.registry.NodeStatus.RUNNING),
                org.msight.runtime.registry.NodeRecord.of("gone", "edge", "t", null, "RTSPSourceNode").beat(now - 123456,
                        org.msight.runtime.registry.NodeStatus.RUNNING)), List.of(), now);
        java.util.List<String> rows = table.lines().skip(1).limit(3).toList();
        assertThat(rows.get(2)).contains("(123456 s ago) RUNNING (stale)");
        assertThat(rows).extracting(row -> row.lastIndexOf("RUNNING") >= 0 ? row.lastIndexOf("RUNNING")
                : row.indexOf("STATUS")).containsOnly(rows.get(0).indexOf("STATUS"));
    }

    /** Another writer's nonsense: a heartbeat at -1e300 s and a status this runtime does not know. */
    @Test
    void statusShowsAHeartbeatNoClockCouldWriteAndAnUnknownStatusPlainly() {
        double now = org.msight.api.data.Metadata.now();
        String table = Msight.Status.render(List.of(new org.msight.runtime.registry.NodeRecord("odd", "edge",
                "t", null, "RTSPSourceNode", -1e300, null, null, Double.NaN)), List.of(), now);
        java.util.List<String> rows = table.lines().skip(1).limit(2).toList();
        assertThat(rows.get(1)).endsWith("? (stale)").doesNotContain("null", "ago");
        assertThat(rows.get(1).indexOf("? (stale)")).as("in the status column").isEqualTo(rows.get(0).indexOf("STATUS"));
    }

    @Test
    void statusSaysWhyABusIsDisconnected() {
        org.msight.runtime.http.PipelineStatus status = new org.msight.runtime.http.PipelineStatus("edge",
                List.of(), List.of(), List.of(
                        new org.msight.runtime.http.PipelineStatus.BusStatus("redis", false,
                                "Redis unreachable at 127.0.0.1:6390 (Connection refused)"),
                        new org.msight.runtime.http.PipelineStatus.BusStatus("memory", true, null)), null);
        assertThat(StatusCommand.render(status)).endsWith("\nBuses: redis DISCONNECTED (Redis unreachable at"
                + " 127.0.0.1:6390 (Connection refused)), memory connected\n");
    }
}

package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.runtime.TestPipelines;

class PipelineLoaderTest {

    @TempDir
    Path dir;

    private List<String> problemsOf(String hocon) throws Exception {
        return problemsOf(TestPipelines.write(dir, "pipeline.conf", hocon));
    }

    private List<String> problemsOf(Path file) throws Exception {
        try {
            TestPipelines.load(file);
        } catch (PipelineConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected the pipeline to be rejected");
    }

    private String file() {
        return dir.resolve("pipeline.conf").toString();
    }

    @Test
    void unknownTypeListsTheKnownOnesAndSuggests() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  src {
                    type = test-sequense
                    publish-topic = t
                  }
                }
                """)).containsExactly(file() + ":3: nodes.src.type: unknown node type 'test-sequense'"
                + " (did you mean 'test-sequence'?); known types: test-collector, test-images, test-negate, test-sequence"
                + " (msight-run plugins lists them; a third-party plugin's jar goes in the plugins/ folder, or in a folder"
                + " given with --plugin-path or msight.plugin-path)");
    }

    @Test
    void missingTypeAndMissingRequiredSetting() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  a { publish-topic = t }
                  b {
                    type = test-collector
                  }
                }
                """)).containsExactly(
                file() + ":2: nodes.a.type: missing; known types: test-collector, test-images, test-negate, test-sequence",
                file() + ":3: nodes.b.subscribe-topic: missing required setting (the topic this node subscribes to)");
    }

    @Test
    void misspeltKeyIsNamedWithItsLineAndASuggestion() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  src {
                    type = test-sequence
                    publish-topic = t
                    cuont = 5
                  }
                }
                """)).singleElement().asString()
                .startsWith(file() + ":5: nodes.src.cuont: unknown setting of node type 'test-sequence'"
                        + " (did you mean 'count'?); it takes: type, gap, publish-topic, sensor-name");
    }

    @Test
    void wrongValueTypesAreReportedEach() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  src {
                    type = test-sequence
                    publish-topic = t
                    gap = many
                    interval = soon
                  }
                  sink { type = test-collector, subscribe-topic = t, queue-capacity = 0, queue-max-bytes = 10kB }
                }
                """)).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).isEqualTo(file() + ":5: nodes.src.gap: must be a whole number, 0 or more,"
                        + " not 'many'"),
                p -> assertThat(p).startsWith(file() + ":6: nodes.src.interval: ").contains("soon"),
                p -> assertThat(p).isEqualTo(file() + ":8: nodes.sink.queue-capacity: must be 1 to 100000, not 0"),
                p -> assertThat(p).isEqualTo(file() + ":8: nodes.sink.queue-max-bytes: must be a size of at least 1MiB,"
                        + " such as 32MiB, not '10kB'"));
    }

    @Test
    void duplicateNodeNamesInOneFileAreRefused() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  cam { type = test-sequence, publish-topic = t }
                  cam { type = test-collector, subscribe-topic = t }
                }
                """)).containsExactly(file() + ":3: nodes.cam: node 'cam' is defined twice (also at line 2);"
                + " give each node its own name");
    }

    /** An object literal of the same node again, however written, in the same file. */
    @Test
    void aNodeWrittenAsTwoBlocksAnyWayIsRefused() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  cam { type = test-sequence, publish-topic = t }
                  cam = { type = test-collector, subscribe-topic = t }
                }
                nodes.cam {
                  type = test-sequence
                }
                nodes.sink { type = test-collector, subscribe-topic = t }
                nodes { sink { type = test-collector, subscribe-topic = t } }
                """)).containsExactly(file() + ":5: nodes.cam: node 'cam' is defined 3 times (also at lines 2, 3);"
                + " give each node its own name", file() + ":9: nodes.sink: node 'sink' is defined twice (also at line"
                + " 8); give each node its own name");
    }

    /**
     * A node defined once, from a template ({@code ${defaults} { ... }}) or a block later in the
     * file, or with dotted keys, was said defined twice: its merged value spans several lines.
     */
    @Test
    void aNodeDefinedOnceFromATemplateOrWithDottedKeysIsNoDuplicate() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                defaults { type = test-collector }
                nodes {
                  src = ${templates.src}
                  a = ${defaults} { subscribe-topic = t }
                  b = ${defaults} {
                    subscribe-topic = t
                  }
                  c = ${defaults}
                  c { subscribe-topic = t }
                }
                nodes.d.type = test-collector
                nodes.d.subscribe-topic = t
                templates {
                  src { type = test-sequence, publish-topic = t }
                }
                """);
        assertThat(TestPipelines.load(file).spec().nodes()).extracting(NodeSpec::name)
                .containsExactlyInAnyOrder("src", "a", "b", "c", "d");
    }

    /** A node an included file overrides, or one it defines at the place it is included, is defined once in each file. */
    @Test
    void aNodeOverriddenByAnIncludedFileIsNoDuplicateButTwiceInThatFileIs() throws Exception {
        Files.writeString(dir.resolve("cams.conf"), "src { gap = 2 }\nsink { type = test-collector, subscribe-topic = t }\n");
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                nodes {
                  src { type = test-sequence, publish-topic = t }
                  include "cams.conf"
                }
                """);
        assertThat(TestPipelines.load(file).spec().nodes()).extracting(NodeSpec::name).containsExactly("src", "sink");
        Files.writeString(dir.resolve("cams.conf"), "src { gap = 2 }\nsrc { gap = 3 }\n");
        assertThat(problemsOf(Files.readString(file))).containsExactly(dir.resolve("cams.conf") + ":2: nodes.src:"
                + " node 'src' is defined twice (also at line 1); give each node its own name");
    }

    /**
     * A byte not UTF-8 (a comment written in Windows-1252) left the file's text, and that of every
     * file it includes, unread: their nodes defined twice passed. Typesafe Config reads such a byte as U+FFFD.
     */
    @Test
    void aFileNotInUtf8IsStillCheckedForNodesDefinedTwice() throws Exception {
        Files.writeString(dir.resolve("cams.conf"), "cam { type = test-sequence, publish-topic = t }\ncam { gap = 1 }\n");
        Path file = Files.write(dir.resolve("pipeline.conf"), ("# Kamera f\u00fcr Halle\nnodes {\n  include \"cams.conf\"\n"
                + "  sink { type = test-collector, subscribe-topic = t }\n  sink { queue-capacity = 5 }\n}\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(problemsOf(file)).containsExactly(
                dir.resolve("cams.conf") + ":2: nodes.cam: node 'cam' is defined twice (also at line 1);"
                        + " give each node its own name",
                file() + ":5: nodes.sink: node 'sink' is defined twice (also at line 4); give each node its own name");
    }

    @Test
    void syntaxErrorsNameTheLine() throws Exception {
        assertThat(problemsOf("""
                nodes {
                  cam { type = test-sequence, publish-topic = t
                }
                """)).singleElement().asString().startsWith(file() + ":4: (syntax): ");
    }

    @Test
    void unknownBusIsRefused() throws Exception {
        assertThat(problemsOf("""
                msight.bus = kafka
                nodes { cam { type = test-sequence, publish-topic = t } }
                """)).containsExactly(file() + ":1: msight.bus: unknown bus 'kafka'; known buses: loopback, memory"
                + " (msight-run plugins lists them; a bus plugin goes in the plugins/ folder,"
                + " or in a folder given with --plugin-path or msight.plugin-path)");
    }

    @Test
    void eachTopicIsOnTheDefaultBusOrItsOwnAndOnlyTheBusesUsedAreChecked() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight {
                  topics { frames { bus = loopback } }
                  loopback { port = 6390 }
                }
                nodes {
                  src { type = test-sequence, publish-topic = frames }
                  neg { type = test-negate, subscribe-topic = frames, publish-topic = local, group-id = uploaders }
                  sink { type = test-collector, subscribe-topic = local }
                }
                """);
        PipelineSpec spec = TestPipelines.load(file).spec();
        assertThat(spec.topicBuses()).containsExactly(entry("frames", "loopback"), entry("local", "memory"));
        assertThat(spec.buses()).containsOnlyKeys("loopback", "memory");
        assertThat(spec.buses().get("loopback").config().getInt("port")).isEqualTo(6390);
        assertThat(spec.nodes()).filteredOn(node -> node.name().equals("neg")).singleElement()
                .satisfies(node -> assertThat(node.group()).contains("uploaders"));
        assertThat(spec.nodes()).filteredOn(node -> node.name().equals("sink")).singleElement()
                .satisfies(node -> assertThat(node.group()).isEmpty());
        assertThat(spec.registers()).as("a topic crosses processes").isTrue();
    }

    @Test
    void aTopicsBusAndABusBlockAreCheckedLikeNodeBlocks() throws Exception {
        assertThat(problemsOf("""
                msight {
                  topics { frames { bus = lopback } }
                  loopback { prot = 6390 }
                  bus = loopback
                }
                nodes { cam { type = test-sequence, publish-topic = other } }
                """)).containsExactlyInAnyOrder(
                file() + ":2: msight.topics.frames.bus: unknown bus 'lopback' (did you mean 'loopback'?); known buses:"
                        + " loopback, memory (msight-run plugins lists them; a bus plugin goes in the plugins/ folder,"
                        + " or in a folder given with --plugin-path or msight.plugin-path)",
                file() + ":3: msight.loopback.prot: unknown setting of bus 'loopback' (did you mean 'port'?); it takes:"
                        + " port, full-topic, connected");
    }

    @Test
    void subscribingToATopicNobodyPublishesIsAWarningOnTheMemoryBus() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                nodes {
                  src { type = test-sequence, publish-topic = frames }
                  sink { type = test-collector, subscribe-topic = frame }
                }
                """);
        PipelineSpec spec = TestPipelines.load(file).spec();
        assertThat(spec.warnings()).singleElement().asString().isEqualTo(file + ":3: nodes.sink.subscribe-topic:"
                + " no node publishes on 'frame' (did you mean 'frames'?) (another process can publish it only on a bus"
                + " such as redis, nats or kafka)");
    }

    @Test
    void includesEnvironmentSubstitutionAndDefaultsWork() throws Exception {
        TestPipelines.write(dir, "base.conf", """
                msight.device-name = base-device
                msight.device-name = ${?MSIGHT_TEST_UNSET_VARIABLE}
                nodes.src { type = test-sequence, publish-topic = t, count = 7 }
                """);
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                include "base.conf"
                user-home = ${HOME}
                nodes.src.gap = 3
                nodes.sink { type = test-collector, subscribe-topic = t }
                """);
        PipelineSpec spec = TestPipelines.load(file).spec();
        assertThat(spec.deviceName()).isEqualTo("base-device");
        NodeSpec src = spec.nodes().get(0);
        assertThat(src.gap()).isEqualTo(3);
        assertThat(src.config().getInt("count")).isEqualTo(7);
        assertThat(src.config().getDuration("interval")).isZero();
        assertThat(src.sensorName()).contains("src");
        assertThat(spec.nodes().get(1).queueCapacity()).isEqualTo(16);
        assertThat(spec.nodes().get(1).queueMaxBytes()).isEqualTo(32L << 20);
    }

    /**
     * A file named without a folder (msight-run pipeline.conf) finds what it includes beside it:
     * before, Typesafe Config looked on the class path and an include "http.conf" was silently
     * dropped, with the HTTP endpoint's token in it.
     */
    @Test
    void aFileNamedWithoutAFolderIncludesTheFilesBesideIt() throws Exception {
        String unique = "include-test-" + System.nanoTime();
        Path base = Path.of(unique + "-base.conf");
        Path pipeline = Path.of(unique + ".conf");
        try {
            Files.writeString(base, "msight.device-name = included-device\n");
            Files.writeString(pipeline, "include \"" + base + "\"\n"
                    + "nodes.src { type = test-sequence, publish-topic = t }\n"
                    + "nodes.sink { type = test-collector, subscribe-topic = t }\n");
            assertThat(pipeline.getParent()).as("named as msight-run's user names it, in the working folder").isNull();
            assertThat(TestPipelines.load(pipeline).spec().deviceName()).isEqualTo("included-device");
        } finally {
            Files.deleteIfExists(base);
            Files.deleteIfExists(pipeline);
        }
    }

    /** What the parser quotes of a file that is not text cannot put control characters on the terminal. */
    @Test
    void aBinaryFileIsReportedWithoutItsControlCharacters() throws Exception {
        Path file = Files.write(dir.resolve("binary.conf"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0x1b, '[', '2', 'J',
                'g', 'a', 'r', 'b', 'a', 'g', 'e', '\n'});
        assertThatThrownBy(() -> TestPipelines.load(file))
                .isInstanceOf(PipelineConfigException.class)
                .message().startsWith(file + ":1: (syntax): Key ").contains("\\u0000\\u001b")
                .doesNotContain("\u0000", "\u001b");
    }

    @Test
    void aFolderIsNotTakenForAPipelineFile() {
        assertThatThrownBy(() -> TestPipelines.load(dir))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessage(dir + ": (file): is a folder, not a pipeline file");
    }

    @Test
    void aMissingFileIsOneClearProblem() {
        assertThatThrownBy(() -> TestPipelines.load(dir.resolve("nope.conf")))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessage(dir.resolve("nope.conf") + ": (file): no such pipeline file");
    }
}

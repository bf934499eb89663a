package org.msight.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.runtime.TestPipelines;

class MsightRunTest {

    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = MsightRun.commandLine(new MsightRun()).execute(args);
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
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
        assertThat(result.err()).startsWith("error: " + file + ":2: nodes.src.type: unknown node type 'no-such-type';"
                + " known types: test-collector, test-negate, test-sequence");
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
        assertThat(result.err()).isEqualTo("error: " + file + ":1: msight.stats-interval: must be longer than 0\n");

        TestPipelines.write(dir, "p.conf", "nodes {\n  src { type = test-sequence, publish-topic = t, count = -1 }\n}\n");
        result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":2: nodes.src: count: must be 0 or more, was -1\n");
    }

    @Test
    void checkReadsTheRedisSettingsWithoutConnecting() throws Exception {
        Path file = TestPipelines.write(dir, "p.conf", """
                msight { registry { enabled = true, heartbeat.action-on-error = explode } }
                nodes { src { type = test-sequence, publish-topic = t } }
                """);
        Result result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ":1: msight.registry.heartbeat: Invalid value at"
                + " 'action-on-error': 'explode': use stop or continue\n");
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
                msight { bus = loopback, loopback.port = 0 }
                nodes { src { type = test-sequence, publish-topic = frames } }
                """);
        result = run("--check", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("error: " + file + ": msight.loopback: port: must be 1 or more, was 0\n");
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
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("src", "test-sequence");
    }

    @Test
    void pluginsListsTypesWithSettingsDefaultsAndDocs() {
        Result result = run("plugins");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("test-sequence (source)", "publishes numbered BytesData (tests)",
                        "plugin: class path")
                .containsPattern("count +int +100 +how many messages")
                .containsPattern("gap +int +0 +handle one message out of every gap\\+1")
                .containsPattern("subscribe-topic +string +\\(required\\) +the topic this node subscribes to");
    }
}

package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.cli.MsightRun;

/**
 * Files that once crashed the runtime, passed {@code --check} and crashed the run, or were
 * accepted with a bad effect later: each is rejected by {@code msight-run --check} with exit
 * code 2 and one line per problem, {@code file:line: key: problem}, and never a stack trace.
 */
class BadPipelineFilesTest {

    @TempDir
    Path dir;

    private record Result(int exitCode, String err) {
    }

    private Path file() {
        return dir.resolve("p.conf");
    }

    private String at(int line) {
        return "error: " + file() + ":" + line + ": ";
    }

    /** {@code msight-run --check} on {@code hocon}, in process, with its standard error captured. */
    private Result check(String hocon) throws Exception {
        TestPipelines.write(dir, "p.conf", hocon);
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = MsightRun.commandLine(new MsightRun()).execute("--check", file().toString());
            return new Result(code, errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The error lines of a file that must be refused with exit code 2 and no stack trace. */
    private String[] refused(String hocon) throws Exception {
        Result result = check(hocon);
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).doesNotContain("\tat ", "Exception in", "Error:").doesNotStartWith("java.");
        return result.err().lines().toArray(String[]::new);
    }

    private static final String SOURCE = "src { type = test-sequence, publish-topic = t ";

    @Test
    void gapsBeyondAWholeNumber() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + ", gap = 99999999999999 }\n}\n")).containsExactly(at(2)
                + "nodes.src.gap: must be a whole number, 0 or more, not 99999999999999");
        assertThat(refused("nodes {\n" + SOURCE + ", gap = 1e10 }\n}\n")).containsExactly(at(2)
                + "nodes.src.gap: must be a whole number, 0 or more, not 10000000000");
        assertThat(refused("nodes {\n" + SOURCE + ", gap = \"lots\" }\n}\n")).containsExactly(at(2)
                + "nodes.src.gap: must be a whole number, 0 or more, not 'lots'");
    }

    @Test
    void fractionsWhereAWholeNumberGoes() throws Exception {
        assertThat(refused("msight.logging.max-files = 1.5\nnodes {\n" + SOURCE + ", gap = 1.5 }\n"
                + SINK + ", queue-capacity = \"2.5\" }\n}\n")).containsExactly(
                at(1) + "msight.logging.max-files: must be a whole number, 1 to 20, not 1.5",
                at(3) + "nodes.src.gap: must be a whole number, 0 or more, not 1.5",
                at(4) + "nodes.out.queue-capacity: must be a whole number, 1 to 100000, not '2.5'");
        assertThat(check("nodes {\n" + SOURCE + ", gap = 2.0 }\n}\n").exitCode()).as("2.0 is a whole number").isZero();
    }

    private static final String SINK = "out { type = test-collector, subscribe-topic = t ";

    @Test
    void aQueueCapacityBeyondTheLimitIsRefusedBeforeAnythingIsAllocated() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n" + SINK + ", queue-capacity = 2147483647 }\n}\n"))
                .containsExactly(at(3) + "nodes.out.queue-capacity: must be 1 to 100000, not 2147483647");
    }

    @Test
    void aLogFileThatCannotBeWrittenIsNamedAtItsLine() throws Exception {
        // a file where a folder should be: refused even for root, who may write anywhere else
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "x");
        assertThat(refused("msight.logging.file = \"" + notAFolder.resolve("logs/msight.log") + "\"\nnodes {\n" + SOURCE
                + "}\n}\n")).containsExactly(at(1) + "msight.logging.file: cannot write "
                        + notAFolder.resolve("logs/msight.log") + " (" + notAFolder + " is not a writable folder)");
        assertThat(refused("msight.logging.file = \"" + dir + "\"\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(
                at(1) + "msight.logging.file: cannot write " + dir + " (" + dir + " is not a writable file)");
    }

    @Test
    void aSpoolFolderThatCannotBeWrittenOrMadeIsNamedAtItsLineAndNothingIsCreated() throws Exception {
        // a file where a folder should be: refused even for root, who may write anywhere else
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "x");
        assertThat(refused("msight.node-defaults.spool.path = \"" + notAFolder + "\"\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "msight.node-defaults.spool.path: cannot write " + notAFolder + " ("
                        + notAFolder + " is not a writable folder)");
        assertThat(refused("msight.node-defaults.spool.path = \"" + notAFolder.resolve("spool") + "\"\nnodes {\n"
                + SOURCE + "}\n}\n")).containsExactly(at(1) + "msight.node-defaults.spool.path: cannot write "
                        + notAFolder.resolve("spool") + " (" + notAFolder + " is not a writable folder)");
        Path linkToNothing = Files.createSymbolicLink(dir.resolve("gone"), dir.resolve("unmounted/spool"));
        assertThat(refused("msight.node-defaults.spool.path = \"" + linkToNothing + "\"\nnodes {\n" + SOURCE + "}\n}\n"))
                .as("no folder can be made through a link to nothing").containsExactly(at(1)
                        + "msight.node-defaults.spool.path: cannot write " + linkToNothing + " (" + linkToNothing
                        + " is not a writable folder)");
        Path missing = dir.resolve("spools/one");
        assertThat(check("msight.node-defaults.spool.path = \"" + missing + "\"\nnodes {\n" + SOURCE + "}\n}\n")
                .exitCode()).as("a folder that can be made").isZero();
        assertThat(dir.resolve("spools")).as("--check creates nothing").doesNotExist();
    }

    @Test
    void declaredSettingsReportEveryProblemOfEveryBlockAtOnce() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + ", count = \"x\", finish = maybe }\n" + SINK + ", delay = abc }\n}\n"))
                .containsExactly(
                        at(2) + "nodes.src.count: must be a whole number from -2147483648 to 2147483647, not 'x'",
                        at(2) + "nodes.src.finish: must be true or false, not 'maybe'",
                        at(3) + "nodes.out.delay: must be a duration such as 500ms, 10s or 5m, not 'abc'");
    }

    /** A plugin folder that is not there is named at its line, with the file's other problems, not alone. */
    @Test
    void aPluginFolderThatIsNotThereIsNamedAtItsLineWithTheFilesOtherProblems() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThat(refused("msight {\n"
                + "  plugin-path = [\"" + dir.resolve("no-plugins") + "\",\n"
                + "    \"" + file + "\"]\n"
                + "}\n"
                + "nodes {\n" + SOURCE + ", count = x }\n}\n")).containsExactly(
                at(2) + "msight.plugin-path: " + dir.resolve("no-plugins") + ": no such folder",
                at(3) + "msight.plugin-path: " + file + ": not a folder",
                at(6) + "nodes.src.count: must be a whole number from -2147483648 to 2147483647, not 'x'");
    }

    /** The second round (after the declared settings): every block's problem at once, the runtime's blocks' too. */
    @Test
    void whatOnlyTheNodesBusesAndRuntimeCanCheckIsReportedForEveryBlockAtOnce() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "x");
        assertThat(refused("msight {\n"
                + "  bus = loopback\n"
                + "  loopback.port = 0\n"
                + "  logging.file = \"" + notAFolder.resolve("msight.log") + "\"\n"
                + "  http.tls.key-store = \"" + dir.resolve("missing.p12") + "\"\n"
                + "}\n"
                + "nodes {\n" + SOURCE + ", count = -1 }\n}\n")).containsExactly(
                at(3) + "msight.loopback.port: must be 1 or more, was 0",
                at(4) + "msight.logging.file: cannot write " + notAFolder.resolve("msight.log") + " (" + notAFolder
                        + " is not a writable folder)",
                at(5) + "msight.http.tls.key-store: " + dir.resolve("missing.p12") + ": no such file",
                at(8) + "nodes.src.count: must be 0 or more, was -1");
    }

    @Test
    void heartbeatSettingsThatDoNotFitTogetherAreNamedWithTheirDurationsAsWritten() throws Exception {
        assertThat(refused("msight.registry {\n"
                + "  enabled = true\n"
                + "  heartbeat { update-interval = 6s }\n"
                + "}\n"
                + "nodes {\n" + SOURCE + "}\n}\n")).containsExactly(at(3) + "msight.registry.heartbeat.stale-after:"
                + " 10s must be at least twice update-interval (6s), or live nodes would look dead");
    }

    @Test
    void nestingThousandsOfLevelsDeep() throws Exception {
        assertThat(refused("a = " + "{ b: ".repeat(5000) + "1" + " }".repeat(5000) + "\n"))
                .containsExactly("error: " + file() + ": (syntax): nested too deeply to read;"
                        + " a pipeline needs a few levels of blocks, not thousands");
    }

    @Test
    void nodesOrMsightOfTheWrongKind() throws Exception {
        assertThat(refused("nodes = null\n")).containsExactly(at(1)
                + "nodes: must be an object of node blocks: nodes { camera { type = rtsp-receiver, ... } }");
        assertThat(refused("msight = 5\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(at(1)
                + "msight: must be a block: msight { device-name = ..., bus = ... }");
    }

    /**
     * A bus plugin's block written as a value ({@code msight.nats = "nats://..."}) was left out of
     * the check of the msight block, as a bus's, and taken for no block: the bus ran on its defaults.
     */
    @Test
    void aBusBlockWrittenAsAValueIsRefused() throws Exception {
        assertThat(refused("msight {\n bus = loopback\n loopback = \"127.0.0.1:6390\"\n}\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(3) + "msight.loopback: must be a block { ... }, not '127.0.0.1:6390'");
        assertThat(refused("msight.loopback = null\nnodes {\n" + SOURCE + "}\n}\n")).as("a bus no topic uses")
                .containsExactly(at(1) + "msight.loopback: must be a block { ... }, not null");
        assertThat(refused("msight.redis = \"127.0.0.1:6390\"\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "msight.redis: must be a block { ... }, not '127.0.0.1:6390'");
    }

    /**
     * A topic, a bus or a node type written as a number or a boolean is read as its text, as a
     * setting of type string is: a topic kept only when written as a string had no bus, and the
     * check and the run failed with a NullPointerException; a type was said missing.
     */
    @Test
    void aNumberOrBooleanIsReadAsItsTextAndABlockOrListIsRefused() throws Exception {
        assertThat(check("nodes {\n src { type = test-sequence, publish-topic = 101 }\n"
                + " sink { type = test-collector, subscribe-topic = true }\n"
                + " neg { type = test-negate, subscribe-topic = 101, publish-topic = true }\n}\n").exitCode()).isZero();
        assertThat(refused("msight.bus = 5\nnodes {\n" + SOURCE + "}\n}\n")).singleElement().asString()
                .startsWith(at(1) + "msight.bus: unknown bus '5'; known buses: ");
        assertThat(refused("nodes {\n src { type = 5, publish-topic = t }\n}\n")).singleElement().asString()
                .startsWith(at(2) + "nodes.src.type: unknown node type '5'; known types: ");
        assertThat(refused("nodes {\n src {\n  type = [test-sequence]\n  publish-topic = t\n }\n}\n"))
                .singleElement().asString().startsWith(at(3)
                        + "nodes.src.type: must be a node type's name, not [\"test-sequence\"]; known types: ");
        assertThat(refused("nodes {\n src {\n  type = test-sequence\n  publish-topic { a = 1 }\n }\n}\n"))
                .containsExactly(at(4) + "nodes.src.publish-topic: must be a string, not {\"a\":1}");
    }

    /** A null type was read as a value, which Typesafe Config refuses: a stack trace and exit code 1. */
    @Test
    void aNodeWhoseTypeIsNull() throws Exception {
        assertThat(refused("nodes {\n src { type = null, publish-topic = t }\n}\n")).singleElement().asString()
                .startsWith(at(2) + "nodes.src.type: missing; known types: ");
    }

    @Test
    void aBooleanThatIsNot() throws Exception {
        assertThat(refused("msight.registry.enabled = maybe\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(at(1)
                + "msight.registry.enabled: 'maybe' is not one of auto, true, false");
    }

    @Test
    void aProviderThatThrowsWhileCreatingItsNode() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n"
                + "neg { type = test-negate, subscribe-topic = t, publish-topic = u, fail-to-create = true }\n}\n"))
                .containsExactly(at(3) + "nodes.neg: node type 'test-negate' (class path) failed to create the node:"
                        + " java.lang.IllegalStateException: a bug in the plugin");
    }

    @Test
    void backoffsThatAreNegativeOrShrink() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + ", restart-backoff.initial = -1s }\n"
                + SINK + ", restart-backoff { initial = 5s, max = 1s } }\n}\n")).containsExactly(
                at(2) + "nodes.src.restart-backoff.initial: must be 1ms to 1h, not '-1s'",
                at(3) + "nodes.out.restart-backoff: max must not be shorter than initial");
    }

    @Test
    void misspeltKeysOfNestedBlocksAndOfTheMsightBlock() throws Exception {
        assertThat(refused("""
                msight {
                  bsu = redis
                  redis { prot = 6390, pasword = x }
                  registry { hartbeat = 2s }
                  loopbak { port = 2 }
                }
                nodes {
                  src { type = test-sequence, publish-topic = t, restart-backoff { intial = 5s } }
                }
                """)).containsExactly(
                at(2) + "msight.bsu: unknown setting of the msight block (did you mean 'bus'?); it takes: device-name,"
                        + " bus, topics, plugin-path, drain-timeout, stats-interval, logging-level,"
                        + " stop-when-sources-finish, logging, http, redis, registry, node-defaults, loopback",
                at(3) + "msight.redis.prot: unknown setting of block 'redis' (did you mean 'port'?); it takes: host,"
                        + " port, unix-socket-path, db, username, password, tls, connect-timeout, socket-timeout, publish-timeout,"
                        + " reconnect-backoff, cluster",
                at(3) + "msight.redis.pasword: unknown setting of block 'redis' (did you mean 'password'?); it takes:"
                        + " host, port, unix-socket-path, db, username, password, tls, connect-timeout, socket-timeout, publish-timeout,"
                        + " reconnect-backoff, cluster",
                at(4) + "msight.registry.hartbeat: unknown setting of block 'registry' (did you mean 'heartbeat'?);"
                        + " it takes: enabled, replace, heartbeat",
                at(5) + "msight.loopbak: unknown setting of the msight block (did you mean 'loopback'?); it takes:"
                        + " device-name, bus, topics, plugin-path, drain-timeout, stats-interval, logging-level,"
                        + " stop-when-sources-finish, logging, http, redis, registry, node-defaults, loopback",
                at(8) + "nodes.src.restart-backoff.intial: unknown setting of block 'restart-backoff'"
                        + " (did you mean 'initial'?); it takes: initial, max");
    }

    @Test
    void everyProblemOfTheMsightBlockItsTopicsAndItsBusAtOnceInLineOrder() throws Exception {
        assertThat(refused("""
                msight {
                  bus = loopback
                  http { prot = 1 }
                  registry { enabeld = true }
                  logging { formt = json }
                  node-defaults { gapp = 1 }
                  loopback { prot = 1 }
                  topics.t { bsu = x }
                }
                nodes {
                  src { type = test-sequence, publish-topic = t }
                }
                """)).extracting(line -> line.replaceFirst("^(error: \\S+ \\S+) .*", "$1")).containsExactly(
                at(3) + "msight.http.prot:", at(4) + "msight.registry.enabeld:", at(5) + "msight.logging.formt:",
                at(6) + "msight.node-defaults.gapp:", at(7) + "msight.loopback.prot:", at(8) + "msight.topics.t.bsu:",
                at(8) + "msight.topics.t.bus:");
    }

    /** What only the plugins can check comes in one round, a bus's and the nodes' together. */
    @Test
    void aBusAndANodeThatRejectTheirSettingsAreToldTogether() throws Exception {
        assertThat(refused("msight { bus = loopback, loopback.port = 0 }\nnodes {\n" + SOURCE + ", count = -1 }\n"
                + "other { type = test-sequence, publish-topic = u, count = -2 }\n}\n")).containsExactly(
                at(1) + "msight.loopback.port: must be 1 or more, was 0",
                at(3) + "nodes.src.count: must be 0 or more, was -1",
                at(4) + "nodes.other.count: must be 0 or more, was -2");
    }

    /**
     * A topic whose name its bus's server cannot carry (Kafka's rules) is refused at the line of
     * the node's key that names it, a publisher's as a subscriber's, before anything connects; the
     * node's other problems are told with it.
     */
    @Test
    void aTopicItsBusCannotCarryIsToldAtTheNodesKey() throws Exception {
        assertThat(refused("msight { bus = loopback }\nnodes {\n"
                + "src { type = test-sequence,\n publish-topic = \"bad/name\",\n count = -1 }\n"
                + "out { type = test-collector,\n subscribe-topic = \"bad/name\" }\n"
                + "fine { type = test-collector, subscribe-topic = t }\n}\n"))
                .filteredOn(line -> line.startsWith("error: ")).as("beside the loopback bus's line as it closes")
                .containsExactly(
                at(4) + "nodes.src.publish-topic: the loopback bus takes no topic under bad/: rename it",
                at(5) + "nodes.src.count: must be 0 or more, was -1",
                at(7) + "nodes.out.subscribe-topic: the loopback bus takes no topic under bad/: rename it");
    }

    @Test
    void aBusThatRejectsItsSettingsIsToldAloneWhateverSubscribesToIt() throws Exception {
        assertThat(refused("msight { bus = loopback, loopback.port = 0 }\nnodes {\n" + SOURCE + "}\n" + SINK + "}\n}\n"))
                .containsExactly(at(1) + "msight.loopback.port: must be 1 or more, was 0");
    }

    /** A node with problems of its own still uses its topic's bus: a check after fixing it finds nothing new there. */
    @Test
    void theBusOfATopicWhoseEveryNodeHasProblemsIsCheckedWithThem() throws Exception {
        assertThat(refused("msight { bus = memory, topics.t.bus = loopback, loopback.port = x }\nnodes {\n" + SOURCE
                + ", count = x }\n" + SINK + ", delay = abc }\n}\n")).containsExactly(
                at(1) + "msight.loopback.port: must be a whole number from -2147483648 to 2147483647, not 'x'",
                at(3) + "nodes.src.count: must be a whole number from -2147483648 to 2147483647, not 'x'",
                at(4) + "nodes.out.delay: must be a duration such as 500ms, 10s or 5m, not 'abc'");
    }

    /** A node block of an unknown or missing type still uses the topics it names: its bus is checked in the same run. */
    @Test
    void theBusOfATopicWhoseNodeHasAnUnknownTypeIsCheckedWithIt() throws Exception {
        String bus = "msight { bus = memory, topics.t.bus = loopback, loopback.port = x }\nnodes {\n";
        String badPort = at(1) + "msight.loopback.port: must be a whole number from -2147483648 to 2147483647, not 'x'";
        assertThat(refused(bus + "src { type = test-sequense, publish-topic = t }\n}\n"))
                .extracting(line -> line.replaceFirst("(unknown node type '[^']*').*", "$1"))
                .containsExactly(badPort, at(3) + "nodes.src.type: unknown node type 'test-sequense'");
        assertThat(refused(bus + "out { subscribe-topic = t }\n}\n"))
                .extracting(line -> line.replaceFirst("(type: missing).*", "$1"))
                .containsExactly(badPort, at(3) + "nodes.out.type: missing");
    }

    @Test
    void aMisspeltKeyInTheBlockOfABusNoTopicUses() throws Exception {
        assertThat(refused("msight { bus = memory, loopback { prot = 1 } }\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "msight.loopback.prot: unknown setting of bus 'loopback' (did you mean"
                        + " 'port'?); it takes: port, full-topic, connected");
        assertThat(check("msight { bus = memory, loopback { port = -5 } }\nnodes {\n" + SOURCE + "}\n}\n").exitCode())
                .as("only its keys are checked: its values are its business once a topic uses it").isZero();
    }

    /** A Redis TLS file that cannot be used is found by the check, at its line, not by the first connection. */
    @Test
    void aRedisTlsFileThatCannotBeUsed() throws Exception {
        Path missing = dir.resolve("ca.pm");
        assertThat(refused("msight.registry.enabled = true\nmsight.redis.tls {\n  enabled = yes\n  ca-cert-file = \""
                + missing + "\"\n}\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(4) + "msight.redis.tls.ca-cert-file: " + missing + ": no such file");
    }

    @Test
    void aSwitchPythonMsightReadsAsOffThatIsNoPlainOffIsRefused() throws Exception {
        String rule = "must be true, 1 or yes (any case) for on, or false, 0, no, n, off or empty for off (Python"
                + " MSight reads any other word as off)";
        for (String unclear : new String[] {"ture", "on", "y", "\" true\""}) {
            assertThat(refused("msight.redis.tls.enabled = " + unclear + "\nnodes {\n" + SOURCE + "}\n}\n"))
                    .as(unclear).containsExactly(at(1) + "msight.redis.tls.enabled: " + rule + ", not '"
                            + unclear.replace("\"", "") + "'");
        }
        for (String off : new String[] {"OFF", "\" no \"", "0", "\"\"", "false", "N"}) {
            assertThat(check("msight.redis.tls.enabled = " + off + "\nnodes {\n" + SOURCE + "}\n}\n").exitCode())
                    .as(off).isZero();
        }
    }

    @Test
    void outOfRangeRuntimeSettings() throws Exception {
        assertThat(refused("msight {\n  drain-timeout = -1s\n  redis.port = 99999\n}\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(2) + "msight.drain-timeout: must be 0s to 1h, not '-1s'",
                        at(3) + "msight.redis.port: must be 1 to 65535, not 99999");
    }

    @Test
    void twoBlocksOfTheSameNameAndKeys() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n" + SOURCE + "}\n}\n")).containsExactly(at(3)
                + "nodes.src: node 'src' is defined twice (also at line 2); give each node its own name");
    }

    @Test
    void emptyNodeNamesAndTopics() throws Exception {
        assertThat(refused("nodes {\n\"\" { type = test-sequence, publish-topic = t }\n"
                + "src { type = test-sequence, publish-topic = \"\" }\n"
                + "out { type = test-collector, subscribe-topic = \" \" }\n}\n"))
                .containsExactly(at(2) + "nodes.\"\": a node needs a name: nodes { camera { ... } }",
                        at(3) + "nodes.src.publish-topic: must not be empty, not ''",
                        at(4) + "nodes.out.subscribe-topic: must not be empty, not ' '");
    }

    @Test
    void aRedisTimeoutOfZeroIsRefusedAtItsKey() throws Exception {
        assertThat(refused("msight.redis { socket-timeout = 0s }\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "msight.redis.socket-timeout: must be 1ms to 1h, not '0s'");
    }

    /**
     * A token read from a file written on Windows ends in a \\r, one pasted may end in a space: no
     * client could send it (a header's value loses its spaces at either end); it is never shown.
     */
    @ParameterizedTest
    @ValueSource(strings = {"s3cret\\r", "s3cret ", " s3cret"})
    void anHttpTokenNoHeaderCanCarryIsRefusedWithoutShowingIt(String token) throws Exception {
        assertThat(refused("msight.http.token = \"" + token + "\"\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "msight.http.token: must hold only ASCII letters, digits, punctuation and"
                        + " inner spaces, which a request's header can carry, not ***");
    }

    /** A device name goes into every log line: a line break or an escape in it would forge lines or colour them. */
    @Test
    void controlCharactersInTheDeviceNameAreRefusedAndNoValueShownReachesTheTerminalRaw() throws Exception {
        assertThat(refused("msight.device-name = \"edge\\u001b[31m\\r\\nforged\"\nnodes {\n" + SOURCE
                + ", gap = \"\\u001b]0;title\\u0007\" }\n}\n")).containsExactly(
                at(1) + "msight.device-name: must show in a log line as written: no control or format characters"
                        + " (line breaks, tabs, escapes), nothing a URL's user info could be (user:pass@), at most 256"
                        + " characters, not 'edge\\u001b[31m\\r\\nforged'",
                at(3) + "nodes.src.gap: must be a whole number, 0 or more, not '\\u001b]0;title\\u0007'");
    }

    @Test
    void anEmptyFileOrAMisspeltNodesBlockPointsIntoTheUsersFile() throws Exception {
        assertThat(refused("")).containsExactly("error: " + file()
                + ": nodes: no nodes: add at least one node block, nodes { camera { type = rtsp-receiver, ... } }");
        assertThat(refused("node {\n" + SOURCE + "}\n}\n")).containsExactly(
                "error: " + file() + ": nodes: no nodes: add at least one node block,"
                        + " nodes { camera { type = rtsp-receiver, ... } }",
                at(1) + "node: unknown top-level key (did you mean 'nodes'?);"
                        + " a pipeline file has msight { ... } and nodes { ... }");
    }

    @Test
    void typeAndRangeErrorsComeTogetherInLineOrder() throws Exception {
        assertThat(refused("nodes {\n" + SINK + ", queue-capacity = 0 }\n" + SOURCE + ", gap = -1 }\n}\n"
                + "msight.stats-interval = soon\n")).containsExactly(
                at(2) + "nodes.out.queue-capacity: must be 1 to 100000, not 0",
                at(3) + "nodes.src.gap: must be 0 or more, not -1",
                at(5) + "msight.stats-interval: must be a duration such as 500ms, 10s or 5m, not 'soon'");
    }

    @Test
    void aSizeTooSmallOrWithoutAUnitHOCONKnowsIsRefused() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\nmsight.node-defaults.spool.max-size = 10KiB\n"
                + "msight.node-defaults.spool.path = spool\n")).containsExactly(at(4)
                + "msight.node-defaults.spool.max-size: must be a size of at least 1MiB, such as 512MiB or 2GiB, not"
                + " '10KiB'");
    }

    /** MSight's flags count seconds; Typesafe Config would read a bare 5 as 5 ms. 0 or less (a check off) stays. */
    @Test
    void aDurationWithoutItsUnitIsRefused() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\nmsight.drain-timeout = \"2\"\nmsight.stats-interval = 5\n"
                + "msight.registry.heartbeat.tolerance = -1\n")).containsExactly(
                at(4) + "msight.drain-timeout: must be a duration with its unit, such as 500ms, 10s or 5m, not '2'"
                        + " (a number alone would be read as milliseconds)",
                at(5) + "msight.stats-interval: must be a duration with its unit, such as 500ms, 10s or 5m, not 5"
                        + " (a number alone would be read as milliseconds)");
    }

    @Test
    void heartbeatChecksOfHoursAsMSightTakesThemAreAccepted() throws Exception {
        Result result = check("msight.registry.heartbeat { tolerance = 7200s, checking-duration = 7200s }\nnodes {\n"
                + SOURCE + "}\n}\n");
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    @Test
    void aVariableThatIsNotSetIsNamedAtItsLine() throws Exception {
        assertThat(refused("msight.stats-interval = ${NOT_SET_FOR_MSIGHT_TESTS}\nnodes {\n" + SOURCE + "}\n}\n"))
                .containsExactly(at(1) + "${NOT_SET_FOR_MSIGHT_TESTS}: not set: no environment variable"
                        + " NOT_SET_FOR_MSIGHT_TESTS and no such key in the file (write ${?NOT_SET_FOR_MSIGHT_TESTS}"
                        + " where it may be missing)");
    }

    @Test
    void aBlockNotClosedSaysWhatWasExpected() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n"))
                .containsExactly(at(3) + "(syntax): the file ends inside a block: a closing '}' is missing");
    }

    @Test
    void aMissingIncludeNamesTheLineOfTheInclude() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude required(\"missing.conf\")\n")).containsExactly(
                at(4) + "(include): no such file missing.conf in " + dir + ", the folder of this file");
    }

    /** {@code classpath(...)} is looked for on the class path only: the message says so, not that a folder lacks it. */
    @Test
    void aMissingClassPathIncludeIsSaidMissingFromTheClassPath() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude required( classpath(\"missing.conf\") )\n"))
                .containsExactly(at(4) + "(include): resource not found on classpath: missing.conf");
    }

    /** {@code file(...)} names the file to include, without a line of its own: the line naming it is where to look. */
    @Test
    void aMissingIncludedFileNamesTheLineOfTheInclude() throws Exception {
        Path missing = dir.resolve("missing.conf");
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude required(file(\"" + missing + "\"))\n"))
                .containsExactly(at(4) + "(include): no such file " + missing);
    }

    /**
     * An include named without an extension names three files: it said nothing of the line, and
     * Typesafe's exception for each of them ("java.io.IOException: resource not found on classpath:
     * base.conf, base.json: ..."), or, for {@code file(...)}, that the last could not be read.
     */
    @Test
    void aMissingIncludeWithoutAnExtensionNamesItsLineAndTheFilesLookedFor() throws Exception {
        assertThat(refused("include required(\"base\")\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(
                at(1) + "(include): no such file base(.conf|.json|.properties) in " + dir + ", the folder of this file");
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude required(file(\"nosuch\"))\n")).containsExactly(
                at(4) + "(include): no such file " + Path.of("nosuch(.conf|.json|.properties)").toAbsolutePath());
        Files.writeString(dir.resolve("inc.conf"), "msight.device-name = d\ninclude required(\"base\")\n");
        assertThat(refused("include \"inc.conf\"\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly("error: "
                + dir.resolve("inc.conf") + ":2: (include): no such file base(.conf|.json|.properties) in " + dir
                + ", the folder of this file");
    }

    /**
     * An include not required that names a file which cannot be read (a folder here; a file this
     * user may not read alike) was taken for a missing one: what it gives was left out silently.
     */
    @Test
    void anIncludeOfAFileThatCannotBeReadIsRefusedRequiredOrNot() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("http.conf"));
        String unreadable = "(include): cannot be read: " + folder + " (Is a directory)";
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude \"http.conf\"\n")).containsExactly(at(4) + unreadable);
        assertThat(refused("include \"http\"\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(at(1) + unreadable);
        assertThat(refused("include required(\"http\")\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(
                at(1) + unreadable);
        assertThat(check("include \"missing\"\nnodes {\n" + SOURCE + "}\n}\n").exitCode())
                .as("a missing include that is not required").isZero();
    }

    /**
     * A required include missing in an included file was named at the first include of that name
     * in any file: here at the line of p.conf whose {@code common.conf}, beside it, is there.
     */
    @Test
    void aMissingIncludeIsNamedAtTheFileWhereItIsMissing() throws Exception {
        Files.writeString(dir.resolve("common.conf"), "msight.device-name = d\n");
        Files.createDirectories(dir.resolve("site"));
        Files.writeString(dir.resolve("site/cams.conf"), "# cams\ninclude required(\"common.conf\")\n");
        assertThat(refused("include required(\"common.conf\")\ninclude \"site/cams.conf\"\n"
                + "nodes {\n" + SOURCE + "}\n}\n")).containsExactly("error: " + dir.resolve("site/cams.conf")
                        + ":2: (include): no such file common.conf in " + dir.resolve("site") + ", the folder of this file");
    }

    /**
     * An include in a block after a substitution ({@code src = ${tpl} { ... }}), or in a list, was
     * not outlined: its file missing was said at no line, "cannot be read: resource not found on
     * classpath".
     */
    @Test
    void aMissingIncludeInABlockAfterASubstitutionOrInAListNamesItsLine() throws Exception {
        String missing = "(include): no such file secrets.conf in " + dir + ", the folder of this file";
        assertThat(refused("tpl { type = test-sequence, publish-topic = t }\nnodes {\n  src = ${tpl} {\n"
                + "    include required(\"secrets.conf\")\n  }\n}\n")).containsExactly(at(4) + missing);
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\nlist = [\n  1,\n  { include required(\"secrets.conf\") }\n]\n"))
                .containsExactly(at(6) + missing);
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\nlist += { a { include required(\"secrets.conf\") } }\n"))
                .containsExactly(at(4) + missing);
    }

    /** A file include naming no file a path can have (a NUL in it) ended in a stack trace and exit code 1. */
    @Test
    void anIncludeOfAFileNameWithANulIsAProblemAtItsLine() throws Exception {
        assertThat(refused("nodes {\n" + SOURCE + "}\n}\ninclude required(file(\"a\\u0000b.conf\"))\n"))
                .containsExactly(at(4) + "(include): no file can be named a\\u0000b.conf: Nul character not allowed");
    }

    /** A node's name that HOCON must quote (a '"', a '\\') is a node like any other, not a syntax error. */
    @Test
    void aNodeNameWithAQuoteOrABackslashIsQuotedWhereItIsNamed() throws Exception {
        assertThat(refused("nodes {\n\"cam\\\"x\\\\\" { type = test-sequence, publish-topic = t, gap = -1 }\n}\n"))
                .containsExactly(at(2) + "nodes.\"cam\\\"x\\\\\".gap: must be 0 or more, not -1");
    }

    /** A node's name begins each of its log lines: a line break or an escape in it would forge lines or colour them. */
    @Test
    void aNodeNameWithControlCharactersIsRefused() throws Exception {
        assertThat(refused("nodes {\n\"cam\\u001b[31m\\nforged\" { type = test-sequence, publish-topic = t }\n}\n"))
                .containsExactly(at(2) + "nodes.\"cam\\u001b[31m\\nforged\": a node's name must show in a log line as"
                        + " written: no control or format characters (line breaks, tabs, escapes), nothing a URL's user"
                        + " info could be (user:pass@), at most 256 characters");
    }

    /**
     * A token beyond ASCII is sent as UTF-8 by curl and read as Latin-1 by the endpoint; no client
     * could send it in a header. Too many preview viewers would be as many threads.
     */
    @Test
    void anHttpTokenBeyondAsciiAndPreviewViewersPastTheLimitAreRefused() throws Exception {
        assertThat(refused("msight.http.token = \"p\u00e4ssw\u00f6rd\"\nmsight.http.max-preview-viewers = 2147483647\n"
                + "nodes {\n" + SOURCE + "}\n}\n")).containsExactly(
                at(1) + "msight.http.token: must hold only ASCII letters, digits, punctuation and inner spaces, which"
                        + " a request's header can carry, not ***",
                at(2) + "msight.http.max-preview-viewers: must be 1 to 256, not 2147483647");
    }

    /** A server on a free port of this host that serves {@code /inc.conf}, holding {@code hocon}. */
    private static HttpServer serving(String hocon) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/inc.conf", exchange -> {
            byte[] body = hocon.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** The user and password of an included url are masked where a problem in what it gives is shown. */
    @Test
    void theCredentialsOfAnIncludedUrlAreMaskedInItsProblems() throws Exception {
        HttpServer server = serving("msight.http.prot = 1\n");
        try {
            String url = "http://user:s3cret@127.0.0.1:" + server.getAddress().getPort() + "/inc.conf";
            assertThat(refused("include required(url(\"" + url + "\"))\nnodes {\n" + SOURCE + "}\n}\n"))
                    .singleElement().asString().startsWith("error: http://***@127.0.0.1:"
                            + server.getAddress().getPort() + "/inc.conf:1: msight.http.prot: unknown setting")
                    .doesNotContain("s3cret");
        } finally {
            server.stop(0);
        }
    }

    /**
     * A file missing that a url's text includes has no line this runtime can find (it reads the
     * text of files only): it was said to be "cannot be read", as if it were there.
     */
    @Test
    void aMissingFileThatAnIncludedUrlIncludesIsSaidMissing() throws Exception {
        Path missing = dir.resolve("missing.conf");
        HttpServer server = serving("include required(file(\"" + missing + "\"))\n");
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/inc.conf";
            assertThat(refused("include required(url(\"" + url + "\"))\nnodes {\n" + SOURCE + "}\n}\n"))
                    .containsExactly("error: " + file() + ": (include): no such file " + missing);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aSecretIsNeverShown() throws Exception {
        assertThat(refused("msight.redis.password = [s3cr3t]\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(
                at(1) + "msight.redis.password: must be a string, not ***");
    }

    @Test
    void aRedisClusterWithWhatAClusterCannotHave() throws Exception {
        assertThat(check("msight {\n  redis.cluster {\n    enabled = yes\n  }\n}\nnodes {\n" + SOURCE + "}\n}\n")
                .exitCode()).as("without nodes, host:port is the entry point, as MSight").isZero();
        assertThat(refused("msight.redis.cluster { enabled = true, nodes = \"['h1:7000', 'h2']\" }\nnodes {\n"
                + SOURCE + "}\n}\n")).containsExactly(at(1) + "msight.redis.cluster.nodes: must be seed nodes such as"
                        + " ['127.0.0.1:7000', '127.0.0.1:7001'], not '['h1:7000', 'h2']'");
        assertThat(refused("msight {\n  registry.enabled = true\n  redis { db = 1, cluster { enabled = true,"
                + " nodes = \"h1:7000\" } }\n}\nnodes {\n" + SOURCE + "}\n}\n")).containsExactly(at(3)
                        + "msight.redis.db: a Redis Cluster has only database 0, not 1");
    }
}

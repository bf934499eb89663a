package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.bus.Bus;
import org.msight.api.bus.Subscription;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.bus.Inbox;
import org.msight.runtime.cli.MsightRun;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.testdriver.PipelineTestDriver;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.TestBusContext;

/**
 * {@code msight-run --check} on nats settings the client cannot use: one line naming the file,
 * line and key, exit code 2, no stack trace and no password, before anything connects.
 */
class NatsCheckTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tls { enabled = yes, ca-cert-file = MISSING } | 3: msight.nats.tls.ca-cert-file: MISSING: no such file",
        "user-jwt = eyJ0eXAiOiJKV1QifQ | 3: msight.nats.user-jwt: needs nkey-seed (MSIGHT_NATS_NKEY_SEED), the seed"
                + " of the NKey it was issued to, which signs the server's challenge; or give both in user-credentials",
        "user-jwt = eyJ0eXAiOiJKV1QifQ, user-credentials = x.creds | 3: msight.nats.user-jwt: user-credentials holds a"
                + " JWT already: set one of the two",
        // jnats took a username without a password for a NullPointerException's stack trace
        "username = alice | 3: msight.nats.username: set (MSIGHT_NATS_USERNAME) without a password: set password"
                + " (MSIGHT_NATS_PASSWORD) too",
        // jnats refused the pair as the bus was made: a stack trace, exit 1
        "username = alice, password = s3cret, token = s3cret-token | 3: msight.nats.token: set (MSIGHT_NATS_TOKEN)"
                + " with username (MSIGHT_NATS_USERNAME): the NATS client (jnats) takes one or the other: set one of"
                + " the two",
        // jnats reads these as it connects, and said only that the server could not be reached
        "user-credentials = MISSING | 3: msight.nats.user-credentials: MISSING: no such file",
        "user-credentials = JUNK | 3: msight.nats.user-credentials: JUNK: not a .creds file: it holds a user JWT and an"
                + " NKey seed, each between the -----BEGIN and ------END lines that nsc writes"
                + " (MSIGHT_NATS_USER_CREDENTIALS)",
        "nkey-seed = SUs3cret | 3: msight.nats.nkey-seed: not an NKey seed (MSIGHT_NATS_NKEY_SEED: a user's seed,"
                + " which starts with SU, or the path of a file holding one)",
        // Python MSight's nats-py takes the path of a file holding the seed
        "nkey-seed = MISSING | 3: msight.nats.nkey-seed: MISSING: no such file",
        "nkey-seed = JUNK | 3: msight.nats.nkey-seed: JUNK: holds no NKey seed (MSIGHT_NATS_NKEY_SEED: the file's text"
                + " is a user's seed, which starts with SU, as nk -gen user writes it)",
        "tls { enabled = yes, cert-file = DIR, key-file = DIR } | 3: msight.nats.tls.key-file: DIR: a folder, not a"
                + " file: give the path of the file in it",
        "servers = \"['nats://alice:s3cret@h:4222'\" | 3: msight.nats.servers: unbalanced brackets in server list"
                + " \"['nats://***@h:4222'\"",
        // a refused server is named by its place, and its host when it clearly has one, never shown
        "servers = \"nats://alice:s3cret@h:4222:x\" | 3: msight.nats.servers: server 1 of 1 is not a server URL"
                + " such as nats://host:4222: check its scheme (nats, tls, ws or wss), host and port",
        // a list unquoted is split at a password's comma: 'nats://bob:x' showed
        "servers = \"nats://bob:x,y@h:4222\" | 3: msight.nats.servers: server 1 of 2 is not a server URL"
                + " such as nats://host:4222: check its scheme (nats, tls, ws or wss), host and port",
        "servers = \"['nats://h:4222', 'nats://127.0.0.1:notaport']\" | 3: msight.nats.servers:"
                + " server 2 of 2 is not a server URL such as nats://host:4222: check its scheme (nats, tls,"
                + " ws or wss), host and port",
        // the client takes it, and fails only as it connects
        "servers = \"['nats://h:4222', 'nats://alice:s3cret@127.0.0.1:99999']\" | 3: msight.nats.servers:"
                + " server 2 of 2 (127.0.0.1) is not a server URL such as nats://host:4222: check its scheme (nats,"
                + " tls, ws or wss), host and port",
        // Docker Compose's service names: Python's nats-py takes them, jnats does not
        "servers = \"['nats://h:4222', 'nats://alice:s3cret@nats_server:4222']\" | 3: msight.nats.servers:"
                + " server 2 of 2 (nats_server): the NATS client (jnats) takes no host name with '_'; give the server a"
                + " name without it (a network alias), or its address",
        // without a scheme, the client's nats:// is meant (MSight's client takes that too): the port is still checked
        "servers = \"['localhost', '127.0.0.1:4222', 'h:99999']\" | 3: msight.nats.servers: server 3 of 3 (h) is not a"
                + " server URL such as nats://host:4222: check its scheme (nats, tls, ws or wss), host and port",
    })
    void settingsTheClientCannotUseAreOneLineAtTheirKey(String settings, String problem) throws Exception {
        Path file = dir.resolve("p.conf");
        Path junk = Files.writeString(dir.resolve("junk.creds"), "-----BEGIN NATS USER JWT-----\nnot one\n");
        String block = settings.replace("MISSING", dir.resolve("missing.pem").toString())
                .replace("DIR", dir.toString()).replace("JUNK", junk.toString());
        Files.writeString(file, "msight {\n  bus = nats\n  nats { " + block + " }\n}\n"
                + "nodes { out { type = test-topic-listener, subscribe-topic = t, listener = none } }\n");
        Checked checked = check(file);
        String expected = "error: " + file + ":" + problem.replace("MISSING", dir.resolve("missing.pem").toString())
                .replace("DIR", dir.toString()).replace("JUNK", junk.toString());
        assertThat(checked.exitCode()).as(checked.printed()).isEqualTo(2);
        // the node's own problem comes in the same round, on a line of its own
        assertThat(checked.printed()).startsWith(expected).doesNotContain("s3cret")
                .doesNotContain("\tat ").hasLineCount(2)
                .endsWith("\nerror: " + file + ":5: nodes.out: no listener 'none' is registered\n");
    }

    /** What {@code msight-run --check} printed on its standard error, and its exit code. */
    private record Checked(int exitCode, String printed) {
    }

    private static Checked check(Path file) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            int exitCode = MsightRun.commandLine(new MsightRun()).execute("--check", file.toString());
            return new Checked(exitCode, printed.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Durations out of their range are refused by the loader at their key, with the rest of the file. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "connect-timeout = 0s       | connect-timeout: must be 1ms to 1h, not '0s'",
        "reconnect-wait = -5s       | reconnect-wait: must be 1ms to 1h, not '-5s'",
        "jetstream.max-age = -1s    | jetstream.max-age: must be 0s to 87600h, not '-1s'",
        "jetstream.ack-wait = 0s    | jetstream.ack-wait: must be 1s to 1h, not '0s'",
        "jetstream.ack-wait = 100ms | jetstream.ack-wait: must be 1s to 1h, not '100ms'",
    })
    void durationsOutOfTheirRangeAreRefusedAtTheirKey(String setting, String problem) {
        var pipeline = ConfigFactory.parseString("msight { bus = nats, nats { " + setting + " } }, nodes.out {"
                + " type = test-topic-listener, subscribe-topic = t, listener = none }");
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", pipeline))
                .isInstanceOf(PipelineConfigException.class).hasMessage("test:1: msight.nats." + problem);
    }

    /**
     * With JetStream, a node without a group whose consumer's name, of the node and the device, is
     * past what JetStream takes is a problem of the file, named, found as the pipeline is made
     * (exit code 2, --check too): the server refused it only at start, naming neither.
     */
    @Test
    void aNodesConsumerNamePastWhatJetStreamTakesIsAProblemOfTheFile() {
        String device = "d".repeat(256);
        try (NatsTestServer dead = new NatsTestServer()) { // never started: the bus must not connect
            String pipeline = "msight { bus = nats, registry.enabled = false, device-name = " + device + ", nats { servers = \"['nats://127.0.0.1:"
                    + dead.port() + "']\", jetstream.enabled = true } }";
            assertThatThrownBy(() -> PipelineTestDriver.start(pipeline, "t")).isInstanceOf(PipelineConfigException.class)
                    .hasMessageEndingWith(": nodes.test-listener-0: node test-listener-0 has no group, so with"
                            + " JetStream its consumer is named after it and msight.device-name '" + device + "': 272"
                            + " characters (a space, '.', '%', '@', and a byte past ASCII, among others, written as 3"
                            + " each), past the 255 JetStream takes; give the node a group-id, or the device a shorter"
                            + " msight.device-name (MSIGHT_EDGE_DEVICE_NAME)");
        }
    }

    /**
     * With JetStream, a group whose consumer's name, its group-id, is past what JetStream takes is
     * refused as its node subscribes, naming the group-id, as a node's is (the runtime makes that a
     * problem of the file: exit code 2, --check too); the server refused it only at start, naming
     * no group. Core NATS takes it, as a queue group.
     */
    @Test
    void aGroupsConsumerNamePastWhatJetStreamTakesIsRefusedAsItsNodeSubscribes() {
        String group = "g".repeat(256);
        Subscription member = new Subscription("t", "out", Optional.of(group), new Inbox(1));
        try (Bus jetStream = new NatsBus.Provider().create(TestBusContext.of("nats", "jetstream.enabled = true"));
                Bus core = new NatsBus.Provider().create(TestBusContext.of("nats", ""))) {
            assertThatThrownBy(() -> jetStream.subscribe(member)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("group-id '" + group + "' names the group's JetStream consumer: 256 characters (a"
                            + " space, '.', and a byte past ASCII, among others, written as 3 each), past the 255"
                            + " JetStream takes; give the group a shorter group-id, on each of its nodes");
            assertThatCode(() -> core.subscribe(member)).doesNotThrowAnyException();
        }
    }

    /**
     * On core NATS, a group-id that is no queue group's name is a problem of the file at its node's
     * line, before anything connects (exit code 2): it passed --check, and the start failed as a
     * server's refusal of a subscription, naming no line. JetStream takes it: its group's consumer
     * has the name escaped.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "team uploaders | QueueName cannot contain space, tab, carriage return or linefeed character",
        "a>b            | QueueName wildcard improperly placed.",
        "x*             | QueueName wildcard improperly placed.",
        "team..a        | QueueName segment cannot be empty",
    })
    void aGroupIdThatIsNoQueueGroupNameIsAProblemOfTheFileAtItsNode(String group, String why) throws Exception {
        Path file = dir.resolve("p.conf");
        Files.writeString(file, "msight { bus = nats, registry.enabled = false }\nnodes {\n  up {\n"
                + "    type = test-dropping-sink, subscribe-topic = t\n    group-id = \"" + group + "\"\n  }\n}\n");
        assertThat(check(file)).isEqualTo(new Checked(2, "error: " + file + ":3: nodes.up: NATS cannot have group-id '"
                + group + "' as a queue group (" + why + "): give the group another, on each of its nodes\n"));
        Subscription member = new Subscription("t", "up", Optional.of(group), new Inbox(1));
        try (Bus jetStream = new NatsBus.Provider().create(TestBusContext.of("nats", "jetstream.enabled = true"))) {
            assertThatCode(() -> jetStream.subscribe(member)).doesNotThrowAnyException();
        }
    }

    /**
     * With JetStream, a topic with a wildcard part is refused at its node's key, before anything
     * connects: its stream would overlap the streams of the topics it matches, which the server
     * refused at start. Core NATS takes it (a subscriber of {@code cam.*} gets each camera's).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cam.*", "cam.>", "*.front", ">"})
    void withJetStreamATopicWithAWildcardIsRefusedAtItsNodesKey(String topic) {
        var pipeline = ConfigFactory.parseString("msight { bus = nats, nats.jetstream.enabled = true, registry.enabled = false }\n"
                + "nodes.out { type = test-topic-listener,\nsubscribe-topic = \"" + topic + "\", listener = none }");
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", pipeline).create())
                .isInstanceOf(PipelineConfigException.class).hasMessageEndingWith(":3: nodes.out.subscribe-topic:"
                        + " with JetStream a topic cannot have a wildcard ('*' or '>' as a part between dots): the"
                        + " subjects of its stream would overlap those of the topics it matches, and the server refuses"
                        + " the second of two such streams; rename it");
        try (Bus core = new NatsBus.Provider().create(TestBusContext.of("nats", ""))) {
            assertThatCode(() -> core.checkTopic(topic)).doesNotThrowAnyException();
        }
    }

    /**
     * A topic that is no NATS subject is refused at its node's key, before anything connects (the
     * client refused every publish and subscription on it, an outage for good); '/', wildcards and
     * letters past ASCII are subjects.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'cam front' | Subject cannot contain space, tab, carriage return or linefeed character",
        "cam..front  | Subject segment cannot be empty",
        ".cam        | Subject cannot start with '.'",
        "cam.        | Subject cannot end with '.'",
    })
    void aTopicThatIsNoSubjectIsRefusedAtItsNodesKey(String topic, String why) {
        var pipeline = ConfigFactory.parseString("msight { bus = nats, registry.enabled = false }\nnodes.out { type = test-topic-listener,\n"
                + "subscribe-topic = \"" + topic + "\", listener = none }");
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", pipeline).create())
                .isInstanceOf(PipelineConfigException.class).hasMessageEndingWith(":3: nodes.out.subscribe-topic:"
                        + " NATS cannot have this topic as a subject (" + why + "): rename it");
        try (Bus bus = new NatsBus.Provider().create(TestBusContext.of("nats", ""))) {
            for (String subject : List.of("cam/front", "cam.*", "caméra")) {
                assertThatCode(() -> bus.checkTopic(subject)).as(subject).doesNotThrowAnyException();
            }
        }
    }
}

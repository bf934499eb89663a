package org.msight.runtime.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.msight.redis.RedisTests.await;
import static org.msight.redis.RedisTests.withDefaultLocale;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.codec.PythonFloats;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.runtime.registry.HeartbeatSettings.ActionOnError;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.HashCommands;

class NodeRegistryTest {

    /**
     * A beat every 100 ms; tolerance and stale-after far longer than any stall of a loaded machine,
     * so that only a test's own doing makes a node stale or stops it.
     */
    static final HeartbeatSettings QUICK = new HeartbeatSettings(Duration.ofMillis(100),
            Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(10), ActionOnError.STOP);
    static final NodeRecord RTSP = NodeRecord.of("rtsp_node", "edge-01", "rtsp_topic", null, "RTSPSourceNode");
    static final NodeRecord HTTP = NodeRecord.of("http_uploader_node", "edge-01", null, "rtsp_topic",
            "HttpSinkNode");
    static final List<TopicRecord> RTSP_TOPICS = List.of(new TopicRecord("rtsp_topic", "camera frames",
            ImageData.TAG));
    /** As MSight's json.dumps writes it, with this runtime's two fields after MSight's. */
    private static final String NODE_JSON = "\\{\"name\": \"rtsp_node\", \"device\": \"edge-01\", "
            + "\"publish_topic\": \"rtsp_topic\", \"subscribe_topic\": null, \"type\": \"RTSPSourceNode\", "
            + "\"last_heartbeat\": [0-9]{10}\\.[0-9]+, \"status\": \"%s\", \"instance_id\": \"[0-9a-f-]{36}/[0-9]+/[0-9]+/[0-9]+/[0-9]+/[0-9a-f-]{36}\", "
            + "\"stale_after\": 10\\.0}";
    /**
     * A live Python MSight uploader's entry, byte for byte as MSight's register() writes it: its
     * heartbeat is 30 s old because an idle MSight sink does not refresh it (made anew for each test).
     */
    final String pythonUploader = pythonUploader(Metadata.now() - 30, "RUNNING");
    /** The topic a Python subscriber registers when it is missing. */
    private static final String PYTHON_TOPIC = "{\"name\": \"rtsp_topic\", \"description\": \"\", "
            + "\"data_type\": \"msight_core.data.base.SensorData\"}";

    /** A Python MSight uploader's entry with this heartbeat and status. */
    static String pythonUploader(double lastHeartbeat, String status) {
        return "{\"name\": \"http_uploader_node\", \"device\": \"edge-01\", \"publish_topic\": null,"
                + " \"subscribe_topic\": \"rtsp_topic\", \"type\": \"HttpSinkNode\", \"last_heartbeat\": "
                + PythonFloats.repr(lastHeartbeat) + ", \"status\": \"" + status + "\"}";
    }

    private RedisTestServer server;
    private RedisSettings settings;
    private Jedis raw;
    private final List<NodeRegistry> registries = new CopyOnWriteArrayList<>();
    private final List<LogCapture> captures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRedis() {
        server = new RedisTestServer().start();
        settings = RedisTests.settings(server.port(), null);
        raw = settings.connect(settings.socketTimeout());
    }

    @AfterEach
    void stopRedis() {
        registries.forEach(NodeRegistry::close);
        captures.forEach(LogCapture::close);
        raw.close();
        server.stop();
    }

    private NodeRegistry open(HeartbeatSettings heartbeat) {
        NodeRegistry registry = NodeRegistry.open(settings, heartbeat);
        registries.add(registry);
        return registry;
    }

    private LogCapture capture() {
        LogCapture log = LogCapture.of(NodeRegistry.class);
        captures.add(log);
        return log;
    }

    static void ignore(String error) {
    }

    /** MSight's monitor rule for the Python node: its own field must be there, or it kills itself. */
    private void assertPythonUploaderWouldLive() {
        assertThat(raw.hget(NodeRegistry.NODES, "http_uploader_node")).isEqualTo(pythonUploader);
    }

    /** Registers {@link #RTSP} and sets it running, checking its entry and topic are MSight's bytes. */
    static void registerAndRunRtsp(NodeRegistry registry, HashCommands raw) {
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "REGISTERED"));
        assertThat(raw.hget(NodeRegistry.TOPICS, "rtsp_topic")).isEqualTo("{\"name\": \"rtsp_topic\", "
                + "\"description\": \"camera frames\", \"data_type\": \"msight_core.data.image.ImageData\"}");

        registry.status("rtsp_node", NodeStatus.RUNNING);
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "RUNNING"));
    }

    @Test
    void entriesAreMsightsBytesAndTheHeartbeatAdvances() {
        NodeRegistry registry = open(QUICK);
        double before = Metadata.now();
        registerAndRunRtsp(registry, raw);
        NodeRecord first = registry.nodes().get(0);
        assertThat(first.lastHeartbeat()).isGreaterThanOrEqualTo(before);
        await("the heartbeat to advance", () -> registry.nodes().get(0).lastHeartbeat() > first.lastHeartbeat());
        assertThat(registry.nodes()).singleElement().satisfies(node -> {
            assertThat(node.name()).isEqualTo("rtsp_node");
            assertThat(node.status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(node.writtenByThisRuntime()).isTrue();
            assertThat(node.staleAt(Metadata.now())).isFalse();
        });
        assertThat(registry.topics()).containsExactly(RTSP_TOPICS.get(0));
    }

    @Test
    void aLivePythonNodeKeepsItsNameAndItsEntryAndTheRefusedNodeWritesNothing() throws Throwable {
        raw.hset(NodeRegistry.NODES, "http_uploader_node", pythonUploader);
        raw.hset(NodeRegistry.TOPICS, "rtsp_topic", PYTHON_TOPIC);
        NodeRegistry registry = open(QUICK);
        withDefaultLocale(Locale.GERMANY, () -> assertThatThrownBy(() -> registry.register(HTTP,
                List.of(new TopicRecord("rtsp_topic", "subscribed", SensorData.TAG),
                        new TopicRecord("other_topic", "subscribed", SensorData.TAG)), NodeRegistryTest::ignore))
                .isInstanceOf(DuplicateNodeException.class)
                .hasMessageStartingWith("A node named 'http_uploader_node' is registered by another program, such as"
                        + " Python MSight (type HttpSinkNode, device edge-01, status RUNNING, last heartbeat ")
                .hasMessageMatching(".*last heartbeat [0-9]{2,}\\.[0-9] s ago\\).*")
                .hasMessageContaining("an old one does not prove it dead")
                .hasMessageEndingWith("or replace its entry with --take-over (msight.registry.replace = true) if you"
                        + " know it is dead"));

        assertThat(raw.hget(NodeRegistry.TOPICS, "rtsp_topic")).isEqualTo(PYTHON_TOPIC);
        assertThat(raw.hexists(NodeRegistry.TOPICS, "other_topic")).as("a refused node writes nothing").isFalse();
        registry.close();
        assertPythonUploaderWouldLive();
    }

    @Test
    void aPythonNodesEntryIsTakenOnlyWhenReplaceIsAsked() {
        raw.hset(NodeRegistry.NODES, "http_uploader_node", pythonUploader);
        NodeRegistry registry = open(QUICK);
        LogCapture log = capture();
        registry.register(HTTP, List.of(), true, NodeRegistryTest::ignore);

        assertThat(registry.nodes()).singleElement().satisfies(node -> assertThat(node.writtenByThisRuntime()).isTrue());
        assertThat(log.messages()).anyMatch(m -> m.matches("Node http_uploader_node replaces the entry of its name,"
                + " as asked: type HttpSinkNode, device edge-01, status RUNNING, last heartbeat [0-9]{2,}\\.[0-9] s"
                + " ago"));
        registry.close();
        assertThat(raw.hexists(NodeRegistry.NODES, "http_uploader_node")).isFalse();
    }

    /** A Python MSight source's entry with this heartbeat and status, as MSight's register() writes it. */
    private static String pythonSource(double lastHeartbeat, String status) {
        return "{\"name\": \"rtsp_node\", \"device\": \"edge-py\", \"publish_topic\": \"rtsp_topic\","
                + " \"subscribe_topic\": null, \"type\": \"RTSPSourceNode\", \"last_heartbeat\": "
                + PythonFloats.repr(lastHeartbeat) + ", \"status\": \"" + status + "\"}";
    }

    /**
     * Another program's entry proves nothing by its age or status: a Python source with
     * action_on_error=continue writes ERROR and runs on with an old heartbeat through a camera
     * outage, and with tolerance 0 or update interval -1 never refreshes it; a sink refreshes it
     * only as messages flow. So a source's or sink's, 30 s or 300 s old, RUNNING or ERROR, is
     * refused, with scripts and with MSight's own commands alike, and left as it was.
     */
    @Test
    void anotherProgramsEntryIsRefusedWhateverItsAgeAndStatus() {
        for (RedisSettings user : List.of(settings, userDeniedScripts())) {
            NodeRegistry registry = NodeRegistry.open(user, QUICK);
            registries.add(registry);
            for (double age : new double[] {30, 300}) {
                for (String status : List.of("RUNNING", "ERROR")) {
                    double heartbeat = Metadata.now() - age;
                    assertRefused(registry, RTSP, pythonSource(heartbeat, status));
                    assertRefused(registry, HTTP, pythonUploader(heartbeat, status));
                }
            }
            raw.del(NodeRegistry.NODES);
        }
    }

    private void assertRefused(NodeRegistry registry, NodeRecord node, String entry) {
        raw.hset(NodeRegistry.NODES, node.name(), entry);
        assertThatThrownBy(() -> registry.register(node, RTSP_TOPICS, NodeRegistryTest::ignore))
                .isInstanceOf(DuplicateNodeException.class).hasMessageContaining("is registered by another program");
        assertThat(raw.hget(NodeRegistry.NODES, node.name())).isEqualTo(entry);
        assertThat(raw.exists(NodeRegistry.TOPICS)).as("a refused node writes nothing").isFalse();
    }

    /**
     * Python MSight only reads an existing topic: a user whose ACL lets it write MSIGHT:NODES but
     * only read MSIGHT:TOPICS beats on, with scripts and with MSight's own commands alike, and one
     * warning names the topics; the refused topic write failed the heartbeat, and stopped the node.
     */
    @Test
    void aUserWhoMayOnlyReadTopicsBeatsOnWithOneWarning() {
        HeartbeatSettings shortTolerance = new HeartbeatSettings(Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofMillis(100), Duration.ofSeconds(2), ActionOnError.STOP);
        for (String scripting : List.of("+@scripting", "-@scripting")) {
            List<String> errors = new CopyOnWriteArrayList<>();
            LogCapture log = capture();
            NodeRegistry registry = NodeRegistry.open(user("~MSIGHT:NODES", "%R~MSIGHT:TOPICS", "&*", "+@all",
                    scripting), shortTolerance);
            registries.add(registry);
            registry.register(RTSP, RTSP_TOPICS, errors::add);
            double first = heartbeatOf("rtsp_node");
            await("beats for more than three tolerances", () -> heartbeatOf("rtsp_node") > first + 1);

            assertThat(errors).isEmpty();
            assertThat(log.messages()).noneMatch(m -> m.startsWith("Heartbeat failed"));
            assertThat(log.messages(Level.WARN)).filteredOn(m -> m.startsWith("Topics")).singleElement().asString()
                    .startsWith("Topics not written to MSIGHT:TOPICS (1 refusal(s) since the last line), the nodes"
                            + " run on: Redis at 127.0.0.1:" + server.port() + " does not let this user")
                    .contains("NOPERM");
            assertThat(raw.exists(NodeRegistry.TOPICS)).isFalse();
            registry.close();
        }
    }

    /** Its bytes are no UTF-8 (nor MSight's JSON): it holds its name, which only replace takes, in either mode. */
    @Test
    void anEntryThatIsNoUtf8IsRefusedAndTakenOnlyWhenReplaceIsAsked() {
        for (RedisSettings user : List.of(settings, userDeniedScripts())) {
            NodeRegistry registry = NodeRegistry.open(user, QUICK);
            registries.add(registry);
            raw.hset(NodeRegistry.NODES.getBytes(UTF_8), "rtsp_node".getBytes(UTF_8), new byte[] {(byte) 0xff, '{'});
            assertThatThrownBy(() -> registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore))
                    .isInstanceOf(DuplicateNodeException.class)
                    .hasMessageStartingWith("The name 'rtsp_node' is held in MSIGHT:NODES by an entry that is not");
            assertTimeoutPreemptively(Waits.GENEROUS, () -> registry.register(RTSP, RTSP_TOPICS, true,
                    NodeRegistryTest::ignore));
            assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "REGISTERED"));
            registry.remove("rtsp_node");
        }
    }

    /**
     * Python MSight sends no EVAL: a user whose ACL refuses scripts gets one warning, at the first
     * write (msight status and reset-redis, which only read and delete, none), and a registry that works.
     */
    @Test
    void aUserDeniedScriptsRegistersWithMsightsOwnCommands() {
        LogCapture log = capture();
        NodeRegistry registry = NodeRegistry.open(userDeniedScripts(), QUICK);
        registries.add(registry);
        assertThat(registry.nodes()).isEmpty();
        assertThat(registry.topics()).isEmpty();
        assertThat(registry.reset()).isZero();
        assertThat(log.messages(Level.WARN)).as("reading and deleting need no script").isEmpty();
        registersWithMsightsOwnCommands(registry, log);
    }

    @Test
    void aUserAllowedOnlyTheCommandsPythonMsightSendsRegistersItsNodesAndTopics() {
        LogCapture log = capture();
        NodeRegistry registry = NodeRegistry.open(user("~MSIGHT*", "&*", "+hget", "+hset", "+hexists", "+hdel",
                "+publish", "+subscribe", "+unsubscribe"), QUICK);
        registries.add(registry);
        registersWithMsightsOwnCommands(registry, log);
    }

    private void registersWithMsightsOwnCommands(NodeRegistry registry, LogCapture log) {
        registerAndRunRtsp(registry, raw);
        assertThat(log.messages(Level.WARN)).singleElement().asString().startsWith("Redis at 127.0.0.1:"
                + server.port() + " runs no scripts for this user (NOPERM").contains(" the registry writes"
                + " MSIGHT:NODES with MSight's own commands (HGET, then HSET or HDEL), not atomically");
        double first = heartbeatOf("rtsp_node");
        await("the heartbeat to advance", () -> heartbeatOf("rtsp_node") > first);
        raw.hdel(NodeRegistry.NODES, "rtsp_node");
        raw.hdel(NodeRegistry.TOPICS, "rtsp_topic");
        await("the entry and topic to come back", () -> raw.hexists(NodeRegistry.NODES, "rtsp_node")
                && raw.hexists(NodeRegistry.TOPICS, "rtsp_topic"));
        assertThatThrownBy(() -> open(QUICK).register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore))
                .as("another process").isInstanceOf(DuplicateNodeException.class);
        registry.remove("rtsp_node");
        assertThat(raw.hexists(NodeRegistry.NODES, "rtsp_node")).isFalse();
        assertThat(log.messages(Level.WARN)).hasSize(1);
    }

    /** An ACL changed at run time: the first script Redis refuses switches the registry, which beats on. */
    @Test
    void scriptsRefusedLaterSwitchTheRegistryToMsightsOwnCommands() {
        List<String> errors = new CopyOnWriteArrayList<>();
        LogCapture log = capture();
        NodeRegistry registry = NodeRegistry.open(user("~*", "&*", "+@all"), QUICK);
        registries.add(registry);
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        assertThat(log.messages(Level.WARN)).isEmpty();

        raw.aclSetUser("camera", "-@scripting");
        await("the warning", () -> !log.messages(Level.WARN).isEmpty());
        double switched = heartbeatOf("rtsp_node");
        await("the heartbeat to advance", () -> heartbeatOf("rtsp_node") > switched);
        registry.status("rtsp_node", NodeStatus.STOPPED);
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "STOPPED"));
        assertThat(log.messages(Level.WARN)).singleElement().asString().startsWith("Redis at 127.0.0.1:"
                + server.port() + " runs no scripts for this user (NOPERM");
        assertThat(errors).isEmpty();
    }

    /**
     * An error reply (NOREPLICAS: this Redis refuses writes without a replica) is a failed heartbeat,
     * with scripts and with MSight's own commands alike: an outage line, and past the tolerance the
     * node's error handler (Redis answers, yet the entry is not kept); the beats were frozen silently
     * when a reply went unread.
     */
    @Test
    void aHeartbeatRedisAnswersWithAnErrorReplyFails() {
        HeartbeatSettings shortTolerance = new HeartbeatSettings(Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofMillis(100), Duration.ofSeconds(2), ActionOnError.STOP);
        for (RedisSettings user : List.of(settings, userDeniedScripts())) {
            List<String> errors = new CopyOnWriteArrayList<>();
            LogCapture log = capture();
            NodeRegistry registry = NodeRegistry.open(user, shortTolerance);
            registries.add(registry);
            registry.register(RTSP, RTSP_TOPICS, errors::add);
            raw.configSet("min-replicas-to-write", "1");
            await("the error handler", () -> !errors.isEmpty());
            assertThat(errors).singleElement().asString().startsWith("is not sending heartbeat");
            assertThat(log.messages()).anyMatch(m -> m.startsWith("Heartbeat failed: ") && m.contains("NOREPLICAS"));
            raw.configSet("min-replicas-to-write", "0");
            // until its process removes the entry, the heartbeat says so once Redis takes it
            await("the entry to say ERROR", () -> String.valueOf(raw.hget(NodeRegistry.NODES, "rtsp_node"))
                    .contains("\"status\": \"ERROR\""));
            assertThat(errors).as("the handler is called once").hasSize(1);
            registry.close();
        }
    }

    private double heartbeatOf(String name) {
        try {
            return RegistryJson.node(name, raw.hget(NodeRegistry.NODES, name)).lastHeartbeat();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #user} let do anything but run scripts. */
    private RedisSettings userDeniedScripts() {
        return user("~*", "&*", "+@all", "-@scripting");
    }

    /** Settings of user {@code camera} (password {@code s3cret-pw}), let do what its ACL {@code rules} say. */
    private RedisSettings user(String... rules) {
        raw.aclSetUser("camera", "reset", "on", ">s3cret-pw");
        raw.aclSetUser("camera", rules);
        return new RedisSettings("127.0.0.1", server.port(), null, 0, "camera", "s3cret-pw", null,
                settings.connectTimeout(), settings.socketTimeout(), RedisTests.UNREACHED, settings.backoffInitial(),
                settings.backoffMax(), List.of());
    }

    @Test
    void aLiveNodeOfThisRuntimeIsRefusedAndAStaleOneIsTakenOver() throws Throwable {
        NodeRegistry first = open(QUICK);
        first.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        NodeRegistry second = open(QUICK); // another process
        withDefaultLocale(Locale.GERMANY, () -> assertThatThrownBy(() -> second.register(RTSP, RTSP_TOPICS,
                NodeRegistryTest::ignore)).isInstanceOf(DuplicateNodeException.class)
                .hasMessageStartingWith("A node named 'rtsp_node' is already running (type RTSPSourceNode, device"
                        + " edge-01, status REGISTERED, last heartbeat ")
                .hasMessageContaining("so it is live until its heartbeat is 10 s old): stop it, give this node another"
                        + " name, or replace"));

        // the first process is killed: its entry stays, and its heartbeat stops
        String killed = raw.hget(NodeRegistry.NODES, "rtsp_node").replaceFirst("\"last_heartbeat\": [0-9.]+",
                "\"last_heartbeat\": " + (Metadata.now() - 11));
        first.close();
        raw.hset(NodeRegistry.NODES, "rtsp_node", killed);
        LogCapture log = capture();
        second.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        assertThat(log.messages()).anyMatch(m -> m.matches("Node rtsp_node takes over its name from a stale entry of"
                + " this runtime \\(last heartbeat [0-9]+\\.[0-9] s ago\\)"));
        second.close();
        assertThat(raw.hexists(NodeRegistry.NODES, "rtsp_node")).as("close removes its own entry").isFalse();
        assertThat(raw.hexists(NodeRegistry.TOPICS, "rtsp_topic")).as("topics stay").isTrue();
    }

    /**
     * A process of this machine that was killed (or crashed) leaves entries with a fresh heartbeat:
     * its restart takes them back at once, as their instance id names a process that no longer
     * runs, instead of being refused until the heartbeat is stale.
     */
    @Test
    void anEntryWhoseProcessOnThisMachineNoLongerRunsIsTakenOverAtOnce() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertThat(ended.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
        NodeRegistry first = open(QUICK);
        first.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        String deadWriter = WriterProcess.instanceIdOf(ended.pid(), WriterProcess.startTicks(ProcessHandle.current().pid()));
        String killed = raw.hget(NodeRegistry.NODES, "rtsp_node").replaceFirst("\"instance_id\": \"[^\"]+\"",
                "\"instance_id\": \"" + deadWriter + "\"");
        first.close();
        raw.hset(NodeRegistry.NODES, "rtsp_node", killed); // as the killed process left it, its heartbeat fresh

        LogCapture log = capture();
        open(QUICK).register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        assertThat(log.messages()).anyMatch(m -> m.matches("Node rtsp_node takes over its name from an entry of this"
                + " runtime whose process on this machine no longer runs \\(last heartbeat [0-9]+\\.[0-9] s ago\\)"));
        assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "REGISTERED"))
                .doesNotContain(deadWriter);
    }

    /**
     * A Redis restored from a snapshot older than this process's registration brings back a
     * predecessor's entry of the node's name: of a process on this machine that no longer runs, or
     * older than its stale_after. The heartbeat takes the name back, as register() would, with
     * scripts and with MSight's own commands alike; the node was marked lost ("another process
     * holds its entry") and stopped, where a Python node runs on (its field is there).
     */
    @Test
    void anEntryOfADeadOrStalePredecessorThatRedisBringsBackIsTakenBack() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertThat(ended.waitFor(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
        String deadWriter = WriterProcess.instanceIdOf(ended.pid(), WriterProcess.startTicks(ProcessHandle.current().pid()));
        for (RedisSettings user : List.of(settings, userDeniedScripts())) {
            List<String> errors = new CopyOnWriteArrayList<>();
            LogCapture log = capture();
            NodeRegistry registry = NodeRegistry.open(user, QUICK);
            registries.add(registry);
            registry.register(RTSP, RTSP_TOPICS, errors::add);
            registry.status("rtsp_node", NodeStatus.RUNNING);
            String mine = RegistryJson.node("rtsp_node", raw.hget(NodeRegistry.NODES, "rtsp_node")).instanceId();
            // its heartbeat fresh, as the dead process left it
            bringBack(mine, deadWriter, Metadata.now());
            await("the name taken back from the dead writer", () -> raw.hget(NodeRegistry.NODES, "rtsp_node")
                    .contains(mine));
            awaitWarning(log, "Node rtsp_node takes its name back in"
                    + " MSIGHT:NODES from an entry of this runtime whose process on this machine no longer runs \\(last"
                    + " heartbeat [0-9]+\\.[0-9] s ago\\), such as a Redis restored from an older snapshot brings"
                    + " back");
            // of another machine, whose process cannot be told: its heartbeat is older than its stale_after (10 s)
            bringBack(mine, UUID.randomUUID().toString(), Metadata.now() - 11);
            await("the name taken back from the stale entry", () -> raw.hget(NodeRegistry.NODES, "rtsp_node")
                    .contains(mine));
            awaitWarning(log, "Node rtsp_node takes its name back in"
                    + " MSIGHT:NODES from a stale entry of this runtime \\(last heartbeat [0-9]{2,}\\.[0-9] s ago\\), such"
                    + " as a Redis restored from an older snapshot brings back");
            assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "RUNNING"));
            assertThat(errors).isEmpty();
            registry.close();
        }
    }

    /**
     * A Redis restored from a snapshot brings back a predecessor's entry of another machine (whose
     * process cannot be told dead here), 1 s old: not yet stale. The node was lost for good at the
     * first refusal: with continue it never wrote its entry again, with stop it was stopped. It
     * now claims the name at each beat and takes it once the entry is older than its stale_after,
     * as register() would, with either action and no error.
     */
    @Test
    void aRestoredEntryOfThisRuntimeNotYetStaleIsTakenBackOnceStale() throws Exception {
        for (ActionOnError action : List.of(ActionOnError.CONTINUE, ActionOnError.STOP)) {
            List<String> errors = new CopyOnWriteArrayList<>();
            LogCapture log = capture();
            NodeRegistry registry = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofSeconds(30),
                    Duration.ofMillis(100), Duration.ofSeconds(10), action));
            registry.register(RTSP, RTSP_TOPICS, errors::add);
            registry.status("rtsp_node", NodeStatus.RUNNING);
            String mine = RegistryJson.node("rtsp_node", raw.hget(NodeRegistry.NODES, "rtsp_node")).instanceId();
            bringBack(mine, UUID.randomUUID().toString(), Metadata.now() - 1);
            await("the name taken back once the entry is stale", () -> raw.hget(NodeRegistry.NODES, "rtsp_node")
                    .contains(mine));
            awaitWarning(log, "Node rtsp_node finds its name in"
                    + " MSIGHT:NODES held by another entry of this runtime \\(.*\\), such as a Redis restored from an"
                    + " older snapshot brings back: it takes the name back once that entry is older than its"
                    + " stale_after \\(10.0 s\\), unless its heartbeat moves on");
            awaitWarning(log, "Node rtsp_node takes its name back in MSIGHT:NODES from a stale entry of this"
                    + " runtime .*");
            assertThat(raw.hget(NodeRegistry.NODES, "rtsp_node")).matches(String.format(NODE_JSON, "RUNNING"));
            assertThat(errors).as(action.toString()).isEmpty();
            registry.close();
        }
    }

    /**
     * A restored entry whose heartbeat is ahead of this clock (its machine's clock an hour ahead)
     * would be fresh for that hour: claimed every beat, the node writing nothing and never in error.
     * It is a holder the node cannot wait out: the node is lost, as before.
     */
    @Test
    void aRestoredEntryWithAHeartbeatAheadOfThisClockIsNotWaitedFor() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        String mine = RegistryJson.node("rtsp_node", raw.hget(NodeRegistry.NODES, "rtsp_node")).instanceId();
        bringBack(mine, UUID.randomUUID().toString(), Metadata.now() + 3600);

        await("the error handler", () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().startsWith("is not registered");
    }

    /** A live node of this runtime that takes the name (its heartbeat moves on) stops the node that held it. */
    @Test
    void aLiveNodeOfThisRuntimeThatTakesTheNameStopsTheNodeThatHeldIt() {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        open(QUICK).register(RTSP, RTSP_TOPICS, true, NodeRegistryTest::ignore);

        await("the error handler", () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().isEqualTo("is not registered, it may be dead (another process"
                + " holds its entry in MSIGHT:NODES)");
    }

    /** Writes the node's entry as a predecessor, instance {@code writer}, left it with this heartbeat. */
    private void bringBack(String mine, String writer, double lastHeartbeat) {
        raw.hset(NodeRegistry.NODES, "rtsp_node", raw.hget(NodeRegistry.NODES, "rtsp_node").replace(mine, writer)
                .replaceFirst("\"last_heartbeat\": [0-9.]+", "\"last_heartbeat\": " + PythonFloats.repr(lastHeartbeat)));
    }

    @Test
    void aNodeWhoseNameAnotherProcessTookNeverWritesOrDeletesItAndStops() {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = open(QUICK);
        registry.register(HTTP, List.of(), errors::add);
        // a Python node of the same name starts: MSight's register() only warns, then overwrites
        raw.hset(NodeRegistry.NODES, "http_uploader_node", pythonUploader);

        await("the error handler", () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().isEqualTo("is not registered, it may be dead (another process"
                + " holds its entry in MSIGHT:NODES)");
        registry.status("http_uploader_node", NodeStatus.STOPPED);
        registry.close();
        assertPythonUploaderWouldLive();
    }

    /**
     * An exception or error escaping on the heartbeat thread (a node's stop that fails, no memory
     * for a reply) ended the scheduled beats for good, silently: every other node's entry went
     * stale, to be taken over as dead. A stop that failed is tried again at the next check.
     */
    @Test
    void theBeatsGoOnAfterAnErrorOnTheHeartbeatThread() {
        LogCapture log = capture();
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        List<Double> errorsAt = new CopyOnWriteArrayList<>();
        registry.register(HTTP, List.of(), error -> {
            errorsAt.add(Metadata.now());
            throw new OutOfMemoryError("test: no memory left to stop it");
        });
        raw.hset(NodeRegistry.NODES, "http_uploader_node", pythonUploader); // its stop is called, and fails

        await("the failing stop", () -> !errorsAt.isEmpty());
        await("a heartbeat after the error", () -> rtspHeartbeat() > errorsAt.get(0));
        await("the stop tried again at a later check", () -> errorsAt.size() >= 2);
        assertThat(log.messages(Level.ERROR)).contains("Node http_uploader_node: stopping it failed:"
                + " java.lang.OutOfMemoryError: test: no memory left to stop it");
        assertPythonUploaderWouldLive();
    }

    private double rtspHeartbeat() {
        return registries.get(0).nodes().stream().filter(node -> node.name().equals("rtsp_node")).findFirst()
                .orElseThrow().lastHeartbeat();
    }

    @Test
    void publishersAndSubscribersAddTopicsOnlyWhenMissingAndBothComeBackAfterFlushall() {
        raw.hset(NodeRegistry.TOPICS, "rtsp_topic", PYTHON_TOPIC);
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        registry.register(HTTP, List.of(new TopicRecord("upload_topic", "subscribed", SensorData.TAG)),
                NodeRegistryTest::ignore);
        assertThat(raw.hget(NodeRegistry.TOPICS, "rtsp_topic")).as("never rewritten").isEqualTo(PYTHON_TOPIC);
        assertThat(raw.hget(NodeRegistry.TOPICS, "upload_topic")).contains("\"data_type\": \"" + SensorData.TAG + "\"");

        raw.flushAll();
        await("the entries and topics to come back", () -> raw.hlen(NodeRegistry.NODES) == 2
                && raw.hexists(NodeRegistry.TOPICS, "rtsp_topic") && raw.hexists(NodeRegistry.TOPICS, "upload_topic"));
        assertThat(raw.hget(NodeRegistry.TOPICS, "rtsp_topic")).contains(ImageData.TAG);
        raw.hset(NodeRegistry.TOPICS, "rtsp_topic", PYTHON_TOPIC);
        assertThat(registry.reset()).isEqualTo(2);
        await("the entries and topics to come back after reset", () -> raw.hlen(NodeRegistry.NODES) == 2
                && raw.hlen(NodeRegistry.TOPICS) == 2);
    }

    @Test
    void aShortRedisOutageOnlyDelaysTheHeartbeat() throws Throwable {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = open(QUICK); // tolerance 30 s, action stop
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        LogCapture log = capture();
        withDefaultLocale(Locale.GERMANY, () -> {
            raw.close();
            server.stop();
            await("the heartbeat to fail", () -> log.messages().stream().anyMatch(m -> m.startsWith("Heartbeat failed:")));
            server.start();
            raw = settings.connect(settings.socketTimeout());
            await("the entry to come back", () -> raw.hexists(NodeRegistry.NODES, "rtsp_node"));
            await("the topic to come back", () -> raw.hexists(NodeRegistry.TOPICS, "rtsp_topic"));
            await("the log line", () -> log.messages().stream()
                    .anyMatch(m -> m.matches("Heartbeat restored after [0-9]+\\.[0-9] s")));
        });
        assertThat(errors).isEmpty();
        assertThat(registry.heartbeatOutages()).isEqualTo(1);
        assertThat(log.messages()).filteredOn(m -> m.startsWith("Heartbeat failed: ")).singleElement().asString()
                .endsWith("; retrying");
    }

    /**
     * Redis unreachable far beyond the tolerance stopped the node, where a Python node runs on (its
     * monitor thread ends at the first failed read): an outage is logged, counted and no error; once
     * Redis is back, restarted empty, the heartbeat writes the entry again, RUNNING.
     */
    @Test
    void aRedisOutageBeyondThePositiveToleranceIsNoErrorAndTheEntryComesBackRunning() throws InterruptedException {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = rtspStoppingPastATolerance(errors);
        registry.status("rtsp_node", NodeStatus.RUNNING);
        LogCapture log = capture();
        raw.close();
        server.stop();
        await("the heartbeat to fail", () -> log.messages().stream().anyMatch(m -> m.startsWith("Heartbeat failed:")));
        Thread.sleep(2000); // an outage far beyond the tolerance, twenty checks
        server.start();
        raw = settings.connect(settings.socketTimeout());
        await("the entry to say RUNNING again", () -> String.valueOf(raw.hget(NodeRegistry.NODES, "rtsp_node"))
                .contains("\"status\": \"RUNNING\""));
        await("the outage's end", () -> registry.heartbeatOutages() == 1);
        assertThat(errors).isEmpty();
        assertThat(log.messages(Level.ERROR)).isEmpty();
        assertThat(log.messages()).filteredOn(m -> m.startsWith("Heartbeat failed: ")).singleElement().asString()
                .startsWith("Heartbeat failed: Redis unreachable at 127.0.0.1:" + server.port());
    }

    /**
     * A Redis restart that loads a large dataset answers every command with LOADING, reads too,
     * for as long as the loading takes: an outage, as for a Python node, whose monitor ends at its
     * first failed read and which runs on; the node was stopped once the loading outlasted the
     * tolerance. Once Redis has loaded, the heartbeat writes the entry again, RUNNING.
     */
    @Test
    void aRedisLoadingItsDatasetBeyondTheToleranceIsAnOutageAndStopsNoNode(@TempDir Path dir) {
        raw.close();
        server.restartWith(List.of("--dir", dir.toString(), "--rdbcompression", "no"));
        raw = settings.connect(settings.socketTimeout());
        raw.eval("local value = string.rep('x', 1024) for i = 1, 10000 do redis.call('SET', 'key:' .. i, value) end");
        raw.save();
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = rtspStoppingPastATolerance(errors);
        registry.status("rtsp_node", NodeStatus.RUNNING);
        LogCapture log = capture();
        raw.close();
        // Loading takes 100 s at least (10 ms a key), longer than the waits below; Redis answers its clients
        // after each kB it reads, a key's value, with LOADING to keys and PING alike.
        server.restartWith(List.of("--dir", dir.toString(), "--rdbcompression", "no", "--key-load-delay", "10000",
                "--loading-process-events-interval-bytes", "1024"));
        raw = settings.connect(settings.socketTimeout());
        await("a heartbeat refused with LOADING", () -> log.messages().stream()
                .anyMatch(m -> m.startsWith("Heartbeat failed: ") && m.contains("LOADING")));
        org.awaitility.Awaitility.await("no error, twenty checks past the tolerance").during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10)).until(errors::isEmpty);
        assertThat(raw.info("persistence").lines()).as("still loading").contains("loading:1");

        raw.close();
        server.restartWith(List.of("--dir", dir.toString())); // loads at full speed
        raw = settings.connect(settings.socketTimeout());
        await("the entry to say RUNNING again", () -> String.valueOf(raw.hget(NodeRegistry.NODES, "rtsp_node"))
                .contains("\"status\": \"RUNNING\""));
        assertThat(errors).isEmpty();
        assertThat(log.messages(Level.ERROR)).isEmpty();
    }

    /**
     * A Redis restarted with a password its nodes lack refuses every command (NOAUTH), reads too:
     * an outage, as for a Python node, which runs on; the node was stopped past the tolerance.
     */
    @Test
    void aRedisRestartedWithAPasswordItsNodesLackIsAnOutageAndStopsNoNode() {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = rtspStoppingPastATolerance(errors);
        LogCapture log = capture();
        raw.close();
        server.restartWith(List.of("--requirepass", "n3w-pw"));
        raw = RedisTests.settings(server.port(), "n3w-pw").connect(settings.socketTimeout());
        await("a heartbeat refused for want of the password", () -> log.messages().stream()
                .anyMatch(m -> m.startsWith("Heartbeat failed: Redis at 127.0.0.1:" + server.port()
                        + " requires a password")));
        org.awaitility.Awaitility.await("no error, ten checks past the tolerance").during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(10)).until(errors::isEmpty);
        assertThat(log.messages(Level.ERROR)).isEmpty();
    }

    /** Redis refusing the heartbeats (NOREPLICAS) with {@code continue}: logged, and RUNNING once it takes them again. */
    @Test
    void withActionContinueANodeInErrorForAStaleHeartbeatShowsRunningOnceTheHeartbeatIsBack() {
        NodeRegistry registry = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofMillis(100), Duration.ofSeconds(10), ActionOnError.CONTINUE));
        registerAndRunRtsp(registry, raw);
        LogCapture log = capture();
        raw.configSet("min-replicas-to-write", "1");
        await("the node in error", () -> log.messages().stream().anyMatch(m -> m.startsWith(
                "Node rtsp_node is not sending heartbeat") && m.endsWith("It keeps running (action on error: continue)")));
        raw.configSet("min-replicas-to-write", "0");
        await("the entry to say RUNNING again", () -> {
            String entry = raw.hget(NodeRegistry.NODES, "rtsp_node");
            return entry != null && entry.matches(String.format(NODE_JSON, "RUNNING"));
        });
    }

    @Test
    void closingWithRedisAwayWaitsForRedisOnceAndSaysHowManyEntriesAreLeft() {
        NodeRegistry registry = open(QUICK);
        registry.register(RTSP, RTSP_TOPICS, NodeRegistryTest::ignore);
        registry.register(HTTP, List.of(), NodeRegistryTest::ignore);
        registry.register(NodeRecord.of("third", "edge-01", null, "t", "HttpSinkNode"), List.of(),
                NodeRegistryTest::ignore);
        LogCapture log = capture();
        raw.close();
        server.stop();
        registry.close();
        assertThat(log.messages(Level.WARN)).filteredOn(m -> !m.startsWith("Heartbeat failed")).singleElement()
                .asString().startsWith("3 node entries left in MSIGHT:NODES (Redis unreachable at 127.0.0.1:");
    }

    @Test
    void aToleranceOfZeroOrLessTurnsTheStalenessCheckOff() {
        List<String> checked = new CopyOnWriteArrayList<>();
        List<String> unchecked = new CopyOnWriteArrayList<>();
        open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(100),
                Duration.ofSeconds(2), ActionOnError.STOP)).register(RTSP, RTSP_TOPICS, checked::add);
        NodeRegistry off = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofSeconds(-1),
                Duration.ofMillis(100), Duration.ofSeconds(2), ActionOnError.STOP));
        off.register(HTTP, List.of(), unchecked::add);
        NodeRegistry zero = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ZERO,
                Duration.ofMillis(100), Duration.ofSeconds(2), ActionOnError.STOP));
        zero.register(NodeRecord.of("third", "edge-01", null, "t", "HttpSinkNode"), List.of(), unchecked::add);
        raw.configSet("min-replicas-to-write", "1");
        // the same refusals and checking rhythm stop a node whose tolerance is positive
        await("the checked node's error handler", () -> !checked.isEmpty());
        // the others' checks come in the same rhythm: ten more of them
        org.awaitility.Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(unchecked::isEmpty);
    }

    @Test
    void msightStatusCallsOldHeartbeatsStaleByTheirWritersTolerance() {
        double now = Metadata.now();
        NodeRecord ours = new NodeRecord("a", "d", null, null, "t", now - 3, NodeStatus.RUNNING, "id", 2);
        assertThat(ours.staleAt(now)).isTrue();
        assertThat(ours.beat(now - 1, NodeStatus.RUNNING).staleAt(now)).isFalse();
        NodeRecord python = new NodeRecord("b", "d", null, null, "t", now - 30, NodeStatus.RUNNING, null, Double.NaN);
        assertThat(python.staleAt(now)).isFalse();
        assertThat(python.beat(now - 61, NodeStatus.RUNNING).staleAt(now)).isTrue();
    }

    @Test
    void aListOfPublishTopicsReadsAsPythonPrintsIt() throws Exception {
        raw.hset(NodeRegistry.NODES, "fusion", "{\"name\": \"fusion\", \"device\": \"edge-01\", \"publish_topic\":"
                + " [\"a\", \"b\"], \"subscribe_topic\": null, \"type\": \"FusionNode\", \"last_heartbeat\": 1.5,"
                + " \"status\": \"RUNNING\"}");
        NodeRegistry registry = open(QUICK);
        assertThat(registry.nodes()).singleElement().extracting(NodeRecord::publishTopic).isEqualTo("['a', 'b']");
    }

    /** It holds the name all the same: a node of that name is refused, so msight status shows it. */
    @Test
    void anEntryThatIsNotMsightsJsonIsListedUnderItsField() {
        raw.hset(NodeRegistry.NODES, "garbled", "{not json");
        NodeRegistry registry = open(QUICK);
        assertThat(registry.nodes()).singleElement().satisfies(node -> {
            assertThat(node.name()).isEqualTo("garbled");
            assertThat(node.type()).isEqualTo("(not MSight's JSON)");
            assertThat(node.staleAt(Metadata.now())).isTrue();
        });
    }

    @Test
    void anUnreachableRedisIsOneClearLine() {
        raw.close();
        server.stop();
        assertThatThrownBy(() -> NodeRegistry.open(settings, QUICK)).isInstanceOf(RedisAccessException.class)
                .hasMessageStartingWith("Redis unreachable at 127.0.0.1:" + server.port() + " (");
    }

    @Test
    void resetDeletesMsightKeysOnly() {
        raw.hset(NodeRegistry.NODES, Map.of("x", "{}"));
        raw.set("other", "kept");
        assertThat(open(QUICK).reset()).isEqualTo(1);
        assertThat(raw.keys("*")).containsExactly("other");
    }

    /**
     * Redis refuses writes alone (NOREPLICAS) while a stale predecessor's entry holds the name: the
     * take-back's refused write lost the error reply, so each beat counted as an outage and the
     * node, which never wrote, was never stopped, where Python's monitor stops it.
     */
    @Test
    void writesRefusedWhileTakingANameBackCountTowardTheTolerance() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        NodeRegistry registry = rtspStoppingPastATolerance(errors);
        registry.status("rtsp_node", NodeStatus.RUNNING);
        String mine = RegistryJson.node("rtsp_node", raw.hget(NodeRegistry.NODES, "rtsp_node")).instanceId();
        bringBack(mine, UUID.randomUUID().toString(), Metadata.now() - 11);
        raw.configSet("min-replicas-to-write", "1");

        await("the error handler", () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().startsWith("is not sending heartbeat (Redis refused it for");
    }

    /** A registry whose rtsp_node, registered, is stopped (into {@code errors}) past a heartbeat tolerance of 0.3 s. */
    private NodeRegistry rtspStoppingPastATolerance(List<String> errors) {
        NodeRegistry registry = open(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofMillis(100), Duration.ofSeconds(2), ActionOnError.STOP));
        registry.register(RTSP, RTSP_TOPICS, errors::add);
        return registry;
    }

    /**
     * Waits for a warning that matches {@code regex}: a line logged after the write a test waits
     * for, which it may see first.
     */
    private static void awaitWarning(LogCapture log, String regex) {
        await("a warning matching " + regex, () -> log.messages(Level.WARN).stream().anyMatch(m -> m.matches(regex)));
    }
}

package org.msight.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.runtime.bus.BusStartException;
import org.msight.runtime.bus.Buses;
import org.msight.runtime.node.NodeStats;
import org.msight.runtime.registry.NodeRegistry;
import org.msight.runtime.testnodes.CollectingSink;
import org.msight.runtime.testnodes.LoopbackBus;
import org.msight.runtime.testnodes.SequenceSource;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;
import redis.clients.jedis.Jedis;

class PipelineTest {

    @TempDir
    Path dir;

    @BeforeEach
    void forgetEarlierRuns() {
        CollectingSink.RECEIVED.clear();
        CollectingSink.ATTEMPTS.clear();
        SequenceSource.NODES_OF_TYPE.clear();
        LoopbackBus.TOPICS_AWAY.clear();
        LoopbackBus.TOPICS_AWAY_FOR_CALLS.clear();
        LoopbackBus.TOPICS_REFUSED.clear();
        LoopbackBus.TOPICS_DELIVERED_AGAIN.clear();
        LoopbackBus.ACKNOWLEDGED.clear();
    }

    private Pipeline start(String nodes) throws Exception {
        return start(Duration.ofSeconds(5), nodes);
    }

    private Pipeline start(Duration drainTimeout, String nodes) throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", "msight.drain-timeout = " + drainTimeout.toMillis()
                + "ms\nnodes {\n" + nodes + "\n}\n");
        Pipeline pipeline = TestPipelines.load(file).create();
        pipeline.start();
        return pipeline;
    }

    private static List<Long> received(String sink) {
        return CollectingSink.RECEIVED.getOrDefault(sink, List.of());
    }

    private static List<Long> range(long from, long to, long step) {
        return LongStream.iterate(from, n -> n <= to, n -> n + step).boxed().toList();
    }

    @Test
    void sourceGapPublishesOneMessageInTenAsMSightCounts() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = t, count = 100, gap = 9 }
                sink { type = test-collector, subscribe-topic = t, queue-capacity = 200 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 10);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).containsExactlyElementsOf(range(10, 100, 10));
    }

    /** What a node type's nodes size their shares of the machine by, such as a camera's decoder threads. */
    @Test
    void eachNodeIsToldHowManyNodesOfItsTypeThePipelineRuns() throws Exception {
        Pipeline pipeline = start("""
                a { type = test-sequence, publish-topic = t, count = 0 }
                b { type = test-sequence, publish-topic = t, count = 0 }
                images { type = test-images, publish-topic = t }
                sink { type = test-collector, subscribe-topic = t }
                """);
        assertThat(pipeline.stop()).isTrue();
        // not the pipeline's 4 nodes, nor its 3 sources
        assertThat(SequenceSource.NODES_OF_TYPE).containsOnly(entry("a", 2), entry("b", 2));
    }

    /**
     * A topic written as a number is its text, as Python MSight takes it: unless a node wrote it as
     * a string, it had no bus, and the pipeline failed to start with a NullPointerException.
     */
    @Test
    void aTopicWrittenAsANumberIsThatTopic() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = 101, count = 5 }
                sink { type = test-collector, subscribe-topic = 101 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 5);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void sinkGapAppliesToWhatTheSinkReceives() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = t, count = 12 }
                sink { type = test-collector, subscribe-topic = t, gap = 2, queue-capacity = 200 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 4);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).containsExactly(3L, 6L, 9L, 12L);
    }

    @Test
    void everySubscriberGetsEveryMessage() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = t, count = 50 }
                a { type = test-collector, subscribe-topic = t, queue-capacity = 100 }
                b { type = test-collector, subscribe-topic = t, queue-capacity = 100 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("a").size() == 50 && received("b").size() == 50);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("a")).isEqualTo(range(1, 50, 1)).isEqualTo(received("b"));
    }

    @Test
    void aProcessorHandlesItsGapAndPublishesToItsTopic() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = numbers, count = 10 }
                negate { type = test-negate, subscribe-topic = numbers, publish-topic = negated, gap = 1 }
                sink { type = test-collector, subscribe-topic = negated }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 5);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).containsExactly(-2L, -4L, -6L, -8L, -10L);
    }

    @Test
    void aSlowSinkLosesTheOldestMessagesAndKeepsTheNewest() throws Exception {
        // 500 ms a message: the slow sink takes 50 only where the source takes 25 s for its 200
        Pipeline pipeline = start(Waits.GENEROUS, """
                src { type = test-sequence, publish-topic = t, count = 200 }
                slow { type = test-collector, subscribe-topic = t, queue-capacity = 4, delay = 500ms }
                fast { type = test-collector, subscribe-topic = t, queue-capacity = 400 }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("fast").size() == 200);
        assertThat(pipeline.stop()).isTrue();
        List<Long> slow = received("slow");
        assertThat(slow).hasSizeLessThan(50).isSorted().endsWith(197L, 198L, 199L, 200L);
        assertThat(received("fast")).isEqualTo(range(1, 200, 1));
    }

    /**
     * A bus that fails a publish (its plugin misses a class) loses the message, said once a minute
     * naming the topic: the source goes on. It stopped for good, told that its own
     * plugin could not run here, or restarted with backoff for a bus's exception.
     */
    @Test
    void aPublishTheBusFailsIsLostAndSaidAndTheSourceGoesOn() throws Exception {
        try (LogCapture log = LogCapture.of("msight")) {
            Path file = TestPipelines.write(dir, "pipeline.conf", """
                    msight { bus = loopback, loopback.port = %d, registry.enabled = false }
                    nodes { src { type = test-sequence, publish-topic = t, count = 5 } }
                    """.formatted(LoopbackBus.PUBLISH_FAILS));
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            NodeStats src = pipeline.nodeStats().get(0);
            await().atMost(Waits.GENEROUS).until(() -> src.lost().count() == 5);
            assertThat(pipeline.stop()).isTrue();
            assertThat(src.state()).isNotEqualTo(NodeStats.State.FAILED);
            assertThat(src.restarts().count()).isZero();
            assertThat(src.errors().count()).isZero();
            assertThat(log.messages()).containsOnlyOnce("a message could not be published on topic 't' (by its bus"
                    + " 'loopback' (class path), or"
                    + " as its data type was encoded): NoClassDefFoundError: org/example/Gone (on purpose); a class it"
                    + " needs is missing: put the jar that has it in the plugin's folder; it is counted as lost (1 since"
                    + " the last line)");
        }
    }

    @Test
    void aSourceBuildsNoMessageForATopicItsBusCannotCarry() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, loopback.full-topic = stuck, registry.enabled = false }
                nodes {
                  blocked { type = test-sequence, publish-topic = stuck, count = 5 }
                  src { type = test-sequence, publish-topic = t, count = 5 }
                  sink { type = test-collector, subscribe-topic = t }
                }
                """);
        Pipeline pipeline = TestPipelines.load(file).create();
        pipeline.start();
        NodeStats blocked = pipeline.nodeStats().get(0);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 5 && blocked.lost().count() == 5);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).isEqualTo(range(1, 5, 1));
        // the bus fails a publish on that topic: the source asked first, and built nothing
        assertThat(blocked.node()).isEqualTo("blocked");
        assertThat(blocked.errors().count()).isZero();
        assertThat(blocked.out().count()).isZero();
    }

    /**
     * A processor whose results its output's bus cannot take, in an outage, keeps its input
     * unacknowledged and is handed it again after a backoff: once the bus is back, every message
     * published meanwhile reaches the sink, none counted as lost, and only then is acknowledged.
     * So it is when the processor throws as its result was not published: not restarted, nor its input done.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aProcessorKeepsItsInputUnacknowledgedWhileItsOutputsBusIsAwayAndCatchesUpAfter(boolean failUnpublished)
            throws Exception {
        LoopbackBus.TOPICS_AWAY.add("negated");
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = startOnLoopback(20, "fail-unpublished = " + failUnpublished);
            NodeStats negate = pipeline.nodeStats().get(1);
            assertThat(negate.node()).isEqualTo("negate");
            await().atMost(Waits.GENEROUS).until(() -> negate.state() == NodeStats.State.OUTAGE
                    && negate.in().count() + negate.queueDepth() == 20);
            assertThat(LoopbackBus.ACKNOWLEDGED).as("no input acknowledged while its result is unpublished").isEmpty();
            assertThat(negate.lost().count()).isZero();
            assertThat(received("sink")).isEmpty();

            LoopbackBus.TOPICS_AWAY.remove("negated");
            await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 20 && acknowledged("numbers") == 20);
            assertThat(received("sink")).isEqualTo(range(1, 20, 1).stream().map(n -> -n).toList());
            assertThat(negate.out().count()).isEqualTo(20);
            assertThat(negate.lost().count()).isZero();
            assertThat(negate.errors().count()).isZero();
            assertThat(negate.restarts().count()).as("retried, not reopened").isZero();
            assertThat(negate.state()).isEqualTo(NodeStats.State.RUNNING);
            assertThat(pipeline.stop()).isTrue();
            assertThat(log.messages(Level.WARN)).containsOnlyOnce("its bus 'loopback' (class path) cannot take messages"
                    + " on topic 'negated' now (the bus says: topics away (on purpose): [negated]); the input is kept,"
                    + " not acknowledged; retrying with backoff");
            assertThat(log.messages()).anyMatch(line -> line.startsWith("recovered after "));
        }
    }

    /**
     * A bus unable to take a processor's result for a moment (a full buffer under load, a stream
     * still looked up) is no outage: the input is handed over again as soon as the bus can take it,
     * without a line, a backoff or a loss.
     */
    @Test
    void aProcessorsOutputBusAwayForAMomentIsNoOutage() throws Exception {
        AtomicInteger awayFor = new AtomicInteger(1);
        LoopbackBus.TOPICS_AWAY_FOR_CALLS.put("negated", awayFor); // back at the runner's first question
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = startOnLoopback(5, "");
            NodeStats negate = pipeline.nodeStats().get(1);
            await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 5 && acknowledged("numbers") == 5);
            assertThat(awayFor.get()).as("the first result found the bus away").isNegative();
            assertThat(received("sink")).isEqualTo(range(1, 5, 1).stream().map(n -> -n).toList());
            assertThat(negate.lost().count()).isZero();
            assertThat(negate.restarts().count()).isZero();
            assertThat(negate.outageSince()).as("no outage").isNull();
            assertThat(pipeline.stop()).isTrue();
            assertThat(log.messages(Level.WARN)).isEmpty();
            assertThat(log.messages()).noneMatch(line -> line.contains("cannot take") || line.contains("recovered"));
        }
    }

    /**
     * A processor's publish from its open or close (a batching processor flushing at a stop) that
     * the bus cannot take is lost and counted, as a source's: it keeps no input, nor makes the next
     * input's publish fail.
     */
    @Test
    void aProcessorsPublishOutsideProcessTheBusCannotTakeIsCountedAsLost() throws Exception {
        LoopbackBus.TOPICS_AWAY_FOR_CALLS.put("negated", new AtomicInteger(1)); // open's
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = startOnLoopback(5, "publish-at-open-and-close = true");
            NodeStats negate = pipeline.nodeStats().get(1);
            await().atMost(Waits.GENEROUS).until(() -> received("sink").size() == 5 && acknowledged("numbers") == 5);
            assertThat(received("sink")).isEqualTo(range(1, 5, 1).stream().map(n -> -n).toList());
            assertThat(negate.lost().count()).as("the open's").isEqualTo(1);
            assertThat(negate.outageSince()).as("no outage").isNull();
            LoopbackBus.TOPICS_AWAY.add("negated");
            assertThat(pipeline.stop()).isTrue();
            assertThat(negate.lost().count()).as("the open's and the close's").isEqualTo(2);
            assertThat(log.messages()).noneMatch(line -> line.contains("cannot take"));
        }
    }

    /** A result the bus refuses alone (too large), still carrying the topic, is lost and counted: its input is done. */
    @Test
    void aProcessorsResultTheBusRefusesAloneIsCountedAsLostAndItsInputIsDone() throws Exception {
        LoopbackBus.TOPICS_REFUSED.add("negated");
        Pipeline pipeline = startOnLoopback(5, "");
        NodeStats negate = pipeline.nodeStats().get(1);
        await().atMost(Waits.GENEROUS).until(() -> acknowledged("numbers") == 5 && negate.lost().count() == 5);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).isEmpty();
        assertThat(negate.out().count()).isZero();
        assertThat(negate.errors().count()).isZero();
        assertThat(negate.outageSince()).as("no outage").isNull();
    }

    /**
     * Source, processor and sink on the loopback bus: {@code count} numbers, negated on topic
     * {@code negated} by a processor with {@code negateSettings} too.
     */
    private Pipeline startOnLoopback(int count, String negateSettings) throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, registry.enabled = false }
                nodes {
                  src { type = test-sequence, publish-topic = numbers, count = %d }
                  negate {
                    type = test-negate, subscribe-topic = numbers, publish-topic = negated, queue-capacity = 100
                    restart-backoff { initial = 10ms, max = 100ms }
                    %s
                  }
                  sink { type = test-collector, subscribe-topic = negated, queue-capacity = 100 }
                }
                """.formatted(count, negateSettings));
        Pipeline pipeline = TestPipelines.load(file).create();
        pipeline.start();
        return pipeline;
    }

    private static int acknowledged(String topic) {
        AtomicInteger done = LoopbackBus.ACKNOWLEDGED.get(topic);
        return done == null ? 0 : done.get();
    }

    /**
     * A bus is told whether a node of the process publishes on it, by the bus of each node's
     * publish topic: a source's or a processor's, not a topic a sink subscribes to.
     */
    @Test
    void aBusIsToldWhetherANodeOfTheProcessPublishesOnIt() throws Exception {
        assertThat(loopbackStart("""
                msight.topics.in.bus = loopback
                nodes {
                  src { type = test-sequence, publish-topic = local, count = 1 }
                  uploader { type = test-collector, subscribe-topic = in }
                }
                """)).isEqualTo("started; a node of this process publishes on it: false");
        assertThat(loopbackStart("""
                msight.topics.out.bus = loopback
                nodes {
                  src { type = test-sequence, publish-topic = local, count = 1 }
                  negate { type = test-negate, subscribe-topic = local, publish-topic = out }
                }
                """)).isEqualTo("started; a node of this process publishes on it: true");
    }

    /** A start that failed closed what it opened and started no node: a stop then has nothing to wait for. */
    @Test
    void aPipelineWhoseStartFailedStopsAtOnceWithNothingToSay() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, loopback.port = %d, registry.enabled = false }
                nodes {
                  src { type = test-sequence, publish-topic = t }
                  out { type = test-collector, subscribe-topic = t }
                }
                """.formatted(LoopbackBus.TAKEN));
        Pipeline pipeline = TestPipelines.load(file).create();
        assertThatThrownBy(pipeline::start).isInstanceOf(BusStartException.class);
        try (LogCapture log = LogCapture.all()) {
            assertThat(pipeline.stop()).isTrue();
            assertThat(log.messages()).isEmpty();
        }
    }

    /**
     * A stop requested while a bus waits at start for its server (the Kafka bus's probe, up to its
     * connect-timeout) interrupts the wait: the start closes the bus and returns without running the
     * nodes, its thread's interrupt spent, and a line says so; the stop then has nothing to stop. A
     * bus whose client swallows an interrupt and waits on for its next server, as jnats does, is
     * interrupted again until the start ends; then no more.
     */
    @ParameterizedTest
    @ValueSource(ints = {LoopbackBus.START_BLOCKS, LoopbackBus.START_BLOCKS_PAST_AN_INTERRUPT})
    void aStopWhileABusWaitsAtStartEndsTheStartAndClosesTheBus(int port) throws Exception {
        Pipeline pipeline = onABusWhoseStartWaits(port);
        try (LogCapture log = LogCapture.all()) {
            CompletableFuture<StartEnd> ended = new CompletableFuture<>();
            startOnItsOwnThread(pipeline, ended);
            assertThat(LoopbackBus.startWaiting.await(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
            pipeline.requestStop(); // as SIGINT and SIGTERM do
            assertThat(ended.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("returned, interrupt spent")
                    .isEqualTo(new StartEnd(null, false));
            assertThat(log.messages()).contains("closing", "the stop came during the start: the nodes of "
                    + pipeline.spec().file() + " did not run").noneMatch(line -> line.startsWith("started "));
            assertThat(pipeline.stop()).isTrue();
            await().atMost(Waits.GENEROUS).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(thread -> thread.getName().equals("msight-stop-during-start")));
        } finally {
            LoopbackBus.startReleased.countDown();
        }
    }

    /** A stop requested before the start (a signal as the pipeline was made) leaves the buses unstarted. */
    @Test
    void aStopBeforeTheStartStartsNoBus() throws Exception {
        Pipeline pipeline = onABusWhoseStartWaits(LoopbackBus.START_BLOCKS);
        try (LogCapture log = LogCapture.all()) {
            pipeline.requestStop();
            CompletableFuture<StartEnd> ended = new CompletableFuture<>();
            startOnItsOwnThread(pipeline, ended);
            assertThat(ended.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new StartEnd(null, false));
            assertThat(LoopbackBus.startWaiting.getCount()).as("the bus's start never began").isOne();
            assertThat(log.messages()).contains("closing", "the stop came during the start: the nodes of "
                    + pipeline.spec().file() + " did not run");
        } finally {
            LoopbackBus.startReleased.countDown();
        }
    }

    /** An interrupt that no stop requested fails the start as the bus says, and stays for the caller to see. */
    @Test
    void anInterruptWithoutAStopFailsTheStartAndStays() throws Exception {
        Pipeline pipeline = onABusWhoseStartWaits(LoopbackBus.START_BLOCKS);
        try {
            CompletableFuture<StartEnd> ended = new CompletableFuture<>();
            Thread starting = startOnItsOwnThread(pipeline, ended);
            assertThat(LoopbackBus.startWaiting.await(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
            starting.interrupt();
            StartEnd end = ended.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(end.thrown()).isInstanceOf(BusStartException.class)
                    .hasMessage("bus 'loopback': interrupted while connecting (on purpose)");
            assertThat(end.interrupted()).isTrue();
        } finally {
            LoopbackBus.startReleased.countDown();
        }
    }

    /**
     * The registry's heartbeat refused by Redis while a bus waits at start ends the start as a stop
     * does, and the pipeline fails: its stop says so (exit code 1), though no node ran.
     */
    @Test
    void aHeartbeatFailingWhileABusWaitsAtStartEndsTheStartAndThePipelineFails() throws Exception {
        try (RedisTestServer redis = new RedisTestServer().start(); Jedis raw = new Jedis("127.0.0.1", redis.port())) {
            Pipeline pipeline = onABusWhoseStartWaits(LoopbackBus.START_BLOCKS, """
                    msight.redis.port = %d
                    msight.registry {
                      enabled = true
                      heartbeat { update-interval = 100ms, stale-after = 1s, tolerance = 300ms }
                      heartbeat.checking-duration = 100ms
                    }
                    """.formatted(redis.port()));
            try {
                CompletableFuture<StartEnd> ended = new CompletableFuture<>();
                startOnItsOwnThread(pipeline, ended);
                assertThat(LoopbackBus.startWaiting.await(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
                raw.configSet("min-replicas-to-write", "1"); // an error reply to every write: NOREPLICAS
                assertThat(ended.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS))
                        .isEqualTo(new StartEnd(null, false));
                assertThat(pipeline.stop()).as("a clean stop").isFalse();
                assertThat(pipeline.failure()).hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("node src is not sending heartbeat"));
            } finally {
                LoopbackBus.startReleased.countDown();
            }
        }
    }

    /**
     * A pipeline on a loopback bus on {@code port} (one whose start waits until
     * {@link LoopbackBus#startReleased}, not yet released), without a registry.
     */
    private Pipeline onABusWhoseStartWaits(int port) throws Exception {
        return onABusWhoseStartWaits(port, "msight.registry.enabled = false\n");
    }

    /** As {@link #onABusWhoseStartWaits(int)}, with {@code settings} instead of no registry. */
    private Pipeline onABusWhoseStartWaits(int port, String settings) throws Exception {
        LoopbackBus.startReleased = new CountDownLatch(1);
        LoopbackBus.startWaiting = new CountDownLatch(1);
        return TestPipelines.load(TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, loopback.port = %d }
                %snodes { src { type = test-sequence, publish-topic = t } }
                """.formatted(port, settings))).create();
    }

    /** How {@link Pipeline#start()} ended: what it threw, if anything, and whether its thread was left interrupted. */
    private record StartEnd(RuntimeException thrown, boolean interrupted) {
    }

    /** Starts {@code pipeline} on a thread of its own, which completes {@code ended} as the start returns. */
    private static Thread startOnItsOwnThread(Pipeline pipeline, CompletableFuture<StartEnd> ended) {
        Thread starting = new Thread(() -> {
            RuntimeException thrown = null;
            try {
                pipeline.start();
            } catch (RuntimeException e) {
                thrown = e;
            }
            ended.complete(new StartEnd(thrown, Thread.currentThread().isInterrupted()));
        }, "test-start");
        starting.setDaemon(true); // one a test left waiting does not hold the JVM up
        starting.start();
        return starting;
    }

    /** A bus whose close blocks holds the stop up for its bound only: a line names it, and the stop is unclean. */
    @Test
    void aBusThatDoesNotCloseIsSaidAndTheStopGoesOnUnclean() throws Exception {
        LoopbackBus.closeReleased = new CountDownLatch(1);
        try (LogCapture log = LogCapture.of(Buses.LOGGER_PREFIX + "loopback")) {
            Path file = TestPipelines.write(dir, "pipeline.conf", """
                    msight { bus = loopback, loopback.port = %d, registry.enabled = false }
                    nodes { src { type = test-sequence, publish-topic = t, count = 1 } }
                    """.formatted(LoopbackBus.CLOSE_BLOCKS));
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            CompletableFuture<Boolean> stop = CompletableFuture.supplyAsync(() -> {
                try {
                    return pipeline.stop();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(stop.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("a clean stop").isFalse();
            assertThat(log.messages(Level.WARN)).containsExactly("bus 'loopback' did not close within 10s; the stop"
                    + " goes on");
        } finally {
            LoopbackBus.closeReleased.countDown(); // its closing thread ends: not into a later test's lines
        }
    }

    /** The line the loopback bus logs as the pipeline of {@code hocon} starts. */
    private String loopbackStart(String hocon) throws Exception {
        try (LogCapture log = LogCapture.of(Buses.LOGGER_PREFIX + "loopback")) {
            Pipeline pipeline = TestPipelines.load(TestPipelines.write(dir, "pipeline.conf",
                    "msight.registry.enabled = false\n" + hocon)).create();
            pipeline.start();
            pipeline.stop();
            return log.messages().stream().filter(line -> line.startsWith("started;")).findFirst().orElseThrow();
        }
    }

    @Test
    void stoppingDrainsWhatSinksHaveQueued() throws Exception {
        Pipeline pipeline = start(Waits.GENEROUS, """
                src { type = test-sequence, publish-topic = t, count = 30 }
                sink { type = test-collector, subscribe-topic = t, queue-capacity = 100, delay = 20ms }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").size() >= 1);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).isEqualTo(range(1, 30, 1));
    }

    /**
     * A processor drains into the next one, which is stopped after it: all processors were stopped
     * at once, and what the first drained at the stop was dropped at the second's closed inbox.
     */
    @Test
    void stoppingDrainsAChainOfProcessorsUpstreamFirst() throws Exception {
        Pipeline pipeline = start(Waits.GENEROUS, """
                src { type = test-sequence, publish-topic = t, count = 30 }
                first { type = test-negate, subscribe-topic = t, publish-topic = u, queue-capacity = 100, delay = 20ms }
                second { type = test-negate, subscribe-topic = u, publish-topic = v, queue-capacity = 100 }
                sink { type = test-collector, subscribe-topic = v, queue-capacity = 100 }
                """);
        NodeStats src = pipeline.nodeStats().get(0);
        await().atMost(Waits.GENEROUS).until(() -> src.out().count() == 30 && received("sink").size() >= 1);
        assertThat(pipeline.stop()).isTrue();
        assertThat(received("sink")).isEqualTo(range(1, 30, 1));
    }

    @Test
    void aSinkThatCannotDeliverKeepsItsBackoffAndGivesUpAtTheDrainDeadline() throws Exception {
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = start(Duration.ofSeconds(2), """
                    src { type = test-sequence, publish-topic = t, count = 1 }
                    sink {
                      type = test-collector, subscribe-topic = t, unavailable = true
                      restart-backoff { initial = 100ms, max = 200ms }
                    }
                    """);
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.ATTEMPTS.get("sink").get() >= 2);
            long before = CollectingSink.ATTEMPTS.get("sink").get();
            assertThat(pipeline.stop()).as("a message was not handled").isFalse();
            // it said what held it up, and gave up by itself at the deadline: it was not interrupted
            assertThat(log.messages()).anyMatch(m -> m.startsWith("waiting up to 2s for node sink to stop: 1 message"
                    + " queued; failing for ") && m.endsWith("attempts): destination unavailable (on purpose)"))
                    .contains("drain time of 2s ran out; 1 queued message was not handled")
                    .noneMatch(m -> m.contains("interrupting"));
            // still waiting 100-200 ms between attempts while draining: a handful, not a busy loop
            assertThat(CollectingSink.ATTEMPTS.get("sink").get() - before).isBetween(1L, 30L);
        }
        assertThat(received("sink")).isEmpty();
    }

    /**
     * Messages still queued when the drain time runs out are not acknowledged: a bus that delivers
     * them again at the next start has lost none, so they are said in a line, not counted as dropped,
     * and the stop is clean (exit code 0); on one that does not, they are lost and the stop is not.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void messagesLeftAtTheDrainDeadlineAreLostOnlyOnABusThatDoesNotDeliverThemAgain(boolean deliversAgain)
            throws Exception {
        if (deliversAgain) {
            LoopbackBus.TOPICS_DELIVERED_AGAIN.add("t");
        }
        try (LogCapture log = LogCapture.of("msight")) {
            Path file = TestPipelines.write(dir, "pipeline.conf", """
                    msight { bus = loopback, registry.enabled = false, drain-timeout = 500ms }
                    nodes {
                      src { type = test-sequence, publish-topic = t, count = 3 }
                      sink { type = test-collector, subscribe-topic = t, unavailable = true }
                    }
                    """);
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            NodeStats sink = pipeline.nodeStats().get(1);
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.ATTEMPTS.get("sink") != null
                    && sink.in().count() + sink.queueDepth() == 3);
            assertThat(pipeline.stop()).as("a clean stop").isEqualTo(deliversAgain);
            assertThat(acknowledged("t")).as("none is acknowledged: they come again").isZero();
            assertThat(sink.dropped().count()).isZero();
            String left = "left 3 message(s) unacknowledged: bus 'loopback' (class path) delivers them again at the"
                    + " next start";
            String lost = "drain time of 500ms ran out; 3 queued messages were not handled";
            assertThat(log.messages(deliversAgain ? Level.INFO : Level.WARN)).contains(deliversAgain ? left : lost);
            assertThat(log.messages()).doesNotContain(deliversAgain ? lost : left)
                    .filteredOn(m -> m.startsWith("stopped the nodes of ")).singleElement().isEqualTo(deliversAgain
                            ? "stopped the nodes of " + file : "stopped the nodes of " + file + ", not all in time:"
                            + " queued messages were lost");
        }
    }

    @Test
    void aSinkThatDoesNotStopWithinTheDrainTimeIsInterruptedAndTheStopIsNotClean() throws Exception {
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = start(Duration.ofMillis(500), """
                    src { type = test-sequence, publish-topic = t, count = 3 }
                    sink { type = test-collector, subscribe-topic = t, delay = 1h }
                    """);
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.ATTEMPTS.get("sink").get() >= 1);
            assertThat(pipeline.stop()).isFalse();
            assertThat(log.messages()).anyMatch(m -> m.matches("waiting up to 500ms for node sink to stop: [0-3]"
                    + " messages? queued")).contains("node sink did not stop within 1500ms (drain-timeout 500ms, and 1s"
                    + " to finish); interrupting it");
        }
    }

    /**
     * Nodes of one kind share their deadline: two stuck sinks are both interrupted at it, where the
     * second got its whole drain time again after the first's (a stop past the systemd unit's 30 s,
     * and a SIGKILL, with three stuck sinks).
     */
    @Test
    void stuckSinksAreInterruptedTogetherAtTheirSharedDeadline() throws Exception {
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = start(Duration.ofSeconds(2), """
                    src { type = test-sequence, publish-topic = t, count = 3 }
                    first { type = test-collector, subscribe-topic = t, delay = 1h }
                    second { type = test-collector, subscribe-topic = t, delay = 1h }
                    """);
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.ATTEMPTS.get("first").get() >= 1
                    && CollectingSink.ATTEMPTS.get("second").get() >= 1);
            assertThat(pipeline.stop()).isFalse();
            assertThat(log.messages().stream().filter(m -> m.startsWith("waiting up to ") || m.contains("interrupting")))
                    .as("the stopping thread's lines, in order").satisfiesExactly(
                            m -> assertThat(m).startsWith("waiting up to 2s for node first to stop: "),
                            m -> assertThat(m).startsWith("waiting up to 2s for node second to stop: "),
                            m -> assertThat(m).startsWith("node first did not stop within 3s"),
                            m -> assertThat(m).startsWith("node second did not stop within 3s"));
        }
    }

    /** A node that does not end when interrupted is said to, and the stop goes on without it. */
    @Test
    void aSinkThatDoesNotEndWhenInterruptedIsSaidToAndTheStopGoesOn() throws Exception {
        CollectingSink.deafUntil = new CountDownLatch(1);
        try (LogCapture log = LogCapture.of("msight")) {
            Pipeline pipeline = start(Duration.ZERO, """
                    src { type = test-sequence, publish-topic = t, count = 1 }
                    sink { type = test-collector, subscribe-topic = t, deaf-to-interrupts = true }
                    """);
            await().atMost(Waits.GENEROUS).until(() -> CollectingSink.ATTEMPTS.get("sink").get() >= 1);
            assertThat(pipeline.stop()).isFalse();
            assertThat(log.messages()).containsSubsequence(
                    "node sink did not stop within 1s (drain-timeout 0s, and 1s to finish); interrupting it",
                    "node sink did not end within 2s of its interrupt; the stop goes on without it");
        } finally {
            CollectingSink.deafUntil.countDown(); // its thread ends: not into a later test's lines
        }
        Thread sink = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("node-sink")).findFirst().orElse(null);
        if (sink != null) {
            sink.join(Waits.GENEROUS.toMillis());
            assertThat(sink.isAlive()).as("the sink's thread, once let go").isFalse();
        }
    }

    @Test
    void aSinkThatThrowsIsRestartedAndGoesOn() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = t, count = 21, interval = 5ms }
                sink {
                  type = test-collector, subscribe-topic = t, queue-capacity = 100, fail-every = 5
                  restart-backoff { initial = 10ms, max = 20ms }
                }
                """);
        await().atMost(Waits.GENEROUS).until(() -> received("sink").contains(21L));
        assertThat(pipeline.stop()).isTrue();
        // every 5th call fails and that message is lost; the node is reopened and goes on
        List<Long> expected = range(1, 21, 1).stream().filter(n -> n % 5 != 0).toList();
        assertThat(received("sink")).isEqualTo(expected);
    }

    @Test
    void whenEverySourceHasFinishedThePipelineStopsOnceTheSinksDrained() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = start("""
                    src { type = test-sequence, publish-topic = t, count = 30, finish = true }
                    sink { type = test-collector, subscribe-topic = t, queue-capacity = 100, delay = 10ms }
                    """);
            CompletableFuture.runAsync(() -> {
                try {
                    pipeline.awaitStopRequest();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(pipeline.stop()).isTrue();
            assertThat(received("sink")).isEqualTo(range(1, 30, 1));
            assertThat(log.messages()).filteredOn(m -> m.contains("finished")).containsExactly(
                    "finished: the sequence ended after 30",
                    "every source has finished: stopping once the sinks have drained");
            assertThat(pipeline.nodeStats().get(0).state()).isEqualTo(NodeStats.State.FINISHED);
        }
    }

    @Test
    void anUnrecoverableFailureIsLoggedOnceAndStopsTheNodeForGood() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = start("""
                    src {
                      type = test-sequence, publish-topic = t, unrecoverable = "libva-drm.so.2 is missing: apt-get install libva-drm2"
                      restart-backoff { initial = 10ms, max = 10ms }
                    }
                    sink { type = test-collector, subscribe-topic = t }
                    """);
            CompletableFuture.runAsync(() -> {
                try {
                    pipeline.awaitStopRequest();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            // no source left: the pipeline stops, and says it did not go well
            assertThat(pipeline.stop()).isFalse();
            assertThat(log.messages()).filteredOn(m -> m.contains("libva")).containsExactly(
                    "stopped for good: libva-drm.so.2 is missing: apt-get install libva-drm2");
            NodeStats src = pipeline.nodeStats().get(0);
            assertThat(src.state()).isEqualTo(NodeStats.State.FAILED);
            assertThat(src.restarts().count()).isZero();
        }
    }

    @Test
    void aPluginBuiltAgainstAnotherApiStopsForGoodWithAHintInsteadOfRestartingForever() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = start("""
                    src {
                      type = test-sequence, publish-topic = t, missing-method = "'void org.msight.api.NodeContext.x()'"
                      restart-backoff { initial = 10ms, max = 10ms }
                    }
                    other { type = test-sequence, publish-topic = t, interval = 10ms }
                    sink {
                      type = test-collector, subscribe-topic = t, missing-class = "com/example/Helper"
                      restart-backoff { initial = 10ms, max = 10ms }
                    }
                    """);
            await().atMost(Waits.GENEROUS).until(() -> pipeline.nodeStats().stream()
                    .filter(node -> node.state() == NodeStats.State.FAILED).count() == 2);
            assertThat(log.messages()).filteredOn(m -> m.startsWith("stopped for good")).containsExactlyInAnyOrder(
                    "stopped for good: the plugin does not match this runtime (rebuild it against the msight-api in"
                            + " the distribution's sdk/ folder): NoSuchMethodError: 'void org.msight.api.NodeContext.x()'",
                    "stopped for good: the plugin cannot run here (a class or native library it needs is missing or"
                            + " failed to load): NoClassDefFoundError: com/example/Helper");
            assertThat(pipeline.nodeStats().get(0).restarts().count()).isZero();
            assertThat(pipeline.nodeStats().get(2).restarts().count()).isZero();
            assertThat(pipeline.stop()).as("nodes stopped for good").isFalse();
        }
    }

    @Test
    void aSinkStuckInItsPutIsSaidToBeAndSoIsItsReturn() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight.stats-interval = 100ms
                nodes {
                  src { type = test-sequence, publish-topic = t, count = 3 }
                  sink { type = test-collector, subscribe-topic = t, delay = 1500ms }
                }
                """);
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            log.await("a stuck line", m -> m.matches("stuck: its put has not returned for [0-9.]+ s \\(one message\\);"
                    + " [0-2] queued behind it, the oldest dropped when the queue is full"));
            log.await("a line when it returned", m -> m.matches("its put returned, after more than [0-9.]+ s"));
            pipeline.stop();
        }
    }

    @Test
    void aStopCutsShortASinksWaitInOpenAndTheSinkDrainsWhatIsQueued() throws Exception {
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = start("""
                    src { type = test-sequence, publish-topic = t, count = 5 }
                    sink { type = test-collector, subscribe-topic = t, queue-capacity = 100, open-delay = 1h }
                    """);
            NodeStats sink = pipeline.nodeStats().get(1);
            await().atMost(Waits.GENEROUS).until(() -> sink.queueDepth() == 5);
            assertThat(pipeline.stop()).as("stopped in time, nothing lost").isTrue();
            assertThat(received("sink")).isEqualTo(range(1, 5, 1));
            assertThat(log.messages()).contains("open-delay cut short: stopping")
                    .noneMatch(m -> m.contains("interrupting"));
        }
    }

    @Test
    void aSinkStoppedForGoodEndsItsSubscriptionTakesNoMoreMessagesAndTheOtherNodesGoOn() throws Exception {
        // the loopback bus logs a subscription ended and goes on delivering to it, as a bus without unsubscribe does
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, registry.enabled = false }
                nodes {
                  src { type = test-sequence, publish-topic = t, count = 100000, interval = 2ms }
                  broken { type = test-collector, subscribe-topic = t, unrecoverable = "the token was revoked" }
                  sink { type = test-collector, subscribe-topic = t }
                }
                """);
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            NodeStats broken = pipeline.nodeStats().get(1);
            await().atMost(Waits.GENEROUS).until(() -> broken.state() == NodeStats.State.FAILED);
            int receivedThen = received("sink").size();
            await().atMost(Waits.GENEROUS).until(() -> log.messages().contains(
                    "node broken unsubscribed from topic 't'"));
            // what still reaches the stopped sink is counted and dropped, not queued for nobody
            await().atMost(Waits.GENEROUS).until(() -> broken.dropped().count() > 0);
            await().atMost(Waits.GENEROUS).until(() -> received("sink").size() > receivedThen + 10);
            assertThat(broken.in().count()).isOne();
            assertThat(broken.queueDepth()).isZero();
            assertThat(pipeline.failure()).isEmpty();
            assertThat(pipeline.stop()).as("a node stopped for good").isFalse();
            assertThat(log.messages()).contains("stopped for good: the token was revoked")
                    .anyMatch(m -> m.matches("1 queued message was not handled|[0-9]+ queued messages were not handled"));
            assertThat(log.messages()).filteredOn(m -> m.contains("unsubscribed")).as("a stop ends no subscription")
                    .containsExactly("node broken unsubscribed from topic 't'");
            assertThat(log.messages()).filteredOn(m -> m.startsWith("stopped the nodes of ")).singleElement()
                    .asString().endsWith(file + "; broken had stopped for good");
        }
    }

    @Test
    void aNodeStoppedForGoodShowsAsErrorAndAFinishedOneAsStoppedInMsightsRegistryWhileTheOthersRun()
            throws Exception {
        try (RedisTestServer redis = new RedisTestServer().start();
                Jedis raw = new Jedis("127.0.0.1", redis.port())) {
            Path file = TestPipelines.write(dir, "pipeline.conf", """
                    msight { registry.enabled = true, redis.port = %d }
                    nodes {
                      src { type = test-sequence, publish-topic = t, count = 100000, interval = 2ms }
                      broken { type = test-collector, subscribe-topic = t, unrecoverable = "the token was revoked" }
                      done { type = test-sequence, publish-topic = u, count = 1, finish = true }
                    }
                    """.formatted(redis.port()));
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            try {
                await().atMost(Waits.GENEROUS).until(() -> String.valueOf(raw.hget(NodeRegistry.NODES, "broken"))
                        .contains("\"status\": \"ERROR\""));
                await().atMost(Waits.GENEROUS).until(() -> String.valueOf(raw.hget(NodeRegistry.NODES, "done"))
                        .contains("\"status\": \"STOPPED\""));
                assertThat(raw.hget(NodeRegistry.NODES, "src")).contains("\"status\": \"RUNNING\"");
            } finally {
                assertThat(pipeline.stop()).as("a node stopped for good").isFalse();
            }
        }
    }

    @Test
    void aHeartbeatFailingBeyondItsToleranceStopsThePipelineWithOneErrorLinePerNode() throws Exception {
        try (RedisTestServer redis = new RedisTestServer().start(); Jedis raw = new Jedis("127.0.0.1", redis.port());
                LogCapture log = LogCapture.all()) {
            Path file = TestPipelines.write(dir, "pipeline.conf", """
                    msight.redis.port = %d
                    msight.registry {
                      enabled = true
                      heartbeat { update-interval = 100ms, stale-after = 1s, tolerance = 300ms, checking-duration = 100ms }
                    }
                    nodes {
                      src { type = test-sequence, publish-topic = t, count = 100000, interval = 2ms }
                      sink { type = test-collector, subscribe-topic = t }
                    }
                    """.formatted(redis.port()));
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            raw.configSet("min-replicas-to-write", "1"); // Redis answers, and refuses the heartbeats: NOREPLICAS
            assertThat(pipeline.awaitStopRequest(Waits.GENEROUS)).as("the pipeline stopped by itself").isTrue();
            pipeline.stop();
            assertThat(pipeline.failure()).hasValueSatisfying(reason -> assertThat(reason)
                    .matches("node (src|sink) is not sending heartbeat .*"));
            assertThat(log.messages(Level.WARN)).as("why the pipeline stops, said where it stops")
                    .filteredOn(m -> m.startsWith("stopped the nodes of ")).singleElement().asString()
                    .matches("stopped the nodes of .*; the pipeline failed: node (src|sink) is not sending heartbeat .*");
            for (String node : List.of("src", "sink")) {
                assertThat(log.messages(Level.ERROR)).filteredOn(m -> m.contains(node + " is not sending heartbeat"))
                        .singleElement().asString().startsWith("Node " + node + " is not sending heartbeat")
                        .endsWith("Stopping it (action on error: stop)");
            }
        }
    }

    @Test
    void aPipelineWhoseLastRunningNodeStopsForGoodFails() throws Exception {
        Path file = TestPipelines.write(dir, "pipeline.conf", """
                msight.stop-when-sources-finish = false
                nodes {
                  src { type = test-sequence, publish-topic = t, count = 1, finish = true }
                  sink { type = test-collector, subscribe-topic = t, unrecoverable = "the token was revoked" }
                }
                """);
        try (LogCapture log = LogCapture.all()) {
            Pipeline pipeline = TestPipelines.load(file).create();
            pipeline.start();
            assertThat(pipeline.awaitStopRequest(Waits.GENEROUS)).as("the pipeline stopped by itself").isTrue();
            assertThat(pipeline.stop()).isFalse();
            assertThat(pipeline.failure()).contains("no node left running (sink stopped for good)");
            // the message it failed on is not acknowledged, and no drain ran out
            assertThat(log.messages()).contains("1 queued message was not handled")
                    .noneMatch(m -> m.startsWith("drain time"));
        }
    }

    @Test
    void aPipelineWhoseSourcesFinishWithASinkStoppedForGoodFailsWhicheverEndedFirst() throws Exception {
        Pipeline pipeline = start("""
                src { type = test-sequence, publish-topic = t, count = 20, finish = true }
                sink { type = test-collector, subscribe-topic = t, unrecoverable = "the token was revoked" }
                """);
        assertThat(pipeline.awaitStopRequest(Waits.GENEROUS)).as("the pipeline stopped by itself").isTrue();
        assertThat(pipeline.stop()).isFalse();
        assertThat(pipeline.failure()).contains("every source has finished (sink stopped for good)");
    }
}

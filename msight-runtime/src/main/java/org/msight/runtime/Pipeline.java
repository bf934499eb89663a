package org.msight.runtime;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.msight.api.AsyncSinkNode;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.Node;
import org.msight.api.NodeKind;
import org.msight.api.ProcessorNode;
import org.msight.api.Setting;
import org.msight.api.SinkNode;
import org.msight.api.SourceNode;
import org.msight.api.data.MsightFormats;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Buses;
import org.msight.runtime.bus.Inbox;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.NodeSpec;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.runtime.config.PipelineSpec;
import org.msight.api.Backoff;
import org.msight.runtime.http.LatestImages;
import org.msight.runtime.node.AsyncDelivery;
import org.msight.runtime.node.DeliverySettings;
import org.msight.runtime.node.InboxRunner;
import org.msight.runtime.node.NodeRunner;
import org.msight.runtime.node.NodeStats;
import org.msight.runtime.node.RuntimeNodeContext;
import org.msight.runtime.node.SourceRunner;
import org.msight.runtime.node.ThroughputReporter;
import org.msight.runtime.registry.NodeRecord;
import org.msight.runtime.registry.NodeRegistry;
import org.msight.runtime.registry.NodeStatus;
import org.msight.runtime.registry.TopicRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running pipeline: its nodes, each on its own thread, joined by buses, and registered in
 * MSight's node registry when there is one. Stopping stops the sources first, then lets
 * processors and sinks drain their inboxes within the drain limit. When every source has
 * finished (its input ended), the pipeline stops by itself, unless
 * {@code msight.stop-when-sources-finish} is false.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger("msight.runtime");
    private static final Duration SOURCE_STOP_LIMIT = Duration.ofSeconds(5);
    /** How long a node may take to stop before a line says what holds it up. */
    private static final Duration HOLD_UP_NOTICE = Duration.ofSeconds(1);
    /** How long nodes interrupted at their kind's deadline get to end, together. */
    private static final Duration INTERRUPTED_STOP_LIMIT = Duration.ofSeconds(2);
    /** How often a stop during the start interrupts its thread again, ending a wait whose client swallowed one. */
    private static final long REINTERRUPT_MILLIS = 100;

    private final PipelineSpec spec;
    private final Buses buses;
    private final PrometheusMeterRegistry meters;
    private final LatestImages latestImages;
    private final List<NodeRunner> runners;
    private final ThroughputReporter reporter;
    private final NodeRegistry registry;
    /** Counted down once a stop is requested; the nodes' contexts end their pauses then. */
    private final CountDownLatch stopRequested;
    private final AtomicReference<String> failure = new AtomicReference<>();
    /** Whether {@link #start()} started the nodes: not before it, nor when it failed or a stop cut it short. */
    private volatile boolean started;
    /** The thread in {@link #start()} while it registers and starts the buses, which a stop interrupts; or null. */
    private Thread connecting; // guarded by this
    /** Whether a stop interrupts {@link #connecting}, from a thread of its own until {@link #endConnecting()}. */
    private boolean connectingInterrupted; // guarded by this
    private final AtomicBoolean closedUnstarted = new AtomicBoolean();

    private Pipeline(PipelineSpec spec, Buses buses, PrometheusMeterRegistry meters, LatestImages latestImages,
            List<NodeRunner> runners, ThroughputReporter reporter, NodeRegistry registry,
            CountDownLatch stopRequested) {
        this.spec = spec;
        this.buses = buses;
        this.meters = meters;
        this.latestImages = latestImages;
        this.runners = runners;
        this.reporter = reporter;
        this.registry = registry;
        this.stopRequested = stopRequested;
    }

    /**
     * Creates every node of {@code spec} and the buses of its topics. Nothing connects or runs yet.
     *
     * @param formats MSight's formats with the data types of the pipeline's plugins
     * @param registry MSight's node registry, or {@code null} for none
     * @throws PipelineConfigException when a node or a bus rejects its settings; what was made by
     *     then is closed (the spools of the nodes made before are free)
     */
    public static Pipeline create(PipelineSpec spec, MsightFormats formats, NodeRegistry registry)
            throws PipelineConfigException {
        return create(spec, formats, registry, false);
    }

    /**
     * Creates every node of {@code spec} and the buses of its topics as {@link #create} does, to
     * find what they reject, and drops them: nothing outside the process is touched, not even a
     * spool's directory (a running pipeline may be using it).
     *
     * @throws PipelineConfigException when a node or a bus rejects its settings
     */
    public static void check(PipelineSpec spec, MsightFormats formats) throws PipelineConfigException {
        create(spec, formats, null, true).buses.close();
    }

    /** @param checkOnly whether the pipeline is only checked: no spool is opened */
    private static Pipeline create(PipelineSpec spec, MsightFormats formats, NodeRegistry registry, boolean checkOnly)
            throws PipelineConfigException {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LatestImages latestImages = new LatestImages(topicsOf(spec));
        List<ConfigProblem> problems = new ArrayList<>();
        Buses buses = Buses.create(spec, formats, meters, problems); // a publisher on a bus refused gets none
        List<NodeRunner> runners = new ArrayList<>();
        List<NodeStats> stats = new ArrayList<>();
        Map<Path, String> spoolOwners = new HashMap<>();
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (NodeKind kind : List.of(NodeKind.SOURCE, NodeKind.PROCESSOR, NodeKind.SINK)) {
            for (NodeSpec node : spec.nodes()) {
                if (node.kind() == kind) {
                    NodeStats nodeStats = new NodeStats(node.name(), node.kind(), meters);
                    RuntimeNodeContext context = new RuntimeNodeContext(node, spec.deviceName(),
                            node.publishTopic().map(buses::of).orElse(null),
                            node.publishTopic().map(buses::describe).orElse(null), formats, nodeStats, latestImages,
                            stopRequested, nodesOfType(spec, node));
                    String path = "nodes." + ConfigProblem.quoted(node.name());
                    try {
                        Optional<DeliverySettings> deliverySettings = node.type().provider().asynchronous()
                                ? Optional.of(DeliverySettings.from(node.config())) : Optional.empty();
                        // claimed before the plugin creates the node: one it fails to create still has its spool
                        Optional<String> sharedSpool = deliverySettings.flatMap(settings -> sharedSpool(node, settings,
                                spoolOwners));
                        sharedSpool.ifPresent(problem -> problems.add(
                                ConfigProblem.reported(node.config(), path, node.location(), problem)));
                        List<String> topicProblems = buses.topicProblems(node);
                        topicProblems.forEach(problem -> problems.add(
                                ConfigProblem.reported(node.config(), path, node.location(), problem)));
                        Node created = createNode(node, context); // its own problems are told with the topics'
                        if (sharedSpool.isEmpty() && topicProblems.isEmpty()) {
                            runners.add(runnerFor(node, created, context, nodeStats, buses, spec.drainTimeout(),
                                    latestImages, checkOnly ? deliverySettings.map(DeliverySettings::withoutSpool)
                                            : deliverySettings));
                            stats.add(nodeStats);
                        }
                    } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
                        problems.add(ConfigProblem.reported(node.config(), path, node.location(), e.getMessage()));
                    } catch (RuntimeException | LinkageError e) {
                        // a plugin's bug, not the file's: still one line, and the file is not run
                        problems.add(new ConfigProblem(node.location(), path, "node type '" + node.type().name()
                                + "' (" + node.type().plugin() + ") failed to create the node: " + e));
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            runners.forEach(NodeRunner::discard); // a program that goes on (a test run) may open their spools again
            buses.close();
            throw new PipelineConfigException(problems);
        }
        for (String bus : spec.buses().keySet()) {
            io.micrometer.core.instrument.Gauge.builder("msight.bus.connected", buses, b -> b.connected(bus) ? 1 : 0)
                    .tag("bus", bus).description("1 while the bus's connections work").register(meters);
        }
        if (registry != null) {
            FunctionCounter.builder("msight.registry.heartbeat.outages", registry, NodeRegistry::heartbeatOutages)
                    .description("outages of the node registry's heartbeat that ended").register(meters);
        }
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        return new Pipeline(spec, buses, meters, latestImages, runners, new ThroughputReporter(stats,
                spec.statsInterval()), registry, stopRequested);
    }

    private static int nodesOfType(PipelineSpec spec, NodeSpec node) {
        return (int) spec.nodes().stream().filter(other -> other.type().name().equals(node.type().name())).count();
    }

    private static Set<String> topicsOf(PipelineSpec spec) {
        Set<String> topics = new TreeSet<>();
        for (NodeSpec node : spec.nodes()) {
            node.publishTopic().ifPresent(topics::add);
            node.subscribeTopic().ifPresent(topics::add);
        }
        return topics;
    }

    private static Node createNode(NodeSpec spec, RuntimeNodeContext context) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(spec.type().classLoader());
        try {
            Node node = spec.type().provider().create(context);
            Class<?> expected = switch (spec.kind()) {
                case SOURCE -> SourceNode.class;
                case SINK -> spec.type().provider().asynchronous() ? AsyncSinkNode.class : SinkNode.class;
                case PROCESSOR -> ProcessorNode.class;
            };
            if (!expected.isInstance(node)) {
                throw new IllegalStateException("node type '" + spec.type().name() + "' (" + spec.type().plugin()
                        + ") declares kind " + spec.kind() + " but created a " + node.getClass().getName());
            }
            return node;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Claims the spool of an asynchronous sink for {@code node}, from its settings alone: the
     * problem when a node before it has that folder.
     */
    private static Optional<String> sharedSpool(NodeSpec node, DeliverySettings settings,
            Map<Path, String> spoolOwners) {
        return settings.spool().flatMap(spool -> Optional.ofNullable(
                spoolOwners.putIfAbsent(spool.toAbsolutePath().normalize(), node.name())).map(owner -> "spool.path: "
                        + spool + " is node " + owner + "'s spool too; give each node a directory of its own"));
    }

    /** @param deliverySettings an asynchronous sink's, without its spool for a pipeline only checked */
    private static NodeRunner runnerFor(NodeSpec spec, Node node, RuntimeNodeContext context, NodeStats stats,
            Buses buses, Duration drainTimeout, LatestImages latestImages,
            Optional<DeliverySettings> deliverySettings) {
        Backoff backoff = new Backoff(spec.restartBackoffInitial(), spec.restartBackoffMax());
        ClassLoader loader = spec.type().classLoader();
        if (node instanceof SourceNode source) {
            return new SourceRunner(spec.name(), source, context.logger(), stats, loader, backoff);
        }
        Inbox inbox = new Inbox(spec.queueCapacity(), spec.queueMaxBytes(), stats.dropped(), stats.malformed());
        String topic = spec.subscribeTopic().orElseThrow();
        Subscription subscription = new Subscription(topic, spec.name(), spec.group(), inbox);
        buses.subscribe(subscription);
        AsyncDelivery delivery = null;
        if (node instanceof AsyncSinkNode asyncSink) {
            delivery = new AsyncDelivery(spec.name(), asyncSink, deliverySettings.orElseThrow(), context.formats(),
                    context.logger(), data -> {
                        stats.out().increment();
                        stats.handled(data);
                    }, stats::attemptTook, stats::counter);
            delivery.reportOutagesTo(stats);
        }
        return new InboxRunner(spec.name(), node, context.logger(), stats, loader, backoff, inbox, topic,
                buses.describe(topic), spec.gap(), drainTimeout, data -> latestImages.offer(topic, data),
                context, delivery, () -> buses.unsubscribe(subscription));
    }

    /**
     * Registers the nodes, then starts them, sinks first so no early message is missed, and the
     * throughput lines. A stop requested before or while the nodes register and the buses start
     * ({@link #requestStop()}, as on SIGINT and SIGTERM) interrupts that thread until that stretch
     * ends, ending such waits as a bus's for its server, a client's that swallowed an interrupt too:
     * what they opened is closed, a line says so, and this returns without starting the nodes,
     * leaving {@link #stop()} nothing to stop.
     *
     * @throws org.msight.runtime.registry.DuplicateNodeException when a live node has a name of ours
     * @throws org.msight.redis.RedisAccessException when the registry's Redis cannot be used
     * @throws IllegalStateException when a bus's server refuses its settings
     */
    public void start() {
        try {
            if (beginConnecting()) {
                if (registry != null) {
                    boolean replace = spec.msight().getBoolean("registry.replace");
                    for (NodeSpec node : spec.nodes()) {
                        registry.register(recordOf(node), topicsOf(node), replace, reason -> failLoggedAlready("node "
                                + node.name() + " " + reason));
                    }
                }
                buses.start();
            }
        } catch (RuntimeException | Error e) { // an Error too: a bus may have started a thread that keeps the JVM up
            if (!endConnecting() || e instanceof Error) {
                closeUnstarted();
                throw e;
            }
            LOG.debug("the start ended on the stop: {}", LogSafe.text(e)); // such as "interrupted while connecting"
        }
        if (endConnecting()) {
            LOG.info("the stop came during the start: the nodes of {} did not run", spec.file());
            closeUnstarted(); // the buses' closes are waited for: this thread's interrupt was the stop's, and is spent
            return;
        }
        started = true;
        boolean stopWhenSourcesFinish = spec.msight().getBoolean("stop-when-sources-finish");
        if (registry != null) { // before they run: a node that stops for good at once then shows ERROR
            spec.nodes().forEach(node -> registry.status(node.name(), NodeStatus.RUNNING));
        }
        for (int i = runners.size() - 1; i >= 0; i--) {
            NodeRunner runner = runners.get(i);
            runner.onEnd(() -> nodeEnded(runner, stopWhenSourcesFinish));
            runner.start();
        }
        reporter.start();
        LOG.info("started {} node{} of {} on the {} bus{}", runners.size(), runners.size() == 1 ? "" : "s", spec.file(),
                String.join(" and ", spec.buses().keySet()), spec.buses().size() == 1 ? "" : "es");
    }

    /** Lets a stop interrupt this thread from now on; whether to go on registering and connecting: no stop yet. */
    private synchronized boolean beginConnecting() {
        if (stopRequested.getCount() == 0) {
            return false;
        }
        connecting = Thread.currentThread();
        return true;
    }

    /**
     * Ends what {@link #beginConnecting()} began, if it did: no stop interrupts this thread any more,
     * and the interrupt a stop gave it is cleared, so no wait of the run after it takes it for one.
     *
     * @return whether a stop was requested by now
     */
    private synchronized boolean endConnecting() {
        connecting = null; // first: no interrupt comes after the one cleared below
        notifyAll(); // the interrupting thread ends
        if (connectingInterrupted) {
            connectingInterrupted = false;
            Thread.interrupted();
        }
        return stopRequested.getCount() == 0;
    }

    /** Interrupts the thread in {@link #start()} while it registers and starts the buses, on a thread of its own. */
    private synchronized void interruptConnecting() {
        if (connecting != null && !connectingInterrupted) {
            connectingInterrupted = true;
            DaemonThreads.start("msight-stop-during-start", this::interruptUntilConnectingEnds);
        }
    }

    /**
     * Interrupts {@link #connecting} now and every {@link #REINTERRUPT_MILLIS} until {@link #endConnecting()}:
     * a client that takes an interrupt for a failure, clearing it (jnats, which then tries its next
     * server), has the next one at its next wait.
     */
    private synchronized void interruptUntilConnectingEnds() {
        try {
            while (connecting != null) {
                connecting.interrupt();
                wait(REINTERRUPT_MILLIS); // notified by endConnecting
            }
        } catch (InterruptedException e) { // nothing interrupts this thread: it ends
            Thread.currentThread().interrupt();
        }
    }

    /** Closes, once, what {@link #create} opened for nodes that never ran: the connections and the spools. */
    private void closeUnstarted() {
        if (closedUnstarted.compareAndSet(false, true)) {
            closeConnections();
            runners.forEach(NodeRunner::discard);
        }
    }

    /**
     * Closes the buses and the registry, which removes the entries of our nodes.
     *
     * @return whether every bus closed in time
     */
    private boolean closeConnections() {
        boolean busesClosed = buses.close();
        if (registry != null) {
            registry.close();
        }
        return busesClosed;
    }

    private NodeRecord recordOf(NodeSpec node) {
        return NodeRecord.of(node.name(), spec.deviceName(), node.publishTopic().orElse(null),
                node.subscribeTopic().orElse(null), node.registryType());
    }

    /** The topics a node uses, as MSight registers them when missing: subscribers as {@code SensorData}. */
    private static List<TopicRecord> topicsOf(NodeSpec node) {
        List<TopicRecord> topics = new ArrayList<>();
        node.publishTopic().ifPresent(topic -> topics.add(new TopicRecord(topic, "published by " + node.name()
                + " (" + node.type().name() + ")", node.type().provider().publishedDataType())));
        node.subscribeTopic().ifPresent(topic -> topics.add(new TopicRecord(topic, "subscribed by " + node.name()
                + " (" + node.type().name() + ")", SensorData.TAG)));
        return topics;
    }

    /**
     * After a node ended by itself (finished, or stopped for good): it shows in MSight's registry
     * as {@code STOPPED}, or {@code ERROR} when it stopped for good; stops the pipeline once every
     * source has ended (with {@code stop-when-sources-finish}), failing it when any node stopped for
     * good; fails it once no node is left running and one stopped for good (a sink in a pipeline
     * without sources, as a launcher's uploader, leaves nothing to do).
     */
    private void nodeEnded(NodeRunner ended, boolean stopWhenSourcesFinish) {
        if (registry != null) {
            try {
                registry.status(ended.name(), ended.stats().state() == NodeStats.State.FAILED
                        ? NodeStatus.ERROR : NodeStatus.STOPPED);
            } catch (IllegalArgumentException e) {
                // a node that ended after the stop gave up on it: its entry was removed at close
            }
        }
        // each node's state read once: judged on states read at different times, a source finishing
        // meanwhile made a sink's end "no node left running" where the source's own says "every source"
        List<NodeState> all = states();
        List<NodeState> sources = all.stream().filter(node -> node.stats().kind() == NodeKind.SOURCE).toList();
        List<String> failed = failedAmong(all);
        String stoppedForGood = " (" + String.join(", ", failed) + " stopped for good)";
        if (stopWhenSourcesFinish && !sources.isEmpty() && sources.stream().allMatch(NodeState::ended)) {
            if (failed.isEmpty()) {
                LOG.info("every source has finished: stopping once the sinks have drained");
                requestStop();
            } else {
                fail((failedAmong(sources).isEmpty() ? "every source has finished" : "no source left running")
                        + stoppedForGood);
            }
        } else if (!failed.isEmpty() && all.stream().allMatch(NodeState::ended)) {
            fail("no node left running" + stoppedForGood);
        }
    }

    /** Each node's state, read once. */
    private List<NodeState> states() {
        return nodeStats().stream().map(node -> new NodeState(node, node.state())).toList();
    }

    /** A node's state as read once. */
    private record NodeState(NodeStats stats, NodeStats.State state) {

        boolean ended() {
            return state == NodeStats.State.FINISHED || state == NodeStats.State.FAILED;
        }
    }

    private static List<String> failedAmong(List<NodeState> nodes) {
        return nodes.stream().filter(node -> node.state() == NodeStats.State.FAILED).map(node -> node.stats().node())
                .toList();
    }

    /** What the HTTP endpoint shows: the stats of every node, in pipeline order (sources first). */
    public List<NodeStats> nodeStats() {
        return runners.stream().map(NodeRunner::stats).toList();
    }

    /** Whether the connections of each bus work now ({@link org.msight.api.bus.Bus#connected()}), in file order. */
    public Map<String, Boolean> busesConnected() {
        Map<String, Boolean> connected = new LinkedHashMap<>();
        spec.buses().keySet().forEach(bus -> connected.put(bus, buses.connected(bus)));
        return connected;
    }

    /** Why a bus is not connected, for those that say ({@link org.msight.api.bus.Bus#outage()}). */
    public Optional<String> busOutage(String bus) {
        return buses.outage(bus);
    }

    /** The pipeline's meters, in Prometheus form. */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The newest image of each watched topic. */
    public LatestImages latestImages() {
        return latestImages;
    }

    /** The validated pipeline this runs. */
    public PipelineSpec spec() {
        return spec;
    }

    /**
     * Waits for nodes asked to stop at {@code askedAt} ({@link System#nanoTime}) until {@code limit}
     * after that, their shared deadline; says what holds up each one still running a second after
     * it was asked.
     *
     * @return those still running at the deadline
     */
    private static List<NodeRunner> awaitStopped(List<NodeRunner> asked, long askedAt, Duration limit)
            throws InterruptedException {
        Duration left = limit.minus(HOLD_UP_NOTICE);
        List<NodeRunner> running = new ArrayList<>();
        for (NodeRunner runner : asked) {
            if (!runner.awaitFinished(left(askedAt, HOLD_UP_NOTICE))) {
                running.add(runner);
                if (!left.isNegative() && !left.isZero()) {
                    LOG.info("waiting up to {} for node {} to stop: {}", Setting.written(left), runner.name(),
                            runner.stopState());
                }
            }
        }
        List<NodeRunner> late = new ArrayList<>();
        for (NodeRunner runner : running) {
            if (!runner.awaitFinished(left(askedAt, limit))) {
                late.add(runner);
            }
        }
        return late;
    }

    /**
     * {@code nodes} in groups to stop one after the other, each group before the nodes its nodes
     * publish to: a processor that drains into another finds its inbox open. Nodes whose topics
     * make a loop are stopped together, last.
     */
    private List<List<NodeRunner>> upstreamFirst(List<NodeRunner> nodes) {
        Map<String, NodeSpec> specs = new HashMap<>();
        spec.nodes().forEach(node -> specs.put(node.name(), node));
        List<List<NodeRunner>> groups = new ArrayList<>();
        List<NodeRunner> left = new ArrayList<>(nodes);
        while (!left.isEmpty()) {
            Set<String> fed = left.stream().flatMap(r -> specs.get(r.name()).publishTopic().stream())
                    .collect(Collectors.toSet());
            List<NodeRunner> unfed = left.stream()
                    .filter(r -> specs.get(r.name()).subscribeTopic().filter(fed::contains).isEmpty()).toList();
            List<NodeRunner> group = unfed.isEmpty() ? List.copyOf(left) : unfed;
            groups.add(group);
            left.removeAll(group);
        }
        return groups;
    }

    /**
     * Stops {@code nodes} together, within the stop limit of their kind counted from {@code since},
     * interrupting those late.
     *
     * @return whether every one stopped in time, having handled what it had queued
     */
    private boolean stopTogether(List<NodeRunner> nodes, NodeKind kind, long since) throws InterruptedException {
        Duration limit = kind == NodeKind.SOURCE ? SOURCE_STOP_LIMIT : spec.drainTimeout().plusSeconds(1);
        nodes.forEach(NodeRunner::requestStop);
        List<NodeRunner> late = awaitStopped(nodes, since, limit);
        for (NodeRunner runner : late) { // all at the deadline: a stuck node does not push back the next one's
            LOG.warn("node {} did not stop within {}{}; interrupting it", runner.name(), Setting.written(limit),
                    kind == NodeKind.SOURCE ? "" : " (drain-timeout " + Setting.written(spec.drainTimeout())
                            + ", and 1s to finish)");
            runner.interrupt();
        }
        long interruptedAt = System.nanoTime();
        for (NodeRunner runner : late) {
            if (!runner.awaitFinished(left(interruptedAt, INTERRUPTED_STOP_LIMIT))) {
                LOG.warn("node {} did not end within {} of its interrupt; the stop goes on without it",
                        runner.name(), Setting.written(INTERRUPTED_STOP_LIMIT));
            }
        }
        boolean inTime = late.isEmpty();
        for (NodeRunner runner : nodes) {
            if (runner.stats().state() != NodeStats.State.FAILED) { // its losses were said when it stopped
                inTime &= runner.stoppedCleanly();
            }
        }
        return inTime;
    }

    /** What is left of {@code limit} after {@code since} ({@link System#nanoTime}); zero once it passed. */
    private static Duration left(long since, Duration limit) {
        return Duration.ofNanos(Math.max(0, limit.toNanos() - (System.nanoTime() - since)));
    }

    /**
     * Asks for the pipeline to be stopped, as SIGINT and SIGTERM do; during {@link #start()}, ends
     * its waits for the registry and the buses.
     */
    public void requestStop() {
        stopRequested.countDown();
        interruptConnecting();
    }

    /** Stops the pipeline because something went wrong that the nodes cannot recover from. */
    private void fail(String reason) {
        if (failure.compareAndSet(null, reason)) {
            LOG.error("{}: stopping", reason);
        } else if (!reason.equals(failure.get())) {
            LOG.error("{}", reason);
        }
        requestStop();
    }

    /** As {@link #fail}, for a reason the registry logged already (a node's heartbeat check). */
    private void failLoggedAlready(String reason) {
        failure.compareAndSet(null, reason);
        requestStop();
    }

    /** Waits until {@link #requestStop()} is called or the pipeline fails. */
    public void awaitStopRequest() throws InterruptedException {
        stopRequested.await();
    }

    /** Why the pipeline failed (a node stopped for good with no source left, a failed heartbeat), if it did. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** As {@link #awaitStopRequest()}, for at most {@code timeout}; whether a stop was requested. */
    public boolean awaitStopRequest(Duration timeout) throws InterruptedException {
        return stopRequested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops sources first, then processors and sinks once they have drained their inboxes (within
     * {@code msight.drain-timeout}), and closes the buses. Before {@link #start()}, or after one
     * that failed or that a stop cut short, no node runs: this closes what is still open and returns
     * at once.
     *
     * @return whether every node stopped in time, having handled what it had queued, every bus closed
     *     in time, and nothing failed (no node had stopped for good either); when no node ever ran,
     *     whether nothing failed (the registry's heartbeat during the start)
     */
    public boolean stop() throws InterruptedException {
        requestStop(); // when not requested before: the nodes' pauses end
        if (!started) { // none to wait for, and nothing queued was lost
            closeUnstarted();
            return failure.get() == null;
        }
        boolean inTime = true;
        for (NodeKind kind : List.of(NodeKind.SOURCE, NodeKind.PROCESSOR, NodeKind.SINK)) {
            long since = System.nanoTime(); // one stop limit for the nodes of a kind: later groups take what is left
            for (List<NodeRunner> together : upstreamFirst(runners.stream().filter(r -> r.kind() == kind).toList())) {
                inTime &= stopTogether(together, kind, since);
            }
        }
        reporter.close();
        boolean busesClosed = closeConnections();
        meters.close();
        List<String> stoppedForGood = failedAmong(states());
        String before = stoppedForGood.isEmpty() ? "" : "; " + String.join(", ", stoppedForGood)
                + " had stopped for good";
        String failed = failure.get() == null ? "" : "; the pipeline failed: " + failure.get();
        if (!inTime) {
            LOG.warn("stopped the nodes of {}, not all in time: queued messages were lost{}{}", spec.file(), before,
                    failed);
        } else if (!stoppedForGood.isEmpty() || failure.get() != null) {
            LOG.warn("stopped the nodes of {}{}{}", spec.file(), before, failed);
        } else {
            LOG.info("stopped the nodes of {}", spec.file());
        }
        return inTime && busesClosed && stoppedForGood.isEmpty() && failure.get() == null;
    }
}

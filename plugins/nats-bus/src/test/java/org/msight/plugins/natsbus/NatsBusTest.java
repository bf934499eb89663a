package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.typesafe.config.Config;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.JwtUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.Counter;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.Inbox;
import org.msight.runtime.node.LongCounter;
import org.msight.testkit.NatsTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.Waits;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/** The nats bus against real nats-server processes, two buses standing for two processes. */
class NatsBusTest {

    private static final String TOPIC = "rtsp_topic";
    private static final Path VECTORS = Path.of("../../msight-codec/src/test/resources/vectors");
    /** A connect-timeout no stall of a loaded machine reaches; some reach the default, 2 s. */
    private static final String LONG_CONNECT_TIMEOUT = "connect-timeout = 60s";
    /** With JetStream, the consumer of node uploader without a group, on the test contexts' device. */
    private static final String UPLOADERS_OWN = JetStreamTopics.consumerOf("uploader", "test-device");
    /** The ack-wait of a consumer whose messages are redelivered here: long enough to acknowledge some first. */
    private static final Duration SHORT_ACK_WAIT = Duration.ofSeconds(2);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private NatsTestServer server;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private NatsTestServer server(NatsTestServer started) {
        closeables.add(started);
        return started;
    }

    /**
     * The settings of a bus on the test's server, {@code block} over them, with
     * {@link #LONG_CONNECT_TIMEOUT}: the client tries to connect once at start, and the start fails
     * when connecting or subscribing takes longer.
     */
    private TestBusContext context(String block) {
        return TestBusContext.of("nats", "servers = \"['" + server.url() + "']\", reconnect-wait = 100ms, "
                + LONG_CONNECT_TIMEOUT + ", " + block);
    }

    private NatsBus bus(BusContext context) {
        NatsBus bus = new NatsBus(NatsSettings.from(context.config()), context);
        closeables.add(bus);
        return bus;
    }

    /** {@code context} on another device: a process of the same pipeline file on another machine. */
    private static BusContext onDevice(String device, TestBusContext context) {
        return new BusContext() {
            @Override
            public Config config() {
                return context.config();
            }

            @Override
            public String deviceName() {
                return device;
            }

            @Override
            public MsightFormats formats() {
                return context.formats();
            }

            @Override
            public Logger logger() {
                return context.logger();
            }

            @Override
            public Counter counter(String name) {
                return context.counter(name);
            }
        };
    }

    /** A started bus with one subscriber (group or not), its queue returned. */
    private Inbox subscriber(String node, String group, BusContext context) {
        return subscriber(node, group, context, new Inbox(10_000));
    }

    private Inbox subscriber(String node, String group, BusContext context, Inbox inbox) {
        NatsBus bus = bus(context);
        bus.subscribe(new org.msight.api.bus.Subscription(TOPIC, node, Optional.ofNullable(group), inbox));
        bus.start();
        return inbox;
    }

    private NatsBus publisher() {
        NatsBus bus = bus(context(""));
        bus.start();
        return bus;
    }

    private static ImageData image(long frameId) {
        return ImageData.jpeg(new Metadata("cam", 1700000000, 1700000000.5, frameId, "edge-01"),
                new byte[] {(byte) 0xff, (byte) 0xd8, (byte) frameId}, 8, 16);
    }

    /** A frame whose JPEG bytes are {@code size} long. */
    private static ImageData image(long frameId, int size) {
        byte[] jpeg = new byte[size];
        jpeg[0] = (byte) 0xff;
        jpeg[1] = (byte) 0xd8;
        return ImageData.jpeg(new Metadata("cam", 1700000000, 1700000000.5, frameId, "edge-01"), jpeg, 8, 16);
    }

    /** Every frame id in the queue now, each delivery done. */
    private static List<Long> drain(Inbox inbox) throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        for (Delivery next = inbox.poll(0, TimeUnit.MILLISECONDS); next != null;
                next = inbox.poll(0, TimeUnit.MILLISECONDS)) {
            ids.add(next.data().metadata().frameId());
            next.done();
        }
        return ids;
    }

    /**
     * Takes {@code count} messages again, {@code times} times, as they come after ack-wait
     * ({@link #SHORT_ACK_WAIT}) unacknowledged: a process that ends with them, again and again.
     */
    private static void takenAgain(JetStreamSubscription taking, int count, int times) {
        for (int time = 0; time < times; time++) {
            assertThat(taking.fetch(count, Waits.GENEROUS)).hasSize(count);
        }
    }

    /** Publishes until the subscribers' interest has reached the server and one message arrived; done with each. */
    private static void publishUntilReceived(NatsBus publisher, Inbox inbox) throws InterruptedException {
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish(TOPIC, image(0));
            Delivery arrived = inbox.poll(50, TimeUnit.MILLISECONDS);
            if (arrived != null) {
                arrived.done();
            }
            return arrived != null;
        });
        drain(inbox);
    }

    /**
     * A ws:// server is asked for by the URL's host name (the request's Host header), by which a
     * proxy in front of servers tells them apart: it was the address the client resolved the name to.
     */
    @Test
    void aWebSocketServerIsAskedForByTheUrlsHostName() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> firstRequestHead(listening));
            NatsBus bus = bus(TestBusContext.of("nats", "servers = \"['ws://localhost:" + listening.getLocalPort()
                    + "']\", " + LONG_CONNECT_TIMEOUT));
            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class);
            assertThat(request.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).contains("\nHost: localhost");
        }
    }

    /** The head of the first request to {@code listening}, whose connection is then closed. */
    private static String firstRequestHead(ServerSocket listening) {
        try (Socket socket = listening.accept()) {
            socket.setSoTimeout((int) Waits.GENEROUS.toMillis());
            BufferedReader lines = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            for (String line = lines.readLine(); line != null && !line.isEmpty(); line = lines.readLine()) {
                head.append(line).append('\n');
            }
            return head.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void msightsBytesGoBothWaysUnchanged() throws Exception {
        server = server(new NatsTestServer().start());
        Inbox inbox = subscriber("uploader", null, context(""));
        NatsBus publisher = publisher();
        try (Connection raw = Nats.connect(server.url())) {
            Subscription python = raw.subscribe(TOPIC);
            raw.flush(Duration.ofSeconds(5));
            for (String vector : List.of("image_data.msgpack", "image_data_raw.msgpack", "bytes_data.msgpack")) {
                byte[] msight = Files.readAllBytes(VECTORS.resolve(vector));
                raw.publish(TOPIC, msight); // as a Python MSight node publishes
                Delivery received = inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
                SensorData data = received.data();
                assertThat(received.redeliveredUnlessDone()).as("core NATS does not deliver it again").isFalse();
                assertThat(python.nextMessage(Waits.GENEROUS).getData()).isEqualTo(msight);
                // and back: what the bus publishes is MSight's bytes again
                assertThat(publisher.publish(TOPIC, data)).isTrue();
                assertThat(python.nextMessage(Waits.GENEROUS).getData()).as(vector).isEqualTo(msight);
                assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data().metadata())
                        .isEqualTo(data.metadata());
            }
        }
    }

    @Test
    void aGroupSharesTheMessagesAndEachGroupGetsEveryOne() throws Exception {
        server = server(new NatsTestServer().start());
        Inbox a1 = subscriber("uploader-1", "uploaders", context(""));
        Inbox a2 = subscriber("uploader-2", "uploaders", context(""));
        Inbox b = subscriber("archiver", "archivers", context(""));
        Inbox all = subscriber("viewer", null, context(""));
        // room for the whole burst: a writer thread the loaded machine does not schedule for a while
        // would otherwise see some of the 200 refused (max-pending-messages), which is not this test's business
        NatsBus publisher = bus(context("max-pending-messages = 1000"));
        publisher.start();
        publishUntilReceived(publisher, all); // frame 0, published until every subscription is in place
        for (long id = 1; id <= 200; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        List<Long> archived = new ArrayList<>();
        List<Long> viewed = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            first.addAll(drain(a1));
            second.addAll(drain(a2));
            archived.addAll(drain(b));
            viewed.addAll(drain(all));
            return viewed.stream().filter(id -> id > 0).count() == 200 && archived.stream().filter(id -> id > 0).count()
                    == 200 && first.stream().filter(id -> id > 0).count() + second.stream().filter(id -> id > 0).count()
                    == 200;
        });
        Set<Long> shared = new HashSet<>(first);
        shared.addAll(second);
        shared.remove(0L);
        assertThat(shared).as("each message to one member of the group").hasSize(200);
        assertThat(first).as("both members take part").isNotEmpty();
        assertThat(second).as("both members take part").isNotEmpty();
    }

    /** Publishes until each of {@code inboxes} has one message: every member's interest has reached the server. */
    private static void publishUntilEachReceived(NatsBus publisher, Inbox... inboxes) throws InterruptedException {
        Set<Inbox> reached = new HashSet<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish(TOPIC, image(0));
            for (Inbox inbox : inboxes) {
                if (!drain(inbox).isEmpty()) {
                    reached.add(inbox);
                }
            }
            return reached.size() == inboxes.length;
        });
    }

    /** Frames above 0 drained from {@code inbox} into {@code into} until it holds {@code count} of them. */
    private static void awaitFrames(Inbox inbox, List<Long> into, int count) {
        await().atMost(Waits.GENEROUS).until(() -> {
            drain(inbox).stream().filter(id -> id > 0).forEach(into::add);
            return into.size() >= count;
        });
    }

    /** A node that stopped for good leaves its queue group: the other member gets every message from then on. */
    @Test
    void aMemberWhoseNodeStoppedForGoodLeavesItsGroupAndTheOtherMemberGetsEveryMessage() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext leavingContext = context("");
        NatsBus leavingBus = bus(leavingContext);
        Inbox leaving = new Inbox(10_000);
        List<Long> reachedLeaving = new CopyOnWriteArrayList<>();
        org.msight.api.bus.Subscription left = new org.msight.api.bus.Subscription(TOPIC, "uploader-1",
                Optional.of("uploaders"), new Receiver() {
                    @Override
                    public void deliver(Delivery delivery) {
                        reachedLeaving.add(delivery.data().metadata().frameId());
                        leaving.deliver(delivery);
                    }

                    @Override
                    public int remainingCapacity() {
                        return leaving.remainingCapacity();
                    }

                    @Override
                    public void countMalformed() {
                        leaving.countMalformed();
                    }
                });
        leavingBus.subscribe(left);
        leavingBus.start();
        Inbox staying = subscriber("uploader-2", "uploaders", context(""));
        NatsBus publisher = bus(context("max-pending-messages = 1000"));
        publisher.start();
        publishUntilEachReceived(publisher, leaving, staying);

        leaving.close(); // as the runtime does, first
        leavingBus.unsubscribe(left);
        for (long id = 1; id <= 100; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        List<Long> received = new ArrayList<>();
        awaitFrames(staying, received, 100);
        assertThat(received).hasSize(100).doesNotHaveDuplicates();
        assertThat(reachedLeaving).as("none of them went to the member that left").allMatch(id -> id == 0);
        assertThat(leavingContext.log().messages(Level.INFO)).contains("node uploader-1 stopped for good: it no longer"
                + " subscribes to topic 'rtsp_topic'; the other members of group 'uploaders' take its messages");
    }

    /**
     * A dead server tried at start, before the live one, is no outage; the first real one is logged
     * as usual. The client tries the servers in a random order: a start that met the live one
     * first (one in four) would check nothing, and is made again.
     */
    @Test
    void deadServersTriedAtStartAreNoOutageTheFirstRealOneIsLogged() throws Exception {
        server = server(new NatsTestServer().start());
        String dead = IntStream.range(0, 3).mapToObj(i -> "'" + new NatsTestServer().url() + "', ")
                .collect(Collectors.joining());
        Inbox inbox = new Inbox(10_000);
        TestBusContext context = subscriberMeetingADeadServerFirst("servers = \"[" + dead + "'" + server.url()
                + "']\", reconnect-wait = 100ms, " + LONG_CONNECT_TIMEOUT, publisher(), inbox);
        assertThat(context.log().messages(Level.WARN)).as("no outage at start").isEmpty();

        server.stop();
        await().atMost(Waits.GENEROUS).until(() -> !context.log().messages(Level.WARN).isEmpty());
        server.start();
        await().atMost(Waits.GENEROUS).until(() -> context.count("reconnects") == 1);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .endsWith("lost (messages published meanwhile are lost); retrying");
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("NATS connection restored"))
                .singleElement();
    }

    /**
     * The context of a started bus of {@code block} whose node uploader subscribes into
     * {@code inbox} (a message of {@code publisher} received), and whose start met a dead server
     * first (the client's failure, a debug line of the bus that the client's thread of callbacks
     * logs): the client tries the servers in a random order, so a start that met the live one first
     * is made again.
     */
    private TestBusContext subscriberMeetingADeadServerFirst(String block, NatsBus publisher, Inbox inbox)
            throws Exception {
        for (int start = 0; start < 40; start++) {
            TestBusContext context = TestBusContext.of("nats", block);
            subscriber("uploader", null, context, inbox);
            publishUntilReceived(publisher, inbox);
            if (context.log().messages(Level.DEBUG).stream().anyMatch(line -> line.startsWith("NATS client: ")
                    && line.contains("Connection refused"))) {
                return context;
            }
            closeables.remove(closeables.size() - 1).close();
        }
        throw new AssertionError("no start of 40 met a dead server first");
    }

    @Test
    void bothSidesResumeAfterTheServerRestartsLossesCountedOutageLoggedOnce() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext subscriberContext = context("");
        Inbox inbox = subscriber("uploader", "uploaders", subscriberContext);
        TestBusContext publisherContext = context("");
        NatsBus publisher = bus(publisherContext);
        publisher.start();
        publishUntilReceived(publisher, inbox);

        server.stop();
        await().atMost(Waits.GENEROUS).until(() -> !publisher.canCarry());
        assertThat(publisher.publish(TOPIC, image(1))).as("lost while the server is away").isFalse();
        await().atMost(Waits.GENEROUS).until(() -> publisher.outage().isPresent());
        assertThat(publisher.outage()).as("what status shows beside the bus").get().asString()
                .startsWith("NATS connection to ").endsWith(" lost (messages published meanwhile are lost)");
        server.start();
        publishUntilReceived(publisher, inbox);
        await().atMost(Waits.GENEROUS).until(() -> publisher.outage().isEmpty());
        await().atMost(Waits.GENEROUS).until(() -> publisherContext.count("reconnects") == 1
                && subscriberContext.count("reconnects") == 1);
        for (TestBusContext context : List.of(publisherContext, subscriberContext)) {
            assertThat(context.log().messages(Level.WARN)).filteredOn(m -> m.startsWith("NATS connection to"))
                    .singleElement().asString().endsWith("lost (messages published meanwhile are lost); retrying");
            assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("NATS connection restored"))
                    .singleElement().asString().matches("NATS connection restored after [0-9.]+ s");
        }
    }

    /** The client reports a deliberate close as CLOSED only (before close returns), never as DISCONNECTED. */
    @Test
    void closingIsNoOutage() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext context = context("");
        NatsBus bus = bus(context);
        bus.start();
        assertThat(bus.canCarry()).isTrue();
        bus.close();
        assertThat(bus.canCarry()).isFalse();
        assertThat(context.log().messages(Level.WARN)).as("no outage logged").isEmpty();
        assertThat(context.count("reconnects")).isZero();
    }

    /** The client refused a connect timeout past its socket write timeout (a minute): the bus failed to start. */
    @Test
    void aConnectTimeoutOfMinutesIsTaken() {
        server = server(new NatsTestServer().start());
        NatsBus bus = bus(context("connect-timeout = 10m"));
        bus.start();
        assertThat(bus.canCarry()).isTrue();
    }

    /**
     * The client's close drops what is still queued to send: messages the bus had published (and
     * the node counted as sent) were lost at every stop while the server was slow to take them.
     */
    @Test
    void whatIsStillQueuedToSendAtCloseIsSentFirst() throws Exception {
        server = server(new NatsTestServer().start());
        try (Connection raw = Nats.connect(server.url())) {
            Subscription python = raw.subscribe(TOPIC);
            raw.flush(Duration.ofSeconds(5));
            // closing waits up to 8 s in all; the server, thawed once the close flushes, takes 36 MB in well
            // under a second, but a machine stalled for seconds would lose them: the test's close waits longer
            TestBusContext context = context("connect-timeout = 50s");
            NatsBus publisher = new NatsBus(NatsSettings.from(context.config()), context, Waits.GENEROUS);
            closeables.add(publisher);
            publisher.start();
            ImageData image = ImageData.jpeg(new Metadata("cam", 1, 1, 1, "edge-01"), new byte[900 * 1024], 8, 16);
            Thread closing = new Thread(publisher::close, "closing");
            server.freeze(); // 36 MB: more than the sockets' buffers take, the rest queued in the client
            try {
                for (int n = 0; n < 40; n++) {
                    assertThat(publisher.publish(TOPIC, image)).isTrue();
                }
                closing.start();
                await().atMost(Waits.GENEROUS).until(() -> !closing.isAlive() || Arrays.stream(closing.getStackTrace())
                        .anyMatch(frame -> frame.getMethodName().equals("flush")));
            } finally {
                server.thaw();
            }
            closing.join(Waits.GENEROUS.toMillis());
            for (int n = 0; n < 40; n++) {
                assertThat(python.nextMessage(Waits.GENEROUS)).as("message %d", n).isNotNull();
            }
        }
    }

    @Test
    void aStalledServerNeverBlocksThePublisherMessagesBeyondMaxPendingAreDiscardedCountedAndLoggedOnce() {
        server = server(new NatsTestServer().start());
        TestBusContext context = context("max-pending-messages = 4");
        NatsBus publisher = bus(context);
        publisher.start();
        ImageData image = ImageData.jpeg(new Metadata("cam", 1, 1, 1, "edge-01"), new byte[110 * 1024], 8, 16);
        server.freeze(); // the socket's buffers fill, then the client's queue of 4
        try {
            assertTimeoutPreemptively(Waits.GENEROUS, () -> {
                int sent = 0;
                while (publisher.publish(TOPIC, image)) { // returns at once, never blocks on the stalled server
                    assertThat(++sent).as("publishes before one is discarded").isLessThan(100_000);
                }
                assertThat(context.count("discarded")).as("the refused publish is counted").isOne();
                long discardedBefore = context.count("discarded");
                int refused = 0;
                for (int more = 0; more < 300; more++) { // 33 MB: more than a frozen server's socket takes
                    refused += publisher.publish(TOPIC, image) ? 0 : 1;
                }
                assertThat(refused).as("refused, so the node counts them lost").isPositive()
                        .isEqualTo(context.count("discarded") - discardedBefore);
            });
        } finally {
            server.thaw();
        }
        assertThat(context.log().messages(Level.WARN)).filteredOn(m -> m.contains("discarded")).singleElement()
                .asString().contains("takes messages slower than they are published")
                .contains("max-pending-messages");
    }

    /**
     * A publish the client discarded, its queue of messages to write full (the server stalled),
     * leaves the bus unable to carry messages until the client writes one, so a processor keeps its
     * input: the runtime took it for a refusal of that message alone, and acknowledged the input.
     * The publishing thread is answered so when it asks right after, even if the client wrote
     * meanwhile (here the server thawed first): the count of messages written had moved, and said yes.
     */
    @Test
    void aFullQueueOfMessagesToWriteCarriesNothingUntilTheClientWritesAgain() {
        server = server(new NatsTestServer().start());
        // no ping, nor a write timing out (past connect-timeout), finds the stalled server lost
        TestBusContext context = context("max-pending-messages = 4, ping-interval = 10m, connect-timeout = 10m");
        NatsBus publisher = bus(context);
        publisher.start();
        ImageData image = ImageData.jpeg(new Metadata("cam", 1, 1, 1, "edge-01"), new byte[110 * 1024], 8, 16);
        server.freeze(); // the socket's buffers fill, then the client's queue of 4
        try {
            // published on this thread, as a node's: until a discard after which the client wrote nothing (one while
            // it still wrote, the sockets' buffers not full yet, lets the bus carry messages again at once)
            await().pollInSameThread().atMost(Waits.GENEROUS).until(() -> !publisher.publish(TOPIC, image)
                    && !carriesOnAnotherThread(publisher));
            assertThat(context.count("discarded")).isPositive();
        } finally {
            server.thaw();
        }
        await().atMost(Waits.GENEROUS).until(() -> carriesOnAnotherThread(publisher));
        assertThat(publisher.canCarry(TOPIC)).as("the runtime's question after the discarded publish").isFalse();
        assertThat(publisher.canCarry(TOPIC) && publisher.canCarry()).as("asked again").isTrue();
    }

    /** Whether {@code bus} can carry messages on {@link #TOPIC}, asked on a thread that did not publish. */
    private static boolean carriesOnAnotherThread(NatsBus bus) {
        return CompletableFuture.supplyAsync(() -> bus.canCarry(TOPIC) && bus.canCarry()).join();
    }

    @Test
    void aMessageAboveMaxPayloadIsOneClearLineAndCounted() throws Exception {
        server = server(new NatsTestServer(false, "max_payload: 1024").start());
        TestBusContext context = context("");
        NatsBus publisher = bus(context);
        publisher.start();
        ImageData big = ImageData.jpeg(new Metadata("cam", 1, 1, 1, "edge-01"), new byte[2000], 8, 16);
        assertThat(publisher.publish(TOPIC, big)).isFalse();
        assertThat(publisher.publish(TOPIC, big)).isFalse();
        assertThat(context.count("too-large")).isEqualTo(2);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .contains("above the NATS server's max_payload of 1024 bytes").contains("raise max_payload");
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
    }

    @Test
    void anUnreachableServerOrWrongCredentialsAtStartAreOneLineWithoutSecrets() throws Exception {
        server = new NatsTestServer(); // never started: nothing listens on its port
        TestBusContext unreachableContext = context("");
        NatsBus unreachable = bus(unreachableContext);
        assertThatThrownBy(unreachable::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NATS unreachable at " + server.url())
                .hasMessageContaining("MSIGHT_NATS_SERVERS");
        assertThat(unreachableContext.log().messages(Level.WARN)).as("no outage: it never connected").isEmpty();

        server = server(new NatsTestServer(false, "authorization { user: msight, password: s3cret-pw }").start());
        // the client fails a connection whose credentials the server refused at connect-timeout only
        TestBusContext wrongContext = context("username = msight, password = wrong-pw, connect-timeout = 2s");
        NatsBus wrong = bus(wrongContext);
        assertThatThrownBy(wrong::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NATS at " + server.url() + " refused the credentials")
                .hasMessageNotContaining("wrong-pw");
        assertThat(wrongContext.log().messages(Level.WARN)).as("the failed start is the one line").isEmpty();
        TestBusContext right = context("username = msight, password = s3cret-pw");
        bus(right).start();
        assertThat(right.log().all()).doesNotContain("s3cret-pw");

        // a server without a scheme, as the client takes it, with the credentials in it
        TestBusContext inUrl = TestBusContext.of("nats", "servers = \"['msight:s3cret-pw@127.0.0.1:" + server.port()
                + "']\", " + LONG_CONNECT_TIMEOUT);
        bus(inUrl).start();
        assertThat(inUrl.log().messages(Level.INFO)).singleElement().asString()
                .isEqualTo("connected to NATS at nats://***@127.0.0.1:" + server.port());
    }

    /**
     * Unreachable servers whose URLs hold credentials show them in no line: the failed start's, the
     * bus's at any level (the client's failures among them), or the client's own ({@code io.nats},
     * java.util.logging).
     */
    @Test
    void credentialsInTheUrlsOfUnreachableServersAreInNoLine() {
        int deadPort = new NatsTestServer().port(); // never started: nothing listens on these ports
        int otherDeadPort = new NatsTestServer().port();
        List<String> clientLines = new CopyOnWriteArrayList<>();
        java.util.logging.Logger client = java.util.logging.Logger.getLogger("io.nats");
        java.util.logging.Level clientLevel = client.getLevel();
        java.util.logging.Handler recording = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord line) {
                clientLines.add(new java.util.logging.SimpleFormatter().format(line));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        client.setLevel(java.util.logging.Level.ALL);
        client.addHandler(recording);
        try {
            TestBusContext context = TestBusContext.of("nats", "servers = \"['nats://alice:s3cret@127.0.0.1:"
                    + deadPort + "', 'nats://tok3n@127.0.0.1:" + otherDeadPort + "']\", connect-timeout = 2s");
            NatsBus unreachable = bus(context);
            assertThatThrownBy(unreachable::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("NATS unreachable at nats://***@127.0.0.1:" + deadPort
                            + ", nats://***@127.0.0.1:" + otherDeadPort)
                    .hasMessageNotContaining("s3cret").hasMessageNotContaining("tok3n");
            assertThat(context.log().messages(Level.DEBUG)).as("the client's failures").isNotEmpty();
            assertThat(context.log().all()).doesNotContain("s3cret").doesNotContain("tok3n");
        } finally {
            client.removeHandler(recording);
            client.setLevel(clientLevel);
        }
        assertThat(clientLines).noneMatch(line -> line.contains("s3cret") || line.contains("tok3n"));
    }

    /**
     * MSight's MSIGHT_NATS_USER_JWT, with the seed of the NKey it was issued to: a server in operator
     * mode lets the bus in (the JWT was not sent: the server refused the seed alone); so does a .creds
     * file holding both, as nsc writes it (MSIGHT_NATS_USER_CREDENTIALS).
     */
    @Test
    void aUserJwtWithItsNkeySeedIsLetInByAServerInOperatorMode(@TempDir Path dir) throws Exception {
        NKey operator = NKey.createOperator(null);
        NKey account = NKey.createAccount(null);
        NKey user = NKey.createUser(null);
        long now = JwtUtils.currentTimeSeconds();
        String operatorKey = new String(operator.getPublicKey());
        String operatorJwt = JwtUtils.issueJWT(operator, operatorKey, "operator", null, now, operatorKey,
                () -> "{\"type\":\"operator\",\"version\":2}");
        String accountJwt = JwtUtils.issueJWT(operator, new String(account.getPublicKey()), "account", null, now,
                operatorKey, () -> "{\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,"
                        + "\"wildcards\":true,\"conn\":-1,\"leaf\":-1},\"type\":\"account\",\"version\":2}");
        String userJwt = JwtUtils.issueUserJWT(account, new String(account.getPublicKey()),
                new String(user.getPublicKey()));
        server = server(new NatsTestServer(false, "operator: " + operatorJwt, "resolver: MEMORY",
                "resolver_preload: { " + new String(account.getPublicKey()) + ": " + accountJwt + " }").start());
        String credentials = "nkey-seed = \"" + new String(user.getSeed()) + "\", user-jwt = \"" + userJwt + "\"";
        Path credsFile = Files.writeString(dir.resolve("user.creds"), "-----BEGIN NATS USER JWT-----\n" + userJwt
                + "\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\n\n"
                + "-----BEGIN USER NKEY SEED-----\n" + new String(user.getSeed()) + "\n------END USER NKEY SEED------\n");
        Inbox inbox = subscriber("uploader", null, context(credentials));
        NatsBus publisher = bus(context("user-credentials = \"" + credsFile + "\""));
        publisher.start();
        publishUntilReceived(publisher, inbox);
    }

    /**
     * MSIGHT_NATS_NKEY_SEED as Python MSight gives it to nats-py: the path of a file holding the
     * seed (as {@code nk -gen user} writes it, with a line end), read at each connection, so a seed
     * rotated in the file is used at the next; it was taken for the seed itself, and refused.
     */
    @Test
    void anNkeySeedFileIsReadAtEachConnection(@TempDir Path dir) throws Exception {
        NKey user = NKey.createUser(null);
        NKey rotated = NKey.createUser(null);
        server = server(new NatsTestServer(false, nkeyUser(user)).start());
        Path seedFile = Files.writeString(dir.resolve("user.nk"), new String(user.getSeed()) + "\n");
        TestBusContext subscriberContext = context("nkey-seed = \"" + seedFile + "\"");
        Inbox inbox = subscriber("uploader", null, subscriberContext);
        TestBusContext publisherContext = context("nkey-seed = \"" + seedFile + "\"");
        NatsBus publisher = bus(publisherContext);
        publisher.start();
        publishUntilReceived(publisher, inbox);

        Files.writeString(seedFile, new String(rotated.getSeed()) + "\n");
        server.stop();
        server.configure(nkeyUser(rotated));
        server.start();
        publishUntilReceived(publisher, inbox);
        for (TestBusContext context : List.of(subscriberContext, publisherContext)) {
            assertThat(context.log().all()).doesNotContain(new String(user.getSeed()))
                    .doesNotContain(new String(rotated.getSeed()));
        }
    }

    /** The server's configuration line of one user, who authenticates with {@code key}. */
    private static String nkeyUser(NKey key) throws Exception {
        return "authorization { users = [ { nkey: " + new String(key.getPublicKey()) + " } ] }";
    }

    /**
     * The client gives a connection up when the server refuses the credentials twice while it
     * reconnects (a password rotated on the server first): the bus connects anew, with backoff,
     * and both sides resume once the server takes the credentials again.
     */
    @Test
    void aConnectionTheClientGaveUpOnRefusedCredentialsIsMadeAnewOnceTheServerTakesThem() throws Exception {
        String password = "authorization { user: msight, password: s3cret-pw }";
        server = server(new NatsTestServer(false, password).start());
        // the client fails a connection whose credentials the server refused at connect-timeout only: attempts
        // at a new connection come that often
        String credentials = "username = msight, password = s3cret-pw, connect-timeout = 2s";
        TestBusContext subscriberContext = context(credentials);
        Inbox inbox = subscriber("uploader", null, subscriberContext);
        TestBusContext publisherContext = context(credentials);
        NatsBus publisher = bus(publisherContext);
        publisher.start();
        publishUntilReceived(publisher, inbox);

        server.stop();
        server.configure("authorization { user: msight, password: rotated-pw }");
        server.start();
        for (TestBusContext context : List.of(publisherContext, subscriberContext)) {
            await().atMost(Waits.GENEROUS).until(() -> context.log().messages(Level.WARN).stream()
                    .anyMatch(m -> m.startsWith("the NATS client gave up its connection")));
        }
        assertThat(publisher.canCarry()).isFalse();
        server.stop();
        server.configure(password);
        server.start();
        publishUntilReceived(publisher, inbox);
        await().atMost(Waits.GENEROUS).until(() -> publisherContext.count("reconnects") == 1
                && subscriberContext.count("reconnects") == 1);
        for (TestBusContext context : List.of(publisherContext, subscriberContext)) {
            assertThat(context.log().messages(Level.WARN)).filteredOn(m -> m.startsWith("the NATS client gave up"))
                    .singleElement().asString().contains("Authorization Violation");
            assertThat(context.log().messages(Level.WARN)).as("refused twice or more: logged once")
                    .filteredOn(m -> m.startsWith("NATS server error")).singleElement().asString()
                    .isEqualTo("NATS server error: Authorization Violation: check msight.nats username and password,"
                            + " token, nkey-seed (with user-jwt) or user-credentials (MSIGHT_NATS_*)");
            assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("NATS connection restored"))
                    .singleElement();
            assertThat(context.log().all()).doesNotContain("s3cret-pw");
        }
    }

    /** A server that stops answering (frozen here) is lost after two unanswered pings, and reconnected to. */
    @Test
    void aServerThatStopsAnsweringIsLostAfterTwoPingsAndReconnectedTo() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext subscriberContext = context("ping-interval = 500ms");
        Inbox inbox = subscriber("uploader", null, subscriberContext);
        NatsBus publisher = publisher();
        publishUntilReceived(publisher, inbox);

        server.freeze();
        try {
            await().atMost(Waits.GENEROUS).until(() -> subscriberContext.log().messages(Level.WARN).stream()
                    .anyMatch(m -> m.endsWith("lost (messages published meanwhile are lost); retrying")));
        } finally {
            server.thaw();
        }
        publishUntilReceived(publisher, inbox);
        await().atMost(Waits.GENEROUS).until(() -> subscriberContext.count("reconnects") >= 1);
    }

    /** Handles each message as it arrives, once {@link #arriving} let it; keeps the frame ids. */
    private static class HandlingReceiver implements Receiver {

        /** The frame id of each message delivered, taken or not. */
        final List<Long> delivered = new CopyOnWriteArrayList<>();
        /** The frame id of each message taken, and done. */
        final List<Long> handled = new CopyOnWriteArrayList<>();

        /** Sees each message's frame id before it is taken (after {@link #delivered} has it). */
        void arriving(long frameId) {
        }

        @Override
        public void deliver(Delivery delivery) {
            long frameId = delivery.data().metadata().frameId();
            delivered.add(frameId);
            arriving(frameId);
            handled.add(frameId);
            delivery.done();
        }

        @Override
        public int remainingCapacity() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void countMalformed() {
            throw new AssertionError("only MSight messages are published");
        }
    }

    /**
     * A receiver whose first delivery throws OutOfMemoryError, as the heap running out in the bus's
     * thread would (a burst of large messages on the launchers' small heap); then it handles each
     * message as it arrives.
     */
    private static final class OutOfMemoryFirst extends HandlingReceiver {

        @Override
        void arriving(long frameId) {
            if (delivered.size() == 1) {
                throw new OutOfMemoryError("Java heap space");
            }
        }
    }

    /** The line that says the heap ran out once, handing a message of the topic to node uploader. */
    private static String outOfMemoryLine(String outcome) {
        return "this process ran out of memory (Java heap space) handing a message of topic 'rtsp_topic' to node"
                + " uploader: " + outcome + ". Give the process a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower"
                + " node uploader's queue-max-bytes, queue-capacity or max-in-flight";
    }

    /**
     * On core NATS a message the process has no memory to take (thrown here by the receiver) is
     * lost: counted, with a line on what to change, and the next ones are taken. The client only
     * logged it at debug level.
     */
    @Test
    void aMessageTheSubscriberHadNoMemoryForIsCountedAsLostWithALineAndTheNextOnesAreTaken() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext context = context("");
        OutOfMemoryFirst receiver = new OutOfMemoryFirst();
        NatsBus subscriber = bus(context);
        subscriber.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), receiver));
        subscriber.start();
        NatsBus publisher = publisher();
        await().atMost(Waits.GENEROUS).until(() -> { // until the interest reached the server and one was taken
            publisher.publish(TOPIC, image(0));
            return !receiver.handled.isEmpty();
        });
        for (long id = 1; id <= 3; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        await().atMost(Waits.GENEROUS).until(() -> receiver.handled.contains(3L));
        assertThat(receiver.handled).filteredOn(id -> id > 0).containsExactly(1L, 2L, 3L);
        assertThat(receiver.delivered).first().isEqualTo(0L);
        assertThat(context.count("lost")).isOne();
        assertThat(context.log().messages(Level.WARN)).containsExactly(outOfMemoryLine("it is lost (counted as the"
                + " bus's lost), and the subscription goes on"));
    }

    /**
     * On core NATS, what the client drops for a process that falls behind (its dispatcher held up
     * here by the receiver, while 96 MB come: above the client's 64 MB of messages waiting) is lost:
     * counted, with a line, so every message published is either handled or counted. The client
     * dropped it silently.
     */
    @Test
    void whatTheClientDropsForAProcessThatFallsBehindIsCountedAsLostWithALine() throws Exception {
        server = server(new NatsTestServer().start());
        TestBusContext context = context("");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        HandlingReceiver receiver = new HandlingReceiver() {
            @Override
            void arriving(long frameId) {
                if (frameId == 1) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        List<Long> handled = receiver.handled;
        NatsBus subscriber = bus(context);
        subscriber.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), receiver));
        subscriber.start();
        NatsBus publisher = publisher();
        await().atMost(Waits.GENEROUS).until(() -> { // until the interest reached the server
            publisher.publish(TOPIC, image(0));
            return handled.contains(0L);
        });
        int published = 120;
        for (long id = 1; id <= published; id++) {
            assertThat(publisher.publish(TOPIC, frameOfSize(id, 800 * 1024))).isTrue();
        }
        await().atMost(Waits.GENEROUS).until(() -> context.count("lost") > 0);
        release.countDown();
        // a drop happens with messages waiting, and the next one handed on counts it
        await().atMost(Waits.GENEROUS).until(() -> handled.stream().filter(id -> id > 0).count()
                + context.count("lost") >= published);
        assertThat(handled.stream().filter(id -> id > 0).count() + context.count("lost"))
                .as("each one handled or counted once").isEqualTo(published);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .startsWith("this process takes messages from NATS at " + server.url() + " slower than they come:"
                        + " the client dropped ")
                .endsWith("(counted as the bus's lost), holding at most 64 MB or 524288 messages waiting; give the"
                        + " process more CPU or memory, or run fewer nodes in it");
    }

    private static ImageData frameOfSize(long frameId, int size) {
        byte[] jpeg = new byte[size];
        jpeg[0] = (byte) 0xff;
        jpeg[1] = (byte) 0xd8;
        return ImageData.jpeg(image(frameId).metadata(), jpeg, 8, 16);
    }

    /**
     * With JetStream, a message the process has no memory to take (thrown here by the receiver) is
     * delivered again at once (ack-wait is far longer than the wait), and handled, as are the next
     * ones, with a line on what to change: the subscriber's thread ended, and its node received
     * nothing more until a restart.
     */
    @Test
    void withJetStreamAMessageTheSubscriberHadNoMemoryForIsDeliveredAgainAndItGoesOn() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = storingPublisher(context("jetstream.enabled = true")); // frame 0, before the consumer
        TestBusContext context = context("jetstream { enabled = true, ack-wait = 10m }");
        OutOfMemoryFirst receiver = new OutOfMemoryFirst();
        NatsBus subscriber = bus(context);
        subscriber.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), receiver));
        subscriber.start(); // its consumer starts with new messages
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
        await().atMost(Waits.GENEROUS).until(() -> receiver.handled.contains(1L));
        for (long id = 2; id <= 3; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        await().atMost(Waits.GENEROUS).until(() -> receiver.handled.contains(3L));
        assertThat(receiver.handled).containsExactly(1L, 2L, 3L);
        assertThat(receiver.delivered).containsExactly(1L, 1L, 2L, 3L);
        assertThat(context.log().messages(Level.WARN)).containsExactly(outOfMemoryLine("what it did not take is"
                + " delivered again; JetStream consumer 'uploader@test-device' of topic 'rtsp_topic' is subscribed"
                + " again"));
    }

    /**
     * A group resumes where it stood; one whose name JetStream takes for no consumer's (a dot, a
     * space: core NATS and MSight take them) has its consumer's name written with hex escapes.
     */
    @ParameterizedTest
    @CsvSource({"uploaders, uploaders", "team.uploaders v2, team_2Euploaders_20v2"})
    void withJetStreamAGroupResumesWhereItStoodAfterARestart(String group, String consumer) throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        TestBusContext firstContext = context("jetstream.enabled = true");
        Inbox first = subscriber("uploader", group, firstContext);
        assertThat(firstContext.log().messages(Level.INFO)).contains("created JetStream consumer '" + consumer + "' of"
                + " topic 'rtsp_topic': it starts with new messages (what the stream holds already is not delivered to"
                + " it)");
        publishUntilReceived(publisher, first);
        for (long id = 1; id <= 5; id++) {
            publisher.publish(TOPIC, image(id));
        }
        List<Long> handled = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            handled.addAll(drain(first));
            return handled.contains(5L);
        });
        closeables.get(closeables.size() - 1).close(); // the subscriber's process ends
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) { // the server has every acknowledgement: one lost at
            // close would bring its message again only after ack-wait (30 s), past the end of this test
            JetStreamManagement management = admin.jetStreamManagement();
            await().atMost(Waits.GENEROUS).until(() -> {
                ConsumerInfo groups = management.getConsumerInfo(stream, consumer);
                return groups.getNumAckPending() == 0 && groups.getAckFloor().getStreamSequence()
                        == management.getStreamInfo(stream).getStreamState().getLastSequence();
            });
        }

        for (long id = 6; id <= 10; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue(); // while no member of the group runs
        }
        Inbox restarted = subscriber("uploader", group, context("jetstream.enabled = true"));
        List<Long> resumed = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            resumed.addAll(drain(restarted));
            return resumed.containsAll(List.of(6L, 7L, 8L, 9L, 10L));
        });
        assertThat(resumed).as("what was acknowledged is not delivered again").doesNotContain(1L, 2L, 3L, 4L, 5L);
    }

    /**
     * With JetStream a node without a group gets every message, as on core NATS and in MSight, also
     * beside a group of its name whose members share them: it read the group's consumer, and had a
     * share.
     */
    @Test
    void withJetStreamANodeWithoutAGroupGetsEveryMessageBesideAGroupOfItsName() throws Exception {
        server = server(new NatsTestServer(true).start());
        String jetStream = "jetstream.enabled = true";
        Inbox alone = subscriber("archiver", null, context(jetStream));
        Inbox first = subscriber("archiver-1", "archiver", context(jetStream));
        Inbox second = subscriber("archiver-2", "archiver", context(jetStream));
        NatsBus publisher = bus(context(jetStream + ", max-pending-messages = 1000"));
        publisher.start();
        await().atMost(Waits.GENEROUS).until(() -> publisher.canCarry(TOPIC));
        for (long id = 1; id <= 90; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        List<Long> all = new ArrayList<>();
        List<Long> shared = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            all.addAll(drain(alone));
            shared.addAll(drain(first));
            shared.addAll(drain(second));
            return all.size() >= 90 && shared.size() >= 90;
        });
        assertThat(all).as("every message to the node without a group").hasSize(90).doesNotHaveDuplicates();
        assertThat(shared).as("each message to one member of the group").hasSize(90).doesNotHaveDuplicates();
    }

    /**
     * With JetStream, nodes of one name without a group on two devices (one pipeline file on
     * several machines) each get every message, each with a consumer of its own: they shared one,
     * and so the messages.
     */
    @Test
    void withJetStreamNodesOfOneNameOnTwoDevicesEachGetEveryMessage() throws Exception {
        server = server(new NatsTestServer(true).start());
        String jetStream = "jetstream.enabled = true";
        Inbox onFirst = subscriber("archiver", null, onDevice("edge-01", context(jetStream)));
        Inbox onSecond = subscriber("archiver", null, onDevice("edge-02", context(jetStream)));
        NatsBus publisher = bus(context(jetStream));
        publisher.start();
        await().atMost(Waits.GENEROUS).until(() -> publisher.canCarry(TOPIC));
        for (long id = 1; id <= 60; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        for (Inbox inbox : List.of(onFirst, onSecond)) {
            List<Long> received = new ArrayList<>();
            awaitFrames(inbox, received, 60);
            assertThat(received).hasSize(60).doesNotHaveDuplicates();
        }
        try (Connection admin = Nats.connect(server.url())) {
            assertThat(admin.jetStreamManagement().getConsumerNames(JetStreamTopics.streamOf(TOPIC)))
                    .containsExactlyInAnyOrder("archiver@edge-01", "archiver@edge-02");
        }
    }

    /**
     * With JetStream, a node without a group on a device whose device-name is left at the default
     * gets one warning as it subscribes: two devices left so share its consumer, and split the
     * messages, as all did before. None for a group, another device-name, or core NATS.
     */
    @Test
    void withJetStreamANodeWithoutAGroupOnTheDefaultDeviceNameIsWarnedOf() {
        TestBusContext context = TestBusContext.of("nats", "jetstream.enabled = true");
        NatsBus bus = bus(onDevice("local", context));
        bus.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        bus.subscribe(new org.msight.api.bus.Subscription(TOPIC, "member", Optional.of("uploaders"), new Inbox(10)));
        assertThat(context.log().messages(Level.WARN)).containsExactly("node uploader has no group, so with JetStream"
                + " its consumer is 'uploader@local', after msight.device-name, which is left at its default 'local':"
                + " a node uploader on another device left so shares that consumer, and each gets only part of the"
                + " messages; set msight.device-name (MSIGHT_EDGE_DEVICE_NAME) on each device");

        TestBusContext core = TestBusContext.of("nats", "");
        bus(onDevice("local", core)).subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader",
                Optional.empty(), new Inbox(10)));
        TestBusContext named = TestBusContext.of("nats", "jetstream.enabled = true");
        bus(named).subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        assertThat(core.log().messages(Level.WARN)).as("core NATS").isEmpty();
        assertThat(named.log().messages(Level.WARN)).as("device-name test-device").isEmpty();
    }

    /**
     * A node without a group whose consumer had the node's name alone (the versions before) starts
     * its own after the first message that one had not acknowledged, so what was stored during the
     * upgrade arrives; one line says the old one can be deleted, when, and how. One that
     * acknowledged nothing, or not the first it delivered (its floor on the server is 0), is resumed
     * where it started: neither from the stream's first message, stored before it existed, nor
     * skipping one; also when what it delivered came again (its node's process ended with it, again
     * and again), which raised its count of deliveries past the stream sequence.
     *
     * @param taken how many messages the old consumer delivered before the process ended for the upgrade
     * @param done which of them (frame ids) its node had acknowledged
     * @param redelivered how many times the others came again, after ack-wait, before the upgrade
     */
    @ParameterizedTest
    @CsvSource({"0, '', 0", "3, 1 2, 0", "3, '', 0", "3, 2, 0", "3, '', 2", "3, 2, 2"})
    void withJetStreamANodeWithoutAGroupResumesWhereItsConsumerOfTheVersionBeforeStood(int taken, String done,
            int redelivered) throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = storingPublisher(context("jetstream.enabled = true")); // frame 0, before the consumer
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) { // node uploader's consumer, as versions before made it
            admin.jetStreamManagement().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("uploader")
                    .filterSubject(TOPIC).ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.New)
                    .ackWait(SHORT_ACK_WAIT).build());
            for (long id = 1; id <= 3; id++) {
                assertThat(publisher.publish(TOPIC, image(id))).isTrue();
            }
            if (taken > 0) {
                JetStreamSubscription before = admin.jetStream().subscribe(TOPIC,
                        PullSubscribeOptions.bind(stream, "uploader"));
                List<Message> fetched = before.fetch(taken, Waits.GENEROUS);
                assertThat(fetched).hasSize(taken);
                int acknowledged = 0;
                for (Message message : fetched) {
                    if (List.of(done.split(" ")).contains(String.valueOf(message.metaData().streamSequence() - 1))) {
                        message.ackSync(Waits.GENEROUS); // frame n is at stream sequence n + 1
                        acknowledged++;
                    }
                }
                takenAgain(before, taken - acknowledged, redelivered);
            }
        }
        for (long id = 4; id <= 5; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue(); // during the upgrade
        }
        TestBusContext context = context("jetstream.enabled = true");
        Inbox inbox = subscriber("uploader", null, context);
        boolean firstDone = done.equals("1 2");
        List<Long> expected = firstDone ? List.of(3L, 4L, 5L) : List.of(1L, 2L, 3L, 4L, 5L);
        List<Long> received = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            received.addAll(drain(inbox));
            return received.containsAll(expected);
        });
        assertThat(received).as("none stored before the old consumer, none skipped").containsExactlyElementsOf(expected);
        assertThat(context.log().messages(Level.INFO)).contains("created JetStream consumer 'uploader@test-device' of"
                + " topic 'rtsp_topic': it starts at stream sequence " + (firstDone ? 4 : 2) + ", after what its node"
                + " acknowledged through consumer 'uploader'; so does each consumer of a node uploader made while that"
                + " one is there (on a device added later, or after a change of device-name), which then gets again"
                + " what was stored since that one was last read (up to max-age): delete it once node uploader runs"
                + " this version on every device and no group 'uploader' reads it: nats consumer rm MSIGHT_rtsp_topic"
                + " uploader");
    }

    /**
     * With JetStream, the rest of the batch whose message the process had no memory to take comes
     * again at once too, not after ack-wait (far longer than the wait here): the subscription was
     * dropped under the messages the server had already sent it. The group's first member is
     * closed, and its pull gone, before they are published, so the next one's first pull brings them all.
     */
    @Test
    void withJetStreamTheRestOfABatchTheSubscriberHadNoMemoryForIsDeliveredAgainAtOnce() throws Exception {
        server = server(new NatsTestServer(true).start());
        String jetStream = "jetstream { enabled = true, ack-wait = 10m }";
        NatsBus publisher = bus(context(jetStream));
        publisher.start();
        Inbox first = subscriber("uploader", null, context(jetStream));
        publishUntilReceived(publisher, first); // the group's consumer is on the server
        closeables.get(closeables.size() - 1).close(); // the first member's process ends
        try (Connection admin = Nats.connect(server.url())) { // its pull gone, the server keeps what comes next
            JetStreamManagement management = admin.jetStreamManagement();
            await().atMost(Waits.GENEROUS).until(() -> management.getConsumerInfo(JetStreamTopics.streamOf(TOPIC),
                    UPLOADERS_OWN).getNumWaiting() == 0);
        }
        for (long id = 1; id <= 4; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        OutOfMemoryFirst receiver = new OutOfMemoryFirst();
        NatsBus subscriber = bus(context(jetStream));
        subscriber.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), receiver));
        subscriber.start();
        await().atMost(Waits.GENEROUS).until(() -> receiver.handled.containsAll(List.of(1L, 2L, 3L, 4L)));
        assertThat(receiver.handled).filteredOn(id -> id > 0).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    }

    /**
     * With JetStream, topics {@code a.b} and {@code a_b} have the same stream name: the second's
     * subscriber was given a consumer of the first's stream, and so the first topic's messages.
     * Its start now fails, naming both.
     */
    @Test
    void withJetStreamATopicWhoseStreamNameCarriesAnotherTopicFailsTheStart() {
        server = server(new NatsTestServer(true).start());
        subscriberOf("cameras.front", context("jetstream { enabled = true }"));
        assertThatThrownBy(() -> subscriberOf("cameras_front", context("jetstream { enabled = true }")))
                .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("topic 'cameras_front' has JetStream"
                        + " stream MSIGHT_cameras_front, which carries topic(s) cameras.front (a stream's name has '_'"
                        + " for what a topic's may have else): rename one of the topics");
    }

    /**
     * With JetStream, a running subscriber whose topic's stream came to carry another topic (deleted,
     * and made for {@code cameras.front} by another process: here its subjects changed, and the
     * consumer deleted) is an outage that says so: it was a debug line, again every 2 s, for ever.
     * The bus is not connected while it lasts (it was, with only the line saying the node receives
     * nothing), and is again once the stream carries the topic.
     */
    @Test
    void withJetStreamAStreamThatCameToCarryAnotherTopicIsAnOutageThatSaysSo() throws Exception {
        server = server(new NatsTestServer(true).start());
        TestBusContext context = context("jetstream { enabled = true }");
        NatsBus subscriber = subscriberOf("cameras_front", context);
        assertThat(subscriber.connected()).isTrue();
        String failing = "JetStream consumer 'uploader@test-device' of topic 'cameras_front' fails: topic"
                + " 'cameras_front' has JetStream stream MSIGHT_cameras_front, which carries topic(s) cameras.front (a"
                + " stream's name has '_' for what a topic's may have else): rename one of the topics: no message"
                + " arrives until it is subscribed again";
        try (Connection admin = Nats.connect(server.url())) {
            JetStreamManagement management = admin.jetStreamManagement();
            StreamConfiguration stream = management.getStreamInfo("MSIGHT_cameras_front").getConfiguration();
            management.updateStream(StreamConfiguration.builder(stream).subjects("cameras.front").build());
            management.deleteConsumer("MSIGHT_cameras_front", UPLOADERS_OWN);
            await().atMost(Waits.GENEROUS).until(() -> context.log().messages(Level.WARN).stream()
                    .anyMatch(m -> m.contains("rename one of the topics")));
            assertThat(context.log().messages(Level.WARN)).last().asString().startsWith(failing).endsWith("retrying");
            assertThat(subscriber.outage()).get().asString().startsWith(failing);
            assertThat(subscriber.connected()).isFalse();
            management.updateStream(StreamConfiguration.builder(stream).subjects("cameras_front").build());
        }
        await().atMost(Waits.GENEROUS).until(subscriber::connected);
        assertThat(subscriber.outage()).isEmpty();
        assertThat(context.log().messages(Level.INFO)).last().asString().matches("JetStream consumer"
                + " 'uploader@test-device' of topic 'cameras_front' works again after [0-9.]+ s");
    }

    /** A process started with another {@code max-age} sets it on the topic's stream: it was kept as its maker had it. */
    @Test
    void withJetStreamTheMaxAgeOfAStreamIsTheLatestStartsOwn() throws Exception {
        server = server(new NatsTestServer(true).start());
        subscriberOf("cameras.front", context("jetstream { enabled = true, max-age = 1h }"));
        TestBusContext later = context("jetstream { enabled = true, max-age = 2h }");
        subscriberOf("cameras.front", later);
        try (Connection admin = Nats.connect(server.url())) {
            assertThat(admin.jetStreamManagement().getStreamInfo("MSIGHT_cameras_front").getConfiguration().getMaxAge())
                    .isEqualTo(Duration.ofHours(2));
        }
        assertThat(later.log().messages(Level.INFO)).contains("JetStream stream MSIGHT_cameras_front of topic"
                + " 'cameras.front': max-age set to 7200 s (was 3600 s)");
    }

    /** Starts a bus whose node uploader subscribes to {@code topic}. */
    private NatsBus subscriberOf(String topic, TestBusContext context) {
        NatsBus bus = bus(context);
        bus.subscribe(new org.msight.api.bus.Subscription(topic, "uploader", Optional.empty(), new Inbox(10)));
        bus.start();
        return bus;
    }

    /**
     * With JetStream, messages a node holds longer than ack-wait (queued behind slow uploads, an
     * upload retried) are not delivered again meanwhile, to be handled twice: they are in progress.
     * Held past ack-wait by the test's sleep, which a loaded machine only lengthens; ack-wait is long
     * enough that no stall of the words of progress (a third of it apart) reaches it.
     */
    @Test
    void withJetStreamWhatANodeHoldsPastAckWaitIsNotDeliveredAgain() throws Exception {
        server = server(new NatsTestServer(true).start());
        Duration ackWait = Duration.ofSeconds(20); // a redelivery would need a stall of 13 s of the words of progress
        String jetStream = "jetstream { enabled = true, ack-wait = " + ackWait.toSeconds() + "s }";
        NatsBus publisher = bus(context(jetStream));
        publisher.start();
        try (Connection raw = Nats.connect(server.url())) {
            // the deliveries told in progress, by their acknowledgement subjects
            Set<String> toldInProgress = ConcurrentHashMap.newKeySet();
            raw.createDispatcher(word -> {
                if (new String(word.getData(), StandardCharsets.US_ASCII).equals("+WPI")) {
                    toldInProgress.add(word.getSubject());
                }
            }).subscribe("$JS.ACK.>");
            raw.flush(Duration.ofSeconds(5));
            Inbox inbox = subscriber("uploader", null, context(jetStream), new Inbox(16)); // its consumer made
            await().atMost(Waits.GENEROUS).until(() -> publisher.canCarry(TOPIC));
            for (long id = 1; id <= 3; id++) {
                assertThat(publisher.publish(TOPIC, image(id))).isTrue();
            }
            await().atMost(Waits.GENEROUS).until(() -> inbox.remainingCapacity() == 13); // the three delivered
            // held, none done, as by a slow node, past ack-wait: the server would have delivered them again by then
            Thread.sleep(ackWait.plusSeconds(10).toMillis());
            assertThat(raw.jetStreamManagement().getConsumerInfo(JetStreamTopics.streamOf(TOPIC), UPLOADERS_OWN)
                    .getRedelivered()).as("messages the server delivered again").isZero();
            assertThat(toldInProgress).as("each delivery told in progress").hasSize(3);
            assertThat(drain(inbox)).containsExactlyInAnyOrder(1L, 2L, 3L);
        }
    }

    /**
     * With JetStream, a member whose node stopped for good stops fetching: the other member gets
     * what comes next and what the first had fetched and not finished, given back (ack-wait is far
     * longer than the wait here), also when its bus closes right away (a process whose last node
     * stopped: the close waited for nothing, and what was given back went with the connection).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withJetStreamAMemberWhoseNodeStoppedForGoodLeavesWhatItDidNotFinishToTheOther(boolean busClosesAtOnce)
            throws Exception {
        server = server(new NatsTestServer(true).start());
        String jetStream = "jetstream { enabled = true, ack-wait = 10m }";
        NatsBus publisher = bus(context(jetStream));
        publisher.start();
        NatsBus leavingBus = bus(context(jetStream));
        Inbox leaving = new Inbox(10_000);
        org.msight.api.bus.Subscription left = new org.msight.api.bus.Subscription(TOPIC, "uploader-1",
                Optional.of("uploaders"), leaving);
        leavingBus.subscribe(left);
        leavingBus.start();
        publishUntilReceived(publisher, leaving);
        for (long id = 1; id <= 3; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        Set<Long> unfinished = new HashSet<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            for (Delivery next = leaving.poll(0, TimeUnit.MILLISECONDS); next != null;
                    next = leaving.poll(0, TimeUnit.MILLISECONDS)) {
                if (next.data().metadata().frameId() == 0) {
                    next.done();
                } else {
                    unfinished.add(next.data().metadata().frameId()); // taken by the node, never finished
                }
            }
            return unfinished.size() == 3;
        });
        leaving.close();
        leavingBus.unsubscribe(left);
        if (busClosesAtOnce) {
            leavingBus.close();
        }
        await().atMost(Waits.GENEROUS).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("msight-nats-fetch-uploader-1")));

        Inbox staying = subscriber("uploader-2", "uploaders", context(jetStream));
        for (long id = 4; id <= 6; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        List<Long> received = new ArrayList<>();
        awaitFrames(staying, received, 6);
        assertThat(received).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    }

    /**
     * A durable consumer deleted on the server (by an operator, or with its stream) would leave the
     * subscriber with nothing to fetch: it is an outage, logged once with the server's reason (the
     * pull waiting when it went, or the answer when the subscriber asks for its consumer), and the
     * consumer (and stream) are created again.
     */
    @Test
    void withJetStreamADeletedConsumerOrStreamIsAnOutageAndIsSubscribedAgain() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        TestBusContext context = context("jetstream.enabled = true");
        Inbox inbox = subscriber("uploader", "uploaders", context);
        publishUntilReceived(publisher, inbox);
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) {
            admin.jetStreamManagement().deleteConsumer(stream, "uploaders");
            await().atMost(Waits.GENEROUS).until(() -> context.count("reconnects") == 1);
            publishUntilReceived(publisher, inbox);
            admin.jetStreamManagement().deleteStream(stream);
            await().atMost(Waits.GENEROUS).until(() -> context.count("reconnects") == 2);
            publishUntilReceived(publisher, inbox);
        }
        assertThat(context.log().messages(Level.WARN)).hasSize(2).allSatisfy(warning -> assertThat(warning)
                .startsWith("JetStream consumer 'uploaders' of topic 'rtsp_topic' fails (")
                .containsAnyOf("(409 Consumer Deleted)", "(consumer not found [10014])", "(stream not found [10059])")
                .endsWith("subscribed again, from the first message its group had not acknowledged; retrying"));
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.contains("works again")).hasSize(2)
                .allMatch(m -> m.matches("JetStream consumer 'uploaders' of topic 'rtsp_topic' works again after"
                        + " [0-9.]+ s"));
    }

    /**
     * A consumer deleted while its member's queue is full is noticed when the member asks for it (a
     * pull from a deleted consumer brings nothing, with no error), and is created again from the
     * first message the group had not acknowledged: what was published meanwhile arrives, not only
     * what comes after.
     */
    @Test
    void withJetStreamAConsumerCreatedAgainDeliversWhatWasPublishedWhileItWasGone() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        TestBusContext context = context("jetstream.enabled = true");
        Inbox inbox = subscriber("uploader", "uploaders", context, new Inbox(2));
        publishUntilReceived(publisher, inbox);
        for (long id = 1; id <= 4; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        await().atMost(Waits.GENEROUS).until(() -> inbox.remainingCapacity() == 0); // it fetches no more
        try (Connection admin = Nats.connect(server.url())) {
            admin.jetStreamManagement().deleteConsumer(JetStreamTopics.streamOf(TOPIC), "uploaders");
        }
        for (long id = 11; id <= 15; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue(); // stored with no consumer to read it
        }
        List<Long> received = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            received.addAll(drain(inbox));
            return received.containsAll(List.of(1L, 2L, 3L, 4L, 11L, 12L, 13L, 14L, 15L));
        });
        assertThat(context.count("reconnects")).isEqualTo(1);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString().startsWith("JetStream consumer"
                + " 'uploaders' of topic 'rtsp_topic' fails (consumer not found [10014])");
    }

    /**
     * A group's consumer deleted while the first messages it delivered are held, none acknowledged
     * (the server's floor is 0: here a member that took 1 and 2 ended, and another runs), is
     * created again where it started: neither from the stream's first message, stored before the
     * consumer existed, nor skipping one; also when they came again (a member's process ended with
     * them, again and again), which raised its count of deliveries past the stream sequence, and
     * when it was itself made again so (at a start sequence).
     *
     * @param redelivered how many times 1 and 2 came again, after ack-wait, before the deletion
     */
    @ParameterizedTest
    @CsvSource({"New, 0", "New, 2", "ByStartSequence, 2"})
    void withJetStreamAConsumerThatAcknowledgedNothingIsCreatedAgainBeforeWhatItDelivered(DeliverPolicy start,
            int redelivered) throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = storingPublisher(context("jetstream.enabled = true")); // frame 0, before the consumer
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) { // a member takes 1 and 2, and its process ends
            JetStreamManagement management = admin.jetStreamManagement();
            ConsumerConfiguration consumer = ConsumerConfiguration.builder().durable("uploaders").filterSubject(TOPIC)
                    .ackPolicy(AckPolicy.Explicit).deliverPolicy(start).ackWait(SHORT_ACK_WAIT).build();
            if (start == DeliverPolicy.ByStartSequence) { // at frame 1, as a subscriber makes it again
                consumer = ConsumerConfiguration.builder(consumer).startSequence(2).build();
            }
            management.addOrUpdateConsumer(stream, consumer);
            for (long id = 1; id <= 2; id++) {
                assertThat(publisher.publish(TOPIC, image(id))).isTrue();
            }
            JetStreamSubscription member = admin.jetStream().subscribe(TOPIC,
                    PullSubscribeOptions.bind(stream, "uploaders"));
            assertThat(member.fetch(2, Waits.GENEROUS)).hasSize(2);
            takenAgain(member, 2, redelivered);
            // the subscribers' default again: not delivered again to the member that starts next
            management.updateConsumer(stream, ConsumerConfiguration.builder(consumer).ackWait(Duration.ofSeconds(30))
                    .build());
        }
        TestBusContext context = context("jetstream.enabled = true");
        Inbox inbox = subscriber("uploader", "uploaders", context); // it asked for the consumer: floor 0, 2 pending
        try (Connection admin = Nats.connect(server.url())) {
            admin.jetStreamManagement().deleteConsumer(stream, "uploaders");
        }
        for (long id = 3; id <= 4; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue(); // stored with no consumer to read it
        }
        List<Long> received = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            received.addAll(drain(inbox));
            return received.containsAll(List.of(1L, 2L, 3L, 4L));
        });
        assertThat(received).as("none stored before the consumer, none skipped").containsExactly(1L, 2L, 3L, 4L);
        assertThat(context.log().messages(Level.INFO)).contains("created JetStream consumer 'uploaders' of topic"
                + " 'rtsp_topic': it starts at stream sequence 2, the first its group had not acknowledged");
    }

    /**
     * What a member took and never finished (its process ended) arrives at another member of the
     * group when the consumer is created again, as does what was stored while it was gone: the new
     * consumer starts at the first message the group had not acknowledged.
     */
    @Test
    void withJetStreamAConsumerCreatedAgainDeliversWhatItsGroupHadNotAcknowledged() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        Inbox taken = subscriber("uploader_a", "uploaders", context("jetstream.enabled = true"), new Inbox(2));
        AutoCloseable memberA = closeables.get(closeables.size() - 1);
        publishUntilReceived(publisher, taken);
        publisher.publish(TOPIC, image(99)); // the frames 0 still stored come before it
        await().atMost(Waits.GENEROUS).until(() -> drain(taken).contains(99L));
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) {
            JetStreamManagement management = admin.jetStreamManagement();
            await().atMost(Waits.GENEROUS).until(() -> management.getConsumerInfo(stream, "uploaders").getAckFloor()
                    .getStreamSequence() == management.getStreamInfo(stream).getStreamState().getLastSequence());
        } // every frame so far is acknowledged
        publisher.publish(TOPIC, image(1));
        publisher.publish(TOPIC, image(2));
        await().atMost(Waits.GENEROUS).until(() -> taken.remainingCapacity() == 0); // 1 and 2, never done

        TestBusContext contextB = context("jetstream.enabled = true");
        Inbox inboxB = subscriber("uploader_b", "uploaders", contextB);
        publisher.publish(TOPIC, image(3));
        publisher.publish(TOPIC, image(4));
        List<Long> received = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            received.addAll(drain(inboxB));
            return received.containsAll(List.of(3L, 4L));
        });
        memberA.close(); // its process ends
        try (Connection admin = Nats.connect(server.url())) {
            admin.jetStreamManagement().deleteConsumer(stream, "uploaders");
        }
        for (long id = 11; id <= 15; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        await().atMost(Waits.GENEROUS).until(() -> {
            received.addAll(drain(inboxB));
            return received.containsAll(List.of(1L, 2L, 11L, 12L, 13L, 14L, 15L));
        });
        assertThat(received).as("what the group acknowledged before is not delivered again").doesNotContain(0L, 99L);
        assertThat(contextB.count("reconnects")).isEqualTo(1);
    }

    /**
     * With JetStream, a batch whose bytes fill the node's queue (queue-max-bytes) hands over no
     * more: the rest come again, none is dropped and so acknowledged unhandled. The batch is sized
     * at the last message's size, small here, so the larger ones overfill the queue.
     */
    @Test
    void withJetStreamAQueueFullOfBytesDropsNothingAndGetsTheRestAgain() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        Inbox twoAtATime = subscriber("uploader", "uploaders", context("jetstream.enabled = true"),
                new Inbox(10_000, 2000, new LongCounter(), new LongCounter())); // two frames of 1000 bytes fill it
        publishUntilReceived(publisher, twoAtATime);
        for (long id = 1; id <= 5; id++) {
            publisher.publish(TOPIC, image(id, 1000));
        }
        String stream = JetStreamTopics.streamOf(TOPIC);
        try (Connection admin = Nats.connect(server.url())) {
            JetStreamManagement management = admin.jetStreamManagement();
            await().atMost(Waits.GENEROUS).until(() -> management.getConsumerInfo(stream, "uploaders").getDelivered()
                    .getStreamSequence() == management.getStreamInfo(stream).getStreamState().getLastSequence());
        } // every frame has been sent to the member at least once, while its node took none
        List<Long> handled = new ArrayList<>();
        await().atMost(Waits.GENEROUS).until(() -> {
            handled.addAll(drain(twoAtATime));
            return handled.containsAll(List.of(1L, 2L, 3L, 4L, 5L));
        });
        assertThat(twoAtATime.dropped()).isZero();
    }

    /**
     * With JetStream, a pull is sized by the node's queue's bytes too: pulled by count alone, large
     * frames were each sent several times over (all but the first two of each batch given back, sent
     * again with the next). Every delivery to the member is counted on the server's side by a plain
     * subscriber of the inboxes that pulls go to.
     */
    @Test
    void withJetStreamLargeFramesAreSentToTheMemberAboutOnceEach() throws Exception {
        server = server(new NatsTestServer(true).start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        publisher.start();
        Inbox twoFrames = subscriber("uploader", "uploaders", context("jetstream.enabled = true"),
                new Inbox(16, 1 << 20, new LongCounter(), new LongCounter()));
        await().atMost(Waits.GENEROUS).until(() -> { // the first frame, as large as the rest
            publisher.publish(TOPIC, image(0, 600_000));
            return !drain(twoFrames).isEmpty();
        });
        try (Connection raw = Nats.connect(server.url())) {
            JetStreamManagement management = raw.jetStreamManagement();
            String stream = JetStreamTopics.streamOf(TOPIC);
            await().atMost(Waits.GENEROUS).until(() -> { // the rest of the first frames, sent and done with
                drain(twoFrames);
                var consumer = management.getConsumerInfo(stream, "uploaders");
                return consumer.getNumPending() == 0 && consumer.getNumAckPending() == 0;
            });
            List<String> deliveries = new CopyOnWriteArrayList<>(); // $JS.ACK.<stream>.<consumer>.<delivered>.<seq>...
            raw.createDispatcher(message -> {
                if (message.getReplyTo() != null && message.getReplyTo().startsWith("$JS.ACK.")) {
                    deliveries.add(message.getReplyTo());
                }
            }).subscribe("_INBOX.>");
            raw.flush(Waits.GENEROUS);
            for (long id = 1; id <= 20; id++) {
                assertThat(publisher.publish(TOPIC, image(id, 600_000))).isTrue();
            }
            List<Long> handled = new ArrayList<>();
            await().atMost(Waits.GENEROUS).until(() -> {
                Delivery next = twoFrames.poll(20, TimeUnit.MILLISECONDS); // a node slower than the frames come
                if (next != null) {
                    handled.add(next.data().metadata().frameId());
                    next.done();
                }
                return handled.containsAll(LongStream.rangeClosed(1, 20).boxed().toList());
            });
            raw.flush(Waits.GENEROUS);
            // 270 when pulled by count alone; 20 to 33 here, a frame a pull that ended as it came (it
            // waits for the next pull, besides that one's) given back and sent again
            assertThat(deliveries).as("frames sent to the member, for 20").hasSizeBetween(20, 60);
        }
    }

    /** A member whose ack-wait is not its group's consumer's sets its own on it, and says so. */
    @Test
    void withJetStreamAMemberWithAnotherAckWaitSetsItOnItsGroupsConsumer() throws Exception {
        server = server(new NatsTestServer(true).start());
        subscriber("uploader_a", "uploaders", context("jetstream.enabled = true"));
        TestBusContext context = context("jetstream { enabled = true, ack-wait = 5s }");
        subscriber("uploader_b", "uploaders", context);
        try (Connection admin = Nats.connect(server.url())) {
            assertThat(admin.jetStreamManagement().getConsumerInfo(JetStreamTopics.streamOf(TOPIC), "uploaders")
                    .getConsumerConfiguration().getAckWait()).isEqualTo(Duration.ofSeconds(5));
        }
        assertThat(context.log().messages(Level.INFO)).contains("JetStream consumer 'uploaders' of topic 'rtsp_topic':"
                + " ack-wait set to 5.0 s (was 30.0 s)");
    }

    /** The number of messages the topic's stream holds now; 0 when there is no stream. */
    private long stored() throws Exception {
        try (Connection admin = Nats.connect(server.url())) {
            return admin.jetStreamManagement().getStreamInfo(JetStreamTopics.streamOf(TOPIC)).getStreamState()
                    .getMsgCount();
        } catch (io.nats.client.JetStreamApiException missing) {
            return 0;
        }
    }

    /** A started JetStream publisher whose first message is stored. */
    private NatsBus storingPublisher(TestBusContext context) throws Exception {
        NatsBus publisher = bus(context);
        publisher.start();
        assertThat(publisher.canCarry(TOPIC)).as("the topic's stream is looked up first").isFalse();
        await().atMost(Waits.GENEROUS).until(() -> publisher.canCarry(TOPIC));
        assertThat(publisher.publish(TOPIC, image(0))).isTrue();
        await().atMost(Waits.GENEROUS).until(() -> stored() == 1);
        return publisher;
    }

    /**
     * With JetStream, the first publish on a topic makes its stream (on a thread of the bus), so
     * what a camera publishes before any subscriber started is stored and acknowledged, not lost.
     */
    @Test
    void withJetStreamThePublisherMakesTheTopicsStreamAndEveryMessageIsAcknowledged() throws Exception {
        server = server(new NatsTestServer(true).start());
        TestBusContext context = context("jetstream.enabled = true");
        NatsBus publisher = storingPublisher(context);
        for (long id = 1; id <= 4; id++) {
            assertThat(publisher.publish(TOPIC, image(id))).isTrue();
        }
        publisher.close();
        assertThat(context.count("lost")).isZero();
        assertThat(stored()).isEqualTo(5);
        assertThat(context.log().messages(Level.INFO)).contains("created JetStream stream MSIGHT_rtsp_topic for topic"
                + " 'rtsp_topic'");
        assertThat(context.log().messages(Level.WARN)).isEmpty();
    }

    /**
     * With JetStream, a frozen server acknowledges nothing: past max-pending-messages publishes are
     * refused (sources stop encoding), and those unacknowledged after the ack wait are counted as
     * unconfirmed: an outage, with the bus not connected, until a message is stored again.
     */
    @Test
    void withJetStreamWhatAFrozenServerNeverAcknowledgesIsUnconfirmedAndRoomIsBounded() throws Exception {
        TestBusContext context = roomOfFour("");
        NatsBus publisher = storingPublisher(context);
        server.freeze();
        try {
            int accepted = fillRoom(publisher);
            await().atMost(Waits.GENEROUS).until(() -> context.count("unconfirmed") >= accepted
                    && publisher.canCarry());
            assertThat(context.count("unconfirmed")).as("each unacknowledged one, once").isBetween((long) accepted, 4L);
            assertThat(context.count("lost")).as("none was refused").isZero();
            assertThat(publisher.connected()).as("/ready and msight_bus_connected, while publishing fails").isFalse();
            assertThat(context.log().messages(Level.WARN)).as("room, then no answers: one line each").hasSize(2)
                    .satisfiesExactly(room -> assertThat(room).startsWith("Publishing to JetStream at ")
                            .contains(" fails: 4 acknowledgement(s) are awaited (max-pending-messages)"),
                            none -> assertThat(none).contains(" fails for topic 'rtsp_topic': no acknowledgement"
                                    + " within 5 s").endsWith("such messages count as unconfirmed, stored only if the"
                                    + " server goes on; retrying"));
            fillRoom(publisher); // the timeouts gave the room back, and the server still answers nothing
            assertThat(context.log().messages(Level.INFO)).as("no outage ends while nothing is stored")
                    .noneMatch(m -> m.startsWith("Publishing to JetStream"));
            assertThat(context.log().messages(Level.WARN)).as("the room ran out again within the same outage")
                    .hasSize(2);
        } finally {
            server.thaw();
        }
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish(TOPIC, image(9));
            return publisher.outage().isEmpty();
        });
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("Publishing to JetStream"))
                .hasSize(2).allMatch(m -> m.matches("Publishing to JetStream at .* works again( for topic"
                        + " 'rtsp_topic')? after [0-9.]+ s"));
        assertThat(publisher.connected()).isTrue();
    }

    /**
     * Starts a JetStream server; the context of a publisher with room for 4 acknowledgements, whose
     * pings do not find a frozen server lost while a test runs, {@code block} over it.
     */
    private TestBusContext roomOfFour(String block) {
        server = server(new NatsTestServer(true).start());
        return context("jetstream.enabled = true, max-pending-messages = 4, ping-interval = 10m, " + block);
    }

    /**
     * Publishes while the server acknowledges nothing (frozen) until a publish is refused, as
     * max-pending-messages = 4 acknowledgements are awaited.
     *
     * @return the messages taken: 4, or 3 when the first message's acknowledgement was still awaited
     */
    private static int fillRoom(NatsBus publisher) {
        int accepted = 0;
        while (publisher.publish(TOPIC, image(accepted + 1))) {
            assertThat(++accepted).as("taken while the frozen server acknowledges nothing").isLessThanOrEqualTo(4);
        }
        assertThat(accepted).isBetween(3, 4);
        assertThat(publisher.canCarry()).as("sources stop encoding").isFalse();
        return accepted;
    }

    /**
     * With JetStream, close waits for the acknowledgements still awaited: a frozen server's time out,
     * unconfirmed. Then it sends what is queued within what is left of {@link NatsBus#CLOSE_WAIT}, not
     * for connect-timeout more: past the 10 s the runtime gives a bus to close (here 10 min).
     */
    @Test
    void withJetStreamCloseWaitsForWhatIsAwaited() throws Exception {
        TestBusContext context = roomOfFour("connect-timeout = 10m");
        NatsBus publisher = storingPublisher(context);
        server.freeze();
        try {
            int accepted = fillRoom(publisher);
            assertTimeoutPreemptively(Waits.GENEROUS, publisher::close); // 5 s, until they time out, then 1 s at most
            assertThat(context.count("unconfirmed")).as("these, and the first one if it was still awaited").isBetween(
                    (long) accepted, 4L);
            assertThat(context.log().messages(Level.WARN)).anyMatch(line -> line.contains(" fails for topic"
                    + " 'rtsp_topic': no acknowledgement within 5 s")).last().asString().matches("closing: NATS at "
                    + Pattern.quote(server.url()) + " did not take what was still queued to send within [0-9]+ ms"
                    + " \\(connect-timeout, within the 6 s closing waits in all\\): it is lost");
        } finally {
            server.thaw();
        }
    }

    /**
     * With JetStream, what is awaited when the connection is lost is lost with it, counted without
     * a line of its own (the connection's outage says it), and the room is free again at once.
     */
    @Test
    void withJetStreamWhatIsAwaitedWhenTheConnectionIsLostIsCountedAndItsRoomFreed() throws Exception {
        TestBusContext context = roomOfFour("");
        NatsBus publisher = storingPublisher(context);
        server.freeze();
        long publishing = System.nanoTime();
        int accepted = fillRoom(publisher);
        server.kill(); // within ACK_WAIT (5 s) of the publishes, unless the machine stalls: none of them timed out yet
        await().atMost(Waits.GENEROUS).until(() -> context.count("unconfirmed") >= accepted);
        // a stall of ACK_WAIT before the connection's loss was noticed (a loaded machine) timed them out first: the
        // line of that is theirs, and the topic's outage it starts ends with the room's
        boolean timedOut = System.nanoTime() - publishing >= JetStreamPublisher.ACK_WAIT.toNanos();
        assertThat(context.count("unconfirmed")).as("these, and the first one if it was still awaited").isBetween(
                (long) accepted, 4L);
        server.start();
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish(TOPIC, image(9));
            return publisher.outage().isEmpty();
        });
        // the room's outage, then the connection's (again if, on a loaded machine, the connection to the
        // restarted server was lost too: run r6 of 2026-12-05 saw it twice): no line of the unconfirmed messages' own
        List<String> warnings = context.log().messages(Level.WARN);
        assertThat(warnings).as("the room's outage first").first().asString()
                .contains(" fails: 4 acknowledgement(s) are awaited");
        assertThat(warnings.subList(1, warnings.size())).filteredOn(line -> !(timedOut && line.contains(" fails for"
                + " topic 'rtsp_topic': no acknowledgement within 5 s"))).as("then the connection's, and nothing else")
                .isNotEmpty().allSatisfy(connection -> assertThat(connection).startsWith("NATS connection to")
                        .endsWith(" lost (messages published here meanwhile are lost; the streams keep what others"
                                + " publish); retrying"));
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("Publishing to JetStream")
                && !m.contains(" for topic ")).as("the room's outage ends once a message is stored").singleElement()
                .asString().matches("Publishing to JetStream at .* works again after [0-9.]+ s");
    }

    /**
     * With JetStream, an acknowledgement the client discards, its queue of messages to write full
     * (the server frozen while this process publishes), brings its message again after ack-wait: it
     * is counted, with a line. It was a debug line.
     */
    @Test
    void withJetStreamAnAcknowledgementTheClientDiscardsIsCountedWithALine() throws Exception {
        server = server(new NatsTestServer(true, "max_payload: 8MB").start());
        // no word of progress (a third of ack-wait) while the test runs, nor a ping that finds the frozen server lost
        TestBusContext context = context("jetstream { enabled = true, ack-wait = 10m }, max-pending-messages = 4,"
                + " ping-interval = 10m");
        NatsBus bus = bus(context); // one connection, to publish and to subscribe
        Inbox inbox = new Inbox(16);
        bus.subscribe(new org.msight.api.bus.Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        bus.start();
        await().atMost(Waits.GENEROUS).until(() -> bus.canCarry(TOPIC));
        assertThat(bus.publish(TOPIC, image(1))).isTrue();
        Delivery held = inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
        assertThat(held.redeliveredUnlessDone()).as("JetStream delivers it again unless acknowledged").isTrue();
        ImageData large = image(2, 6 << 20);
        server.freeze();
        try {
            // the sockets' buffers fill, then the client's queue of 4 (with pulls too); the acknowledgements of
            // publishes awaited time out after 5 s, and give their room back
            await().atMost(Waits.GENEROUS).until(() -> {
                bus.publish(TOPIC, large);
                return context.count("discarded") > 0;
            });
            held.done();
        } finally {
            server.thaw();
        }
        assertThat(context.count("discarded-acks")).isOne();
        assertThat(context.log().messages(Level.WARN)).filteredOn(m -> m.contains("acknowledgement of a JetStream"))
                .singleElement().asString().isEqualTo("NATS at " + server.url() + " takes messages slower than this"
                        + " process writes them: the acknowledgement of a JetStream message, or its word of progress,"
                        + " was discarded (1 so far), 4 were waiting to be written (max-pending-messages); the server"
                        + " delivers such a message again after ack-wait, to be handled twice");
    }

    /**
     * With JetStream, a topic's stream is looked up on a thread of the bus: a frozen server fails
     * the lookup (an outage of the topic) while publishes are refused, and it is tried again until
     * the server answers.
     */
    @Test
    void withJetStreamATopicsStreamIsLookedUpAgainUntilTheServerAnswers() throws Exception {
        TestBusContext context = roomOfFour("connect-timeout = 2s"); // the lookup's request times out after it
        NatsBus publisher = bus(context);
        publisher.start();
        server.freeze();
        try {
            assertThat(publisher.canCarry(TOPIC)).isFalse();
            await().atMost(Waits.GENEROUS).until(() -> !context.log().messages(Level.WARN).isEmpty());
            assertThat(publisher.publish(TOPIC, image(1))).as("refused: the node counts it lost").isFalse();
        } finally {
            server.thaw();
        }
        await().atMost(Waits.GENEROUS).until(() -> publisher.canCarry(TOPIC));
        assertThat(publisher.publish(TOPIC, image(2))).isTrue();
        await().atMost(Waits.GENEROUS).until(() -> stored() == 1 && publisher.outage().isEmpty());
        publisher.close();
        assertThat(context.log().messages(Level.WARN)).singleElement().asString().startsWith("Publishing to JetStream"
                + " at ").contains(" fails for topic 'rtsp_topic': its stream MSIGHT_rtsp_topic could not be looked up"
                + " or made (");
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("Publishing to JetStream"))
                .singleElement().asString().matches("Publishing to JetStream at .* works again for topic 'rtsp_topic'"
                        + " after [0-9.]+ s");
    }

    /** {@link #storingPublisher}, then the topic's stream deleted on the server. */
    private NatsBus storingPublisherWhoseStreamIsDeleted(TestBusContext context) throws Exception {
        NatsBus publisher = storingPublisher(context);
        try (Connection admin = Nats.connect(server.url())) {
            admin.jetStreamManagement().deleteStream(JetStreamTopics.streamOf(TOPIC));
        }
        return publisher;
    }

    /**
     * With JetStream, an outage of a topic nothing publishes on any more (its node stopped after a
     * failure) holds the bus's readiness down only for a while after its latest failure.
     */
    @Test
    void withJetStreamAFailureNoPublishFollowsStopsCountingForReadiness() throws Exception {
        server = server(new NatsTestServer(true).start());
        TestBusContext context = context("jetstream.enabled = true");
        NatsBus publisher = storingPublisherWhoseStreamIsDeleted(context);
        assertThat(publisher.publish(TOPIC, image(1))).as("its stream is still thought known").isTrue();
        await().atMost(Waits.GENEROUS).until(() -> !publisher.connected());
        assertThat(publisher.outage()).get().asString().contains("has no stream for the topic");
        await().atMost(Waits.GENEROUS).until(publisher::connected); // 10 s after, nothing published since
        assertThat(publisher.outage()).isEmpty();
        assertThat(context.log().messages(Level.INFO)).as("nothing was stored: the outage has not ended")
                .noneMatch(m -> m.startsWith("Publishing to JetStream"));
    }

    /** With JetStream, a topic's stream deleted while only its publisher runs is made again by the publisher. */
    @Test
    void withJetStreamAStreamDeletedUnderAPublisherIsMadeAgainAndTheLossCounted() throws Exception {
        server = server(new NatsTestServer(true).start());
        TestBusContext context = context("jetstream.enabled = true");
        NatsBus publisher = storingPublisherWhoseStreamIsDeleted(context);
        await().atMost(Waits.GENEROUS).until(() -> {
            publisher.publish(TOPIC, image(1));
            return stored() > 0;
        });
        assertThat(context.count("lost")).isPositive();
        assertThat(context.log().messages(Level.WARN)).first().asString()
                .contains("fails for topic 'rtsp_topic': the server has no stream for the topic (deleted, or JetStream"
                        + " off?): it is looked up again, and made; such messages are lost");
        assertThat(context.log().messages(Level.INFO)).filteredOn(m -> m.startsWith("created JetStream stream"))
                .hasSize(2);
    }

    /** With JetStream on a server without it, the start fails in one line that says how to turn it on. */
    @Test
    void withJetStreamAServerWithoutItIsOneLineAtStart() {
        server = server(new NatsTestServer().start());
        NatsBus publisher = bus(context("jetstream.enabled = true"));
        assertThatThrownBy(publisher::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NATS at " + server.url() + " has no JetStream, which msight.nats.jetstream.enabled = true"
                        + " needs: start the server with JetStream on (nats-server -js, or a jetstream block in its"
                        + " configuration)");
    }
}

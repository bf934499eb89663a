package org.msight.plugins.redisbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.msight.plugins.redisbus.BusTests.TOPIC;
import static org.msight.plugins.redisbus.BusTests.closeAll;
import static org.msight.plugins.redisbus.BusTests.image;
import static org.msight.plugins.redisbus.BusTests.publishUntilReceived;
import static org.msight.plugins.redisbus.BusTests.rawPayloads;
import static org.msight.redis.RedisTests.await;
import static org.msight.redis.RedisTests.settings;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.ImageData;
import org.msight.api.data.MalformedDataException;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.testkit.TestBusContext;
import org.msight.redis.RedisAccessException;
import org.msight.redis.RedisSettings;
import org.msight.redis.RedisTests;
import org.msight.runtime.bus.Inbox;
import org.msight.testkit.LogCapture;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;
import redis.clients.jedis.Jedis;

class RedisBusTest {

    /** The subscriber's keep-alive interval (its socket timeout) in the tests of keep-alives. */
    private static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(3);
    private final MsightCodec codec = MsightCodec.withBuiltInTypes();
    private final TestBusContext context = TestBusContext.of("redis", "");
    private RedisTestServer server;
    private RedisBus publisher;
    private RedisBus subscriber;
    private TcpProxy proxy;
    private final LogCapture log = LogCapture.of(RedisBus.class);

    @AfterEach
    void tearDown() {
        closeAll(publisher, subscriber, proxy, server, log);
    }

    /** Two buses, as in two processes: one publishing, one subscribed with the returned inbox. */
    private Inbox connectTwoBuses(RedisSettings settings) {
        return connectTwoBuses(settings, settings);
    }

    /** The same, the subscriber reaching Redis as {@code subscriberSettings} say. */
    private Inbox connectTwoBuses(RedisSettings settings, RedisSettings subscriberSettings) {
        Inbox inbox = startTwoBuses(settings, subscriberSettings);
        awaitSubscribed(settings);
        return inbox;
    }

    /** {@link #connectTwoBuses(RedisSettings, RedisSettings)} without waiting for the subscriber to subscribe. */
    private Inbox startTwoBuses(RedisSettings settings, RedisSettings subscriberSettings) {
        publisher = new RedisBus(settings, context);
        subscriber = new RedisBus(subscriberSettings, context);
        Inbox inbox = new Inbox(100);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        subscriber.start();
        publisher.start();
        return inbox;
    }

    /** Two buses on a new Redis, the subscribing bus connected through {@link #proxy}. */
    private Inbox connectTwoBusesThroughAProxy() throws IOException {
        server = new RedisTestServer().start();
        proxy = new TcpProxy(server.port());
        // keep-alives every 3 s: a silent connection is found in 6 to 9 s, and no stall under 6 s drops one that answers
        return connectTwoBuses(settings(server.port(), null),
                RedisTests.withTimeouts(settings(proxy.port(), null), KEEP_ALIVE_INTERVAL, RedisTests.UNREACHED));
    }

    private void awaitSubscribed(RedisSettings settings) {
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            await("the subscriber to subscribe", () -> raw.pubsubNumSub(TOPIC).get(TOPIC) == 1L);
        }
    }

    /** How many keep-alives (UNSUBSCRIBEs) Redis has answered, from its command statistics. */
    private static long keepAlivesAnswered(Jedis raw) {
        return raw.info("commandstats").lines().filter(line -> line.startsWith("cmdstat_unsubscribe:calls="))
                .mapToLong(line -> Long.parseLong(line.replaceFirst("cmdstat_unsubscribe:calls=([0-9]+),.*", "$1")))
                .sum();
    }

    @Test
    void messagesGoFromOneBusToAnotherInMsightsWireFormat() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = connectTwoBuses(settings);
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            // what a Python MSight node sees: the payload is MSight's own bytes
            byte[] msight = MsightVectors.bytesData();
            raw.publish(TOPIC.getBytes(StandardCharsets.UTF_8), msight);
            SensorData fromPython = inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data();
            assertThat(fromPython).isInstanceOf(org.msight.api.data.BytesData.class);
            assertThat(codec.toMessagePack(fromPython)).isEqualTo(msight);
        }
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
        ImageData received = (ImageData) inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data();
        assertThat(received).isNotNull();
        assertThat(received.metadata()).isEqualTo(image(1).metadata());
        assertThat(received.image()).isEqualTo(image(1).image());
        // and what a Python MSight node reads of the bus's publish: MSight's own bytes
        Map<String, byte[]> vectors = org.msight.testkit.MsightVectors.messagePack();
        List<byte[]> msight = List.of(vectors.get("bytes_data"), vectors.get("image_data"));
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            assertThat(rawPayloads(raw, TOPIC, msight.size(), () -> msight.forEach(vector ->
                    assertThat(publisher.publish(TOPIC, codec.fromMessagePack(vector))).isTrue())))
                    .containsExactlyElementsOf(msight);
        }
    }

    @Test
    void malformedPayloadsAreHandedOverUndecodedAndFailOnlyWhenRead() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = connectTwoBuses(settings);
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            raw.publish(TOPIC.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0x93, 1, 2, 3});
            raw.publish(TOPIC, "not msgpack at all");
        }
        publisher.publish(TOPIC, image(2));
        for (int i = 0; i < 2; i++) {
            Delivery malformed = inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThatThrownBy(malformed::data).isInstanceOf(MalformedDataException.class);
        }
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data().metadata().frameId()).isEqualTo(1002);
    }

    /**
     * Nodes stopped for good end their subscriptions one by one: a topic is unsubscribed with its
     * last receiver, and the subscribing connection is closed with the last topic.
     */
    @Test
    void anEndedSubscriptionGetsNothingMoreAndTheConnectionGoesWithTheLastTopic() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        publisher = new RedisBus(settings, context);
        subscriber = new RedisBus(settings, context);
        Inbox stopped = new Inbox(100);
        Inbox running = new Inbox(100);
        Subscription ended = new Subscription(TOPIC, "stopped", Optional.empty(), stopped);
        Subscription staying = new Subscription(TOPIC, "running", Optional.empty(), running);
        Subscription other = new Subscription("other", "elsewhere", Optional.empty(), new Inbox(100));
        List.of(ended, staying, other).forEach(subscriber::subscribe);
        subscriber.start();
        publisher.start();
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            await("both topics to be subscribed", () -> raw.pubsubNumSub(TOPIC, "other").values().stream()
                    .allMatch(count -> count == 1L));
            long connections = raw.clientList().lines().count();

            subscriber.unsubscribe(ended);
            publishUntilReceived(publisher, running, image(30));
            assertThat(stopped.size()).as("published after its subscription ended").isZero();
            assertThat(raw.pubsubNumSub(TOPIC).get(TOPIC)).as("another node still takes the topic").isOne();

            subscriber.unsubscribe(other);
            await("'other' to be unsubscribed", () -> raw.pubsubNumSub("other").get("other") == 0L);
            subscriber.unsubscribe(staying);
            await("the subscribing connection to close", () -> raw.pubsubNumSub(TOPIC).get(TOPIC) == 0L
                    && raw.clientList().lines().count() == connections - 1);
        }
        assertThat(log.messages(Level.WARN)).as("no outage").isEmpty();
    }

    /** A subscriber that ends with its last topic during an outage leaves the next outage to be said. */
    @Test
    void aSubscriberThatEndsDuringAnOutageLetsTheNextOutageBeLogged() {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        subscriber = new RedisBus(settings, context);
        Subscription only = new Subscription(TOPIC, "stopped", Optional.empty(), new Inbox(100));
        subscriber.subscribe(only);
        subscriber.start();
        awaitSubscribed(settings);
        server.stop();
        await("the outage", () -> log.messages(Level.WARN).size() == 1);
        subscriber.unsubscribe(only);

        server.start();
        await("the bus to publish again", () -> subscriber.publish(TOPIC, image(40)));
        int warnings = log.messages(Level.WARN).size();
        server.stop();
        await("the second outage", () -> {
            subscriber.publish(TOPIC, image(41));
            return log.messages(Level.WARN).size() > warnings;
        });
        assertThat(log.messages(Level.WARN)).allMatch(m -> m.endsWith("; retrying"));
    }

    @Test
    void bothSidesReachRedisOverAUnixSocketAndTheSubscriberKeepsItsConnection(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("redis.sock");
        server = new RedisTestServer(List.of("--unixsocket", socket.toString(), "--unixsocketperm", "700")).start();
        Inbox inbox = connectTwoBuses(RedisTests.withTimeouts(RedisTests.unixSettings(socket), KEEP_ALIVE_INTERVAL,
                RedisTests.UNREACHED));
        assertThat(publisher.publish(TOPIC, image(20))).isTrue();
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data().metadata().frameId())
                .isEqualTo(1020);
        try (Jedis raw = settings(server.port(), null).connect(Duration.ofSeconds(2))) {
            long before = keepAlivesAnswered(raw);
            // the keep-alive asks on the subscribed connection while its read waits for messages
            await("three keep-alives over the socket", () -> keepAlivesAnswered(raw) >= before + 3);
        }
        assertThat(publisher.publish(TOPIC, image(21))).isTrue();
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data().metadata().frameId())
                .isEqualTo(1021);
        assertThat(log.messages()).noneMatch(m -> m.contains("stopped answering"));
    }

    /**
     * A subscriber Redis closes for reading too slowly: the line names Redis's own line for it and
     * the closing counts as lost. A receiver that blocks stands in for what slows the subscriber's
     * reading where its inboxes never block (a network to Redis slower than what is published, a
     * busy CPU; with an inbox and a fast publisher of 32 kB messages, Redis closed it too).
     */
    @Test
    void aSubscriberRedisClosesForReadingTooSlowlyIsToldApartFromAnUnreachableRedis() throws Exception {
        // Redis closes a pub/sub client whose unsent replies pass 64 kB (32 MB by default)
        server = new RedisTestServer(List.of("--client-output-buffer-limit", "pubsub 64kb 0 0")).start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = new Inbox(100);
        CountDownLatch published = new CountDownLatch(1);
        Receiver slow = new Receiver() { // the subscriber thread reads nothing more until all is published
            @Override
            public void deliver(Delivery delivery) {
                try {
                    published.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inbox.deliver(delivery);
            }

            @Override
            public int remainingCapacity() {
                return inbox.remainingCapacity();
            }

            @Override
            public void countMalformed() {
                inbox.countMalformed();
            }
        };
        publisher = new RedisBus(settings, context);
        subscriber = new RedisBus(settings, context);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), slow));
        subscriber.start();
        publisher.start();
        awaitSubscribed(settings);
        // each under the limit (a larger one closes the subscriber by itself, each time it is published)
        ImageData big = ImageData.jpeg(image(16).metadata(), new byte[32 * 1024], 8, 16);
        for (int i = 0; i < 800; i++) { // 25 MB: more than the socket buffers between Redis and the subscriber hold
            publisher.publish(TOPIC, big);
        }
        published.countDown();
        String closed = log.await("the closing to be logged", m -> m.contains("closed this subscriber"));
        Matcher client = Pattern.compile("says '(addr=127\\.0\\.0\\.1:\\d+) \\.\\.\\. scheduled").matcher(closed);
        assertThat(client.find()).as(closed).isTrue();
        assertThat(closed.replace(client.group(1), "addr=...")).isEqualTo("Redis at 127.0.0.1:" + server.port()
                + " closed this subscriber's connection while it kept running: what Redis held for it, and what is"
                + " published until it subscribes again, is lost. The likely cause: it read more slowly than messages"
                + " were published, and its output buffer passed client-output-buffer-limit pubsub (32mb, or 8mb for"
                + " 60 s, by default; a message larger than that always does); Redis's log then says 'addr=... ..."
                + " scheduled to be closed ASAP for overcoming of output buffer limits'. Raise the limit on the Redis"
                + " server, or check that this machine's network to Redis carries what is published and its CPU keeps"
                + " up; reconnecting");
        assertThat(Files.readAllLines(server.log())).as("Redis's log names the connection the line names")
                .anyMatch(line -> line.contains(" " + client.group(1) + " ")
                        && line.endsWith("scheduled to be closed ASAP for overcoming of output buffer limits."));
        assertThat(context.counter("lost").count()).as("the closing's loss is counted").isEqualTo(1);
        publishUntilReceived(publisher, inbox, image(17));
        assertThat(log.messages()).as("one line a minute at most, and no outage")
                .filteredOn(m -> m.contains("closed this subscriber")).hasSize(1);
        assertThat(log.messages()).noneMatch(m -> m.startsWith("Redis unreachable") || m.contains("restored"));
    }

    /**
     * A Redis that cannot save to its disk (full, or gone; stop-writes-on-bgsave-error, the
     * default) refuses PING and writes with MISCONF while it still carries pub/sub for Python's
     * subscribers: the keep-alive's PING cut this subscriber off, and every reconnect's PING
     * failed, for as long as the disk did. The subscriber keeps its connection, a new publisher
     * connects, and messages go on.
     */
    @Test
    void aRedisThatCannotSaveToItsDiskKeepsCarryingMessages(@TempDir Path dir) throws Exception {
        Path saves = Files.createDirectories(dir.resolve("saves"));
        server = new RedisTestServer(List.of("--save", "3600 1", "--dir", saves.toString())).start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = connectTwoBuses(settings);
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            try {
                Files.delete(saves); // the disk gone
                raw.bgsave();
                await("Redis to fail its save", () -> raw.info("persistence").contains("rdb_last_bgsave_status:err"));
                assertThatThrownBy(raw::ping).hasMessageStartingWith("MISCONF");
                String subscriberAt = subscriberConnection(raw);
                long age = Long.parseLong(subscriberAt.replaceFirst(".* age=([0-9]+) .*", "$1"));
                String id = subscriberAt.replaceFirst("^id=([0-9]+) .*", "$1");
                // four keep-alive intervals and more on the same connection: two silent ones drop it
                await("the subscriber's connection to live on", () -> subscriberConnection(raw)
                        .matches("^id=" + id + " .*") && Long.parseLong(subscriberConnection(raw)
                        .replaceFirst(".* age=([0-9]+) .*", "$1")) >= age + 5);
                publishUntilReceived(publisher, inbox, image(30));
                RedisBus later = new RedisBus(settings, context); // a new connection, its check refused PING
                try {
                    later.start();
                    publishUntilReceived(later, inbox, image(31));
                } finally {
                    later.close();
                }
            } finally {
                raw.configSet("save", ""); // else Redis refuses to stop, unable to save
            }
        }
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /**
     * A Redis loading its dataset after a restart (a dump of 10,000 keys here, slowed to 20 ms a
     * key) refuses PING with LOADING until it has loaded, and carries pub/sub meanwhile, for Python
     * MSight's nodes, which send no PING. Every connection of the buses failed at its PING: what
     * was published was lost, and the subscriber in an outage, for as long as the loading took.
     */
    @Test
    void busesCarryMessagesWhileRedisLoadsItsDataset(@TempDir Path dir) throws Exception {
        server = new RedisTestServer(List.of("--dir", dir.toString(), "--rdbcompression", "no")).start();
        try (Jedis raw = new Jedis("127.0.0.1", server.port(), (int) RedisTests.UNREACHED.toMillis())) {
            raw.eval("local value = string.rep('x', 1024)"
                    + " for i = 1, 10000 do redis.call('SET', 'key:' .. i, value) end");
            raw.save();
        }
        // Loading takes 200 s at least, longer than all the waits below (the tear-down stops it). Redis serves its
        // clients after each kB it reads, a key's value: every 20 ms.
        server.restartWith(List.of("--dir", dir.toString(), "--key-load-delay", "20000",
                "--loading-process-events-interval-bytes", "1024"));
        try (Jedis raw = new Jedis("127.0.0.1", server.port(), (int) RedisTests.UNREACHED.toMillis())) {
            assertThat(loading(raw)).as("loading").isTrue();
            assertThatThrownBy(raw::ping).hasMessageStartingWith("LOADING");
            assertTwoBusesCarryAMessage(settings(server.port(), null), raw);
            assertThat(loading(raw)).as("still loading").isTrue();
        }
    }

    /** Whether Redis is loading its dataset, as INFO says. */
    private static boolean loading(Jedis raw) {
        return raw.info("persistence").lines().anyMatch("loading:1"::equals);
    }

    /**
     * A replica cut off from its master (here one that never answers) with
     * replica-serve-stale-data no refuses PING, and keys, with MASTERDOWN, and carries pub/sub.
     */
    @Test
    void busesCarryMessagesOnAReplicaCutOffFromItsMaster() throws Exception {
        try (ServerSocket master = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server = new RedisTestServer(List.of("--replicaof", "127.0.0.1", String.valueOf(master.getLocalPort()),
                    "--replica-serve-stale-data", "no")).start();
            try (Jedis raw = new Jedis("127.0.0.1", server.port(), (int) RedisTests.UNREACHED.toMillis())) {
                assertThatThrownBy(raw::ping).hasMessageStartingWith("MASTERDOWN");
                assertTwoBusesCarryAMessage(settings(server.port(), null), raw);
            }
        }
    }

    /**
     * Starts two buses on {@code settings} and publishes one message, which the subscribing one
     * receives; neither says a word of an outage. {@code raw} watches Redis without a PING.
     */
    private void assertTwoBusesCarryAMessage(RedisSettings settings, Jedis raw) throws InterruptedException {
        Inbox inbox = startTwoBuses(settings, settings);
        await("the subscriber to subscribe", () -> raw.pubsubNumSub(TOPIC).get(TOPIC) == 1L);
        assertThat(publisher.publish(TOPIC, image(50))).as("published").isTrue();
        Delivery received = inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);
        assertThat(received).as("received").isNotNull();
        assertThat(received.data().metadata().frameId()).isEqualTo(1050);
        assertThat(publisher.connected()).as("both buses connected, no outage").isTrue();
        assertThat(subscriber.connected()).as("the subscriber connected, no outage").isTrue();
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /** The CLIENT LIST line of the connection subscribed to {@link BusTests#TOPIC}. */
    private static String subscriberConnection(Jedis raw) {
        return raw.clientList().lines().filter(line -> line.contains(" sub=1 ")).findFirst().orElse("");
    }

    @Test
    void aConnectionThatGoesSilentIsDroppedAndTheSubscriberReconnects() throws Exception {
        Inbox inbox = connectTwoBusesThroughAProxy();
        int connected = proxy.connections(); // the subscribing bus's publisher and subscriber
        // three keep-alives: longer than the two silent intervals after which a connection is dropped
        try (Jedis raw = settings(server.port(), null).connect(settings(server.port(), null).socketTimeout())) {
            await("three keep-alives", () -> keepAlivesAnswered(raw) >= 3);
        }
        assertThat(proxy.connections()).as("an idle connection that answers its keep-alives is kept")
                .isEqualTo(connected);
        publisher.publish(TOPIC, image(11));
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isNotNull();

        proxy.silenceOpenConnections();
        publishUntilReceived(publisher, inbox, image(12));
        assertThat(proxy.connections()).isEqualTo(connected + 1);
        assertThat(log.messages()).anyMatch(m -> m.startsWith("Redis at 127.0.0.1:" + proxy.port()
                + " stopped answering (nothing for ") && m.endsWith(" ms; a message that takes longer than two"
                + " socket-timeouts to arrive, a large one over a slow link, is cut so too: raise socket-timeout);"
                + " retrying"))
                .noneMatch(m -> m.contains("closed this subscriber"))
                .as("the socket the bus closed itself is no news").noneMatch(m -> m.endsWith("; still retrying"));
    }

    @Test
    void aReplyTooLargeForMemoryIsSaidPlainlyCountedAsLostAndTheSubscriberReconnects() throws Exception {
        Inbox inbox = connectTwoBusesThroughAProxy();
        int connected = proxy.connections();
        // a pub/sub message whose payload claims 2 GiB: Jedis allocates that before reading it
        proxy.sendToClients("*3\r\n$7\r\nmessage\r\n$10\r\nrtsp_topic\r\n$2147483647\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        publishUntilReceived(publisher, inbox, image(13));
        assertThat(proxy.connections()).isEqualTo(connected + 1);
        // said as what it is, with what to do, and no stack trace of the error
        assertThat(log.messages()).contains("Redis subscriber at 127.0.0.1:" + proxy.port() + " ran out of memory"
                + " reading a message; the messages Redis held for it are lost."
                + " Give the process a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower the subscribing nodes'"
                + " queue-max-bytes, queue-capacity or max-in-flight; reconnecting");
        // the message was lost before its topic was known: the bus counts it (msight_bus_lost_total), no node does
        assertThat(context.count("lost")).as("the bus's lost").isEqualTo(1);
    }

    /**
     * Closing waits as long as the subscriber thread's connection attempts may take (connect
     * timeout and two socket timeouts, 750 ms here), not for a thread stuck beyond them: here in
     * a receiver that breaks its promise not to block, unmoved by interrupts.
     */
    @Test
    void aSubscriberThreadStuckAtCloseIsLoggedAndLeftBehind() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings base = settings(server.port(), null);
        RedisSettings quick = new RedisSettings(base.host(), base.port(), null, 0, null, null, null,
                Duration.ofMillis(250), Duration.ofMillis(250), base.publishTimeout(), base.backoffInitial(),
                base.backoffMax(), List.of());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        publisher = new RedisBus(quick, context);
        subscriber = new RedisBus(quick, context);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), new Receiver() {
            @Override
            public void deliver(Delivery delivery) {
                entered.countDown();
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        // stuck for good: closing's interrupt changes nothing
                    }
                }
            }

            @Override
            public int remainingCapacity() {
                return 1;
            }

            @Override
            public void countMalformed() {
            }
        }));
        subscriber.start();
        publisher.start();
        awaitSubscribed(quick);
        await("the receiver to get stuck", () -> publisher.publish(TOPIC, image(14)) && entered.getCount() == 0);
        try {
            subscriber.close();
            assertThat(log.messages()).filteredOn(m -> m.startsWith("Redis subscriber thread ")).singleElement()
                    .asString().endsWith(" did not stop within 2000 ms of closing (two connections' connect-timeout plus"
                            + " three socket-timeouts each); left behind");
        } finally {
            release.countDown();
        }
    }

    @Test
    void bothSidesResumeAfterRedisRestartsAndSayWhatWasLost() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = connectTwoBuses(settings);
        publisher.publish(TOPIC, image(3));
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isNotNull();

        server.stop();
        // a publish while Redis is away returns (how fast is the publish-timeout's job, not a test's)
        assertTimeoutPreemptively(Waits.GENEROUS, () -> {
            for (int i = 0; i < 5; i++) {
                assertThat(publisher.publish(TOPIC, image(4))).as("published while Redis is away").isFalse();
            }
        });
        assertThat(publisher.outage()).as("what status shows beside the bus").get().asString()
                .startsWith("Redis unreachable at 127.0.0.1:" + server.port() + " (");

        server.start();
        awaitSubscribed(settings);
        publishUntilReceived(publisher, inbox, image(5));
        // once per outage and bus; this test runs two buses, as two processes would
        assertThat(log.messages()).filteredOn(m -> m.startsWith("Redis unreachable at 127.0.0.1:" + server.port()))
                .hasSize(2).allMatch(m -> m.endsWith("; retrying"));
        await("the restored line", () -> log.messages().stream().anyMatch(m -> m.matches(
                "Redis connection restored after [0-9.]+ s")));
        assertThat(context.count("reconnects")).as("the buses' reconnects").isPositive();
    }

    /**
     * Redis restarted with a password (requirepass) while a bus runs: after the outage's line (Redis
     * unreachable), the refusal that follows is said once, however many reconnections it refuses,
     * and the outage ends when Redis takes the connections again.
     */
    @Test
    void aRedisBackWithAPasswordDuringAnOutageSaysSoOnce() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        subscriber = new RedisBus(settings, context);
        Inbox inbox = new Inbox(100);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        subscriber.start();
        awaitSubscribed(settings);
        publishUntilReceived(subscriber, inbox, image(50));

        server.restartWith(List.of("--requirepass", "n3w-pw"));
        String refused = "Redis at 127.0.0.1:" + server.port() + " requires a password: set msight.redis.password or"
                + " MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD; still retrying";
        await("the refusal's line", () -> !subscriber.publish(TOPIC, image(51)) && log.messages().contains(refused));
        RedisSettings admin = settings(server.port(), "n3w-pw");
        try (Jedis raw = admin.connect(admin.socketTimeout())) {
            long connections = connectionsReceived(raw);
            await("more reconnections refused", () -> !subscriber.publish(TOPIC, image(52))
                    && connectionsReceived(raw) > connections + 4);
            raw.configSet("requirepass", ""); // the password fixed
        }
        publishUntilReceived(subscriber, inbox, image(53));
        log.await("the restored line", m -> m.matches("Redis connection restored after [0-9.]+ s"));
        assertThat(log.messages(Level.WARN)).first().asString().startsWith("Redis unreachable at 127.0.0.1:"
                + server.port()).endsWith("; retrying");
        assertThat(log.messages()).filteredOn(m -> m.contains("requires a password")).containsExactly(refused);
    }

    /** How many connections Redis has taken, from its statistics. */
    private static long connectionsReceived(Jedis raw) {
        return raw.info("stats").lines().filter(line -> line.startsWith("total_connections_received:"))
                .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim())).sum();
    }

    /** A bus that only subscribes publishes nothing that would find the connection lost: its subscriber tells. */
    @Test
    void aBusThatOnlySubscribesIsNotConnectedWhileRedisIsAway() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        subscriber = created(server.port(), null, false);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        subscriber.start();
        awaitSubscribed(settings);
        await("the subscriber to be connected", () -> subscriber.connected());

        server.stop();
        await("the subscriber to see Redis away", () -> !subscriber.connected());
        server.start();
        await("the subscriber to be back", () -> subscriber.connected());
        awaitSubscribed(settings);
    }

    /**
     * A publish that Redis stops reading would wait for good (a socket write has no time limit):
     * 32 MB fill the socket buffers between the bus and a frozen Redis.
     */
    @Test
    void aPublishRedisStopsReadingIsLostAndStartsAnOutageAndTheBusStillCloses() {
        server = new RedisTestServer().start();
        connectTwoBuses(RedisTests.withTimeouts(settings(server.port(), null), Duration.ofSeconds(1), Duration.ofMillis(300)));
        server.freeze();
        try {
            assertTimeoutPreemptively(Waits.GENEROUS, () -> {
                assertThat(publisher.publish(TOPIC, bigMessage())).as("published while Redis is frozen").isFalse();
                await("the publisher to say it cannot carry messages", () -> !publisher.canCarry());
                log.await("the outage to be logged", m -> m.startsWith("Redis at 127.0.0.1:" + server.port()
                        + " stopped taking messages (a publish waited ") && m.endsWith("; retrying"));
                publisher.close();
            });
        } finally {
            server.thaw();
        }
        assertThat(log.messages()).as("one line for the outage, however many reconnections failed")
                .filteredOn(m -> m.contains("stopped taking messages")).hasSize(1);
        assertThat(log.messages()).as("the socket the bus closed itself is no news")
                .noneMatch(m -> m.contains("Socket closed"));
    }

    @Test
    void aPublisherCutOffByAFrozenRedisResumesOnceRedisReadsAgain() {
        server = new RedisTestServer().start();
        Inbox inbox = connectTwoBuses(RedisTests.withTimeouts(settings(server.port(), null), Duration.ofSeconds(1), Duration.ofMillis(300)));
        server.freeze();
        try {
            assertTimeoutPreemptively(Waits.GENEROUS,
                    () -> assertThat(publisher.publish(TOPIC, bigMessage())).as("published while Redis is frozen").isFalse());
        } finally {
            server.thaw();
        }
        publishUntilReceived(publisher, inbox, image(30));
        log.await("the restored line", m -> m.matches("Redis connection restored after [0-9.]+ s"));
    }

    /**
     * A Redis with {@code timeout} set closes a connection idle that long; the next publish wrote
     * into it and was lost. redis-py, which Python MSight publishes with, looks first, and so does the bus.
     */
    @Test
    void aPublishAfterRedisClosedTheIdleConnectionGetsThrough() throws Exception {
        server = new RedisTestServer(List.of("--timeout", "1")).start();
        RedisSettings settings = settings(server.port(), null);
        Inbox inbox = connectTwoBuses(settings);
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            await("Redis to close the idle publishing connection", () -> {
                raw.ping(); // this connection is not idle
                return !raw.clientList().contains("cmd=publish");
            });
        }
        assertThat(publisher.publish(TOPIC, image(2))).as("the first publish after the close").isTrue();
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).data().metadata().frameId()).isEqualTo(1002);
        assertThat(log.messages()).as("no outage").noneMatch(line -> line.contains("retrying"));
    }

    /**
     * A publish replacing a connection Redis closed as idle while the bus closes: close() waits
     * publish-timeout for it, then closes the socket it knows, the old one, while the new one is
     * still in its TCP connect (here to a proxy whose accept queue is full). Once made, that
     * connection is closed, its message not published: the bus leaves no connection behind.
     */
    @Test
    void aPublishReconnectingWhileTheBusClosesLeavesNoConnectionBehind() throws Exception {
        server = new RedisTestServer(List.of("--timeout", "1")).start();
        proxy = new TcpProxy(server.port());
        RedisSettings settings = settings(server.port(), null);
        publisher = new RedisBus(RedisTests.withTimeouts(settings(proxy.port(), null), RedisTests.UNREACHED,
                Duration.ofSeconds(2)), context);
        publisher.start();
        assertThat(publisher.publish(TOPIC, image(1))).isTrue();
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            await("Redis to close the idle publishing connection", () -> {
                raw.ping(); // this connection is not idle
                return !raw.clientList().contains("cmd=publish") && proxy.openConnections() == 0;
            });
            raw.configSet("timeout", "0"); // a connection left behind stays
            proxy.fillAcceptQueue();
            AtomicReference<Boolean> published = new AtomicReference<>();
            Thread publishing = new Thread(() -> published.set(publisher.publish(TOPIC, image(2))));
            publishing.start();
            await("the publish to wait in its TCP connect", () -> Arrays.stream(publishing.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().equals("java.net.Socket")
                            && frame.getMethodName().equals("connect")));

            publisher.close();
            proxy.acceptAgain();
            publishing.join(Waits.GENEROUS.toMillis());
            assertThat(publishing.isAlive()).as("the publish still waits").isFalse();
            assertThat(published.get()).as("published after the bus closed").isFalse();
            assertThat(raw.clientList()).doesNotContain("cmd=publish");
            // the connection the publish made got through its AUTH and PING: closed, it leaves Redis's list
            await("no connection of the publisher's left", () -> !raw.clientList().contains("cmd=ping"));
        }
    }

    /** A message of 32 MB: more than the socket buffers between a bus and Redis hold. */
    private static BytesData bigMessage() {
        return new BytesData(image(0).metadata(), new byte[32 * 1024 * 1024]);
    }

    @Test
    void aBusStartedBeforeRedisAndBeforeItsFirstTopicCatchesUp() throws Exception {
        server = new RedisTestServer();
        RedisSettings settings = settings(server.port(), null);
        publisher = new RedisBus(settings, context);
        subscriber = new RedisBus(settings, context);
        publisher.start();
        subscriber.start();
        assertThat(publisher.publish(TOPIC, image(7))).isFalse();

        server.start();
        Inbox late = new Inbox(10);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), late));
        awaitSubscribed(settings);
        publishUntilReceived(publisher, late, image(8));
    }

    @Test
    void aPasswordProtectedRedisWorksWithThePassword() throws Exception {
        server = RedisTestServer.withPassword("s3cret-pw").start();
        Inbox inbox = connectTwoBuses(settings(server.port(), "s3cret-pw"));
        publisher.publish(TOPIC, image(6));
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    }

    /** Redis refusing the subscription (an ACL without the topic's channel) is an outage that says why. */
    @Test
    void aSubscriptionRedisRefusesIsAnOutageNamingWhy() {
        subscriber = new RedisBus(userOfChannelOtherOnly(), context);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        subscriber.start();
        String refused = log.await("the refusal", line -> line.contains("NOPERM"));
        assertThat(refused).startsWith("Redis at 127.0.0.1:" + server.port() + " does not let this user do what MSight"
                + " needs").doesNotContain("s3cret-pw");
        assertThat(log.messages()).noneMatch(line -> line.contains("client-output-buffer-limit"));
    }

    /** Starts a Redis with user {@code camera} let use channel {@code other} alone: {@link #camera}. */
    private RedisSettings userOfChannelOtherOnly() {
        return camera("~*", "resetchannels", "&other", "+@all");
    }

    /**
     * Starts a Redis with user {@code camera} (password {@code s3cret-pw}) under the ACL
     * {@code rules}; its settings, with a publish-timeout no loaded machine reaches.
     */
    private RedisSettings camera(String... rules) {
        server = new RedisTestServer().start();
        RedisSettings admin = settings(server.port(), null);
        try (Jedis raw = admin.connect(admin.socketTimeout())) {
            raw.aclSetUser("camera", "on", ">s3cret-pw");
            raw.aclSetUser("camera", rules);
        }
        return new RedisSettings("127.0.0.1", server.port(), null, 0, "camera", "s3cret-pw", null,
                admin.connectTimeout(), admin.socketTimeout(), Duration.ofSeconds(30), admin.backoffInitial(),
                admin.backoffMax(), List.of());
    }

    /**
     * A user with the rights MSight uses (pub/sub; hashes and EVAL for the registry; INFO), not
     * PING, which Python MSight never sends: buses that publish, and that only subscribe, start
     * (the PING that checks a connection is refused once Redis took the credentials), and carry
     * messages.
     */
    @Test
    void aUserWithoutTheRightToPingStartsBusesThatCarryMessages() {
        RedisSettings camera = camera("~MSIGHT*", "&*", "+@pubsub", "+@hash", "+eval", "+info");
        publisher = new RedisBus(camera, context);
        subscriber = new RedisBus(camera, context.subscribeOnly());
        Inbox inbox = new Inbox(10);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        subscriber.start();
        publisher.start();
        awaitSubscribed(camera);
        publishUntilReceived(publisher, inbox, image(60));
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /** Each refusal dropped the connection: a reconnection and two log lines a message, the topics allowed lost meanwhile. */
    @Test
    void aMessageRedisRefusesIsLostWithOneLineAndTheConnectionKept() {
        publisher = new RedisBus(userOfChannelOtherOnly(), context);
        publisher.start();
        for (int i = 0; i < 30; i++) {
            assertThat(publisher.publish(TOPIC, image(i))).as("refused").isFalse();
            assertThat(publisher.publish("other", image(i))).as("allowed, on the same connection").isTrue();
        }
        assertThat(log.messages()).filteredOn(line -> line.contains("NOPERM")).singleElement().asString()
                .startsWith("Redis at 127.0.0.1:" + server.port() + " does not let this user do what MSight needs")
                .endsWith("(1 message(s) for topic '" + TOPIC + "' refused, and lost, since the last such line)")
                .doesNotContain("s3cret-pw");
        assertThat(context.counter("reconnects").count()).isZero();
        assertThat(log.messages()).noneMatch(line -> line.contains("restored") || line.contains("retrying"));
    }

    @Test
    void aPasswordProtectedRedisWithoutThePasswordGivesOneClearLine() {
        server = RedisTestServer.withPassword("s3cret-pw").start();
        publisher = new RedisBus(settings(server.port(), null), context);
        assertThatThrownBy(publisher::start).isInstanceOf(RedisAccessException.class)
                .hasMessage("Redis at 127.0.0.1:" + server.port() + " requires a password: set msight.redis.password"
                        + " or MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD");
        subscriber = new RedisBus(settings(server.port(), "wrong-pw"), context);
        assertThatThrownBy(subscriber::start).isInstanceOf(RedisAccessException.class)
                .hasMessageStartingWith("Redis at 127.0.0.1:" + server.port() + " rejected the user name or password")
                .hasMessageNotContaining("wrong-pw");
    }

    @Test
    void aPasswordForARedisWithoutOneGivesOneClearLine() {
        server = new RedisTestServer().start();
        publisher = new RedisBus(settings(server.port(), "needless-pw"), context);
        assertThatThrownBy(publisher::start).isInstanceOf(RedisAccessException.class)
                .hasMessage("Redis at 127.0.0.1:" + server.port() + " has no password, but msight.redis.password is set:"
                        + " clear it");
    }

    /** A bus as the runtime makes it on the test server: for a process whose nodes publish on it, or only subscribe. */
    private static RedisBus created(int port, String password, boolean publishes) {
        TestBusContext context = TestBusContext.of("redis", "host = \"127.0.0.1\"\nport = " + port
                + (password == null ? "" : "\npassword = " + password));
        return (RedisBus) new RedisBus.Provider().create(publishes ? context : context.subscribeOnly());
    }

    /**
     * A process whose nodes only subscribe (an uploader alone) opens no publishing connection:
     * besides this test's own, Redis has one client, the subscribing one (flag P), once the
     * connection that checked Redis at start has gone.
     */
    @Test
    void aBusNoNodePublishesOnOpensNoPublishingConnection() throws Exception {
        server = new RedisTestServer().start();
        RedisSettings settings = settings(server.port(), null);
        subscriber = created(server.port(), null, false);
        Inbox inbox = new Inbox(10);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), inbox));
        subscriber.start();
        awaitSubscribed(settings);
        try (Jedis raw = settings.connect(settings.socketTimeout())) {
            String own = "id=" + raw.clientId() + " ";
            await("only the subscribing connection", () -> raw.clientList().lines()
                    .filter(client -> !client.startsWith(own))
                    .map(client -> client.replaceFirst(".* flags=(\\S+) .*", "$1")).toList().equals(List.of("P")));
            raw.publish(TOPIC.getBytes(StandardCharsets.UTF_8), MsightVectors.bytesData());
        }
        assertThat(inbox.poll(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(subscriber.connected()).isTrue();
    }

    /**
     * A process whose nodes only subscribe, started while Redis does not answer (here a server that
     * drops the start's check and never answers the subscriber, which waits socket-timeout): the bus
     * shows as not connected from its start, with why, as it did when its publishing connection
     * failed there; not only once the subscriber's first connection has failed.
     */
    @Test
    void aBusNoNodePublishesOnIsNotConnectedFromAStartThatFoundRedisAway() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket away = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            startSubscriberOfASilentServer(away, held);

            assertThat(subscriber.connected()).isFalse();
            assertThat(subscriber.outage()).hasValueSatisfying(reason -> assertThat(reason)
                    .startsWith("Redis unreachable at 127.0.0.1:" + away.getLocalPort() + " ("));
        } finally {
            closeAll(held.toArray(AutoCloseable[]::new));
        }
    }

    /**
     * A bus closed while its subscriber waits for a server that accepted its connection and never
     * answers (its PING waits socket-timeout, two minutes here) stops at once: close() closes the
     * socket of a connection still being made too, not only of one made.
     */
    @Test
    void aSubscriberClosedWhileItsConnectionWaitsForRedisStopsAtOnce() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            startSubscriberOfASilentServer(silent, held);
            await("the subscriber's connection accepted", () -> !held.isEmpty());

            assertTimeoutPreemptively(Waits.GENEROUS, subscriber::close);
            Socket connection = held.get(0);
            connection.setSoTimeout((int) Waits.GENEROUS.toMillis());
            assertThatThrownBy(() -> connection.getInputStream().readAllBytes())
                    .as("the subscriber's socket closed (a reset: Jedis's sockets linger 0 s), not a read timing out")
                    .isInstanceOf(SocketException.class).hasMessage("Connection reset");
        } finally {
            closeAll(held.toArray(AutoCloseable[]::new));
        }
    }

    /**
     * Starts a subscribe-only bus on {@code server}, which closes the start's check at once and
     * then holds each connection, into {@code held}, without a word (socket-timeout: two minutes).
     */
    private void startSubscriberOfASilentServer(ServerSocket server, List<Socket> held) {
        AtomicBoolean first = new AtomicBoolean(true);
        BusTests.acceptEach(server, client -> {
            if (first.getAndSet(false)) {
                client.close();
            } else {
                held.add(client);
            }
        });
        RedisSettings settings = new RedisSettings("127.0.0.1", server.getLocalPort(), null, 0, null, null, null,
                Duration.ofSeconds(1), Waits.GENEROUS.multipliedBy(2), Duration.ofMillis(300), Duration.ofMillis(50),
                Duration.ofMillis(300), List.of());
        subscriber = new RedisBus(settings, context.subscribeOnly());
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        subscriber.start();
    }

    /** Without a publishing connection, the start still checks the credentials, and refuses them in the same line. */
    @Test
    void aBusNoNodePublishesOnRefusesAWrongPasswordAtStartInTheSameLine() {
        server = RedisTestServer.withPassword("s3cret-pw").start();
        publisher = created(server.port(), "wrong-pw", true);
        subscriber = created(server.port(), "wrong-pw", false);
        subscriber.subscribe(new Subscription(TOPIC, "uploader", Optional.empty(), new Inbox(10)));
        String refused = "Redis at 127.0.0.1:" + server.port() + " rejected the user name or password: check"
                + " msight.redis.username and msight.redis.password (MSIGHT_REDIS_MESSAGE_BROKER_USERNAME,"
                + " MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD)";
        assertThatThrownBy(publisher::start).isInstanceOf(RedisAccessException.class).hasMessage(refused);
        assertThatThrownBy(subscriber::start).isInstanceOf(RedisAccessException.class).hasMessage(refused);
    }
}

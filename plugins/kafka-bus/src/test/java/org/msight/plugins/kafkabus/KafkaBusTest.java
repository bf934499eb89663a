package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.Backoff;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.msight.testkit.FreePorts;
import org.msight.testkit.KafkaTestServer;
import org.msight.testkit.MsightVectors;
import org.msight.testkit.RedisTestServer;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * The kafka bus against one real broker shared by the tests of this class (each test uses topics
 * and groups of its own): MSight's bytes on the wire, consumer groups, commits after done,
 * oversized messages, an unreachable broker.
 */
class KafkaBusTest {

    /** A group's join and its rebalances take a loaded machine seconds more than a connection. */
    private static final Duration WAIT = Waits.GENEROUS.multipliedBy(2);
    private static KafkaTestServer broker;

    private final List<Bus> buses = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = new KafkaTestServer().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(Bus::close);
    }

    private static String topic() {
        return "t-" + UUID.randomUUID();
    }

    /**
     * A bus context on the test broker. New groups start at the earliest message, so a test may
     * publish before its subscribers joined; a new topic's partitions may take the loaded test
     * machine seconds to create, and the first messages should not be lost meanwhile.
     */
    private static TestBusContext context(String settings) {
        return context(broker, settings);
    }

    private static TestBusContext context(KafkaTestServer server, String settings) {
        return TestBusContext.of("kafka", "servers = \"['" + server.bootstrapServers() + "']\"\n"
                + "start-position = earliest\nmax-block = 30s\nsession-timeout = 6s\ncommit-interval = 200ms\n"
                + settings);
    }

    /** A started bus with the subscriptions given (topic, node, group, receiver). */
    private Bus bus(TestBusContext context, Subscription... subscriptions) {
        Bus bus = new KafkaBusProvider().create(context);
        buses.add(bus);
        for (Subscription subscription : subscriptions) {
            bus.subscribe(subscription);
        }
        bus.start();
        return bus;
    }

    /**
     * A started subscriber of its own, outside a bus: its lines go to {@code log}, and its poll loop
     * pauses after a failure as {@code backoff} says.
     */
    private static KafkaSubscriber subscriber(TestBusContext context, Subscription subscription, Logger log,
            Backoff backoff) {
        KafkaSubscriber subscriber = new KafkaSubscriber(KafkaSettings.from(context.config()), subscription,
                context.formats(), log, context.counter("reconnects"), context.counter("lost"), backoff,
                KafkaSubscriber::kafkaConsumer);
        subscriber.start("msight-test-device-0");
        return subscriber;
    }

    /**
     * {@code log}, but its first warning once {@code armed} throws an OutOfMemoryError instead (and
     * disarms it): the heap running out again as a failure's line is made.
     */
    private static Logger outOfMemoryAtWarning(Logger log, AtomicBoolean armed) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, arguments) -> {
                    if (method.getName().equals("warn") && armed.compareAndSet(true, false)) {
                        throw new OutOfMemoryError("Java heap space (on purpose, in a test)");
                    }
                    try {
                        return method.invoke(log, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Whether a thread called {@code name} runs: a subscriber's is {@code msight-kafka-<node>-<topic>}. */
    private static boolean running(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName().equals(name));
    }

    /** Message {@code n} of a test: its number in the first 4 bytes of {@code size} bytes. */
    private static BytesData message(int n, int size) {
        return message("cam-" + (n % 3), n, size);
    }

    /** Message {@code n} of a test from {@code sensor}, as {@link #message(int, int)}. */
    private static BytesData message(String sensor, int n, int size) {
        return new BytesData(Metadata.create(sensor, "edge-01", Metadata.now()), ByteBuffer.allocate(size).putInt(n).array());
    }

    /**
     * Message {@code n} of 100 KB (a camera frame), keyed to partition {@code n % 2} of a
     * two-partition topic under {@code record-key = sensor_name}: Kafka's partitioner puts records
     * without a key where it likes, all of them on one partition at times.
     */
    private static BytesData onBothPartitions(int n) {
        return message(sensorOfEachPartition()[n % 2], n, 100_000);
    }

    private static int number(SensorData data) {
        return ByteBuffer.wrap(((BytesData) data).data()).getInt();
    }

    private static List<Integer> numbers(TestReceiver receiver) {
        return receiver.handled().stream().map(KafkaBusTest::number).toList();
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(String topic, int count) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-" + topic);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
        }
        return records;
    }

    /**
     * Each record's value is the message's MessagePack as the codec writes it, byte for byte; for
     * MSight's camera image that is exactly what Python MSight publishes.
     */
    @Test
    void msightVectorsCrossKafkaByteForByteAndArriveDecoded() {
        String topic = topic();
        TestBusContext context = context("");
        TestReceiver receiver = TestReceiver.handling();
        Bus bus = bus(context, new Subscription(topic, "uploader", Optional.empty(), receiver));
        Map<String, byte[]> vectors = new HashMap<>(MsightVectors.messagePack());
        // not read by the codec yet: grayscale sizes of two elements, data types it does not know
        vectors.keySet().removeAll(List.of("image_gray", "weather_data"));
        List<ByteBuffer> written = new ArrayList<>();
        for (byte[] vector : vectors.values()) {
            SensorData data = context.formats().fromMessagePack(vector);
            written.add(ByteBuffer.wrap(context.formats().toMessagePack(data)));
            assertThat(bus.publish(topic, data)).isTrue();
        }
        assertThat(written).contains(ByteBuffer.wrap(vectors.get("image_data")));

        List<ConsumerRecord<byte[], byte[]>> records = records(topic, vectors.size());
        assertThat(records).allSatisfy(record -> assertThat(record.key()).isNull());
        assertThat(records.stream().map(ConsumerRecord::value).map(ByteBuffer::wrap).toList())
                .containsExactlyInAnyOrderElementsOf(written);
        await().atMost(WAIT).until(() -> receiver.handled().size() == vectors.size());
        assertThat(receiver.handled().stream().map(data -> ByteBuffer.wrap(context.formats().toMessagePack(data))))
                .containsExactlyInAnyOrderElementsOf(written);
        assertThat(context.log().messages(Level.INFO))
                .anyMatch(line -> line.matches("Kafka group 'uploader_group' on topic '" + topic
                        + "' rebalanced: consumes partitions \\[0, 1] \\(got \\[0, 1], gave up \\[]\\)"));
    }

    /**
     * Python MSight's consumers (librdkafka) offer range and roundrobin assignment: a group with no
     * strategy common to its members refused the one joining (INCONSISTENT_GROUP_PROTOCOL), so a
     * Java uploader got nothing while a Python one of its group ran.
     */
    @Test
    void aGroupSharedWithPythonMsightConsumersSplitsThePartitions() {
        String topic = topic();
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "mixed");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // librdkafka's default, range and roundrobin
        properties.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(RangeAssignor.class,
                RoundRobinAssignor.class));
        try (KafkaConsumer<byte[], byte[]> python = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            python.subscribe(List.of(topic));
            assertThat(bus(context("")).publish(topic, message(0, 64))).as("makes the topic").isTrue();
            await().atMost(WAIT).until(() -> {
                python.poll(Duration.ofMillis(200));
                return python.assignment().size() == 2;
            });
            TestBusContext context = context("");
            bus(context, new Subscription(topic, "uploader", Optional.of("mixed"), TestReceiver.handling()));
            await().atMost(WAIT).until(() -> {
                python.poll(Duration.ofMillis(200));
                return python.assignment().size() == 1 && consumesOnePartition(context, topic);
            });
        }
    }

    @Test
    void sensorNameKeysKeepEachSensorOnOnePartitionInOrder() {
        String topic = topic();
        Bus bus = bus(context("record-key = sensor_name"));
        for (int n = 0; n < 30; n++) {
            assertThat(bus.publish(topic, message(n, 64))).isTrue();
        }
        Map<String, Set<Integer>> partitions = new HashMap<>();
        Map<String, List<Integer>> order = new HashMap<>();
        TestBusContext decoder = context("");
        for (ConsumerRecord<byte[], byte[]> record : records(topic, 30)) {
            SensorData data = decoder.formats().fromMessagePack(record.value());
            String sensor = data.metadata().sensorName();
            assertThat(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(sensor);
            partitions.computeIfAbsent(sensor, s -> new HashSet<>()).add(record.partition());
            order.computeIfAbsent(sensor, s -> new ArrayList<>()).add(number(data));
        }
        assertThat(partitions).hasSize(3).allSatisfy((sensor, used) -> assertThat(used).hasSize(1));
        assertThat(order).allSatisfy((sensor, numbers) -> assertThat(numbers).isSorted().hasSize(10));
    }

    /**
     * Two members of one group (two processes, in effect) share the topic's two partitions, each
     * message reaching one of them; a second group gets every message. A late rebalance may hand a
     * member messages another had not committed yet: at least once, so none missing, some maybe twice.
     */
    @Test
    void oneGroupSharesTheMessagesAndAnotherGroupGetsThemAll() {
        String topic = topic();
        TestReceiver first = TestReceiver.handling();
        TestReceiver second = TestReceiver.handling();
        TestReceiver other = TestReceiver.handling();
        TestBusContext firstContext = context("");
        TestBusContext secondContext = context("");
        bus(firstContext, new Subscription(topic, "uploader", Optional.of("uploaders"), first));
        bus(secondContext, new Subscription(topic, "uploader", Optional.of("uploaders"), second));
        bus(context(""), new Subscription(topic, "archiver", Optional.empty(), other));
        await().atMost(WAIT).until(() -> consumesOnePartition(firstContext, topic)
                && consumesOnePartition(secondContext, topic));

        Bus publisher = bus(context("record-key = sensor_name"));
        int count = 60;
        for (int n = 0; n < count; n++) {
            assertThat(publisher.publish(topic, onBothPartitions(n))).isTrue();
        }
        await().atMost(WAIT).until(() -> {
            Set<Integer> shared = new HashSet<>(numbers(first));
            shared.addAll(numbers(second));
            return shared.size() == count && Set.copyOf(numbers(other)).size() == count;
        });
        Set<Integer> shared = new HashSet<>(numbers(first));
        shared.addAll(numbers(second));
        assertThat(shared).containsExactlyInAnyOrderElementsOf(range(count));
        assertThat(numbers(first)).isNotEmpty();
        assertThat(numbers(second)).isNotEmpty();
        assertThat(Set.copyOf(numbers(other))).containsExactlyInAnyOrderElementsOf(range(count));
    }

    /**
     * A member whose node stopped for good leaves the group at once: the other member takes its
     * partition from the last message it finished, so what it had taken and not finished and
     * everything published later reach the other member.
     */
    @Test
    void aMemberWhoseNodeStoppedForGoodLeavesItsPartitionsToTheOtherMember() {
        String topic = topic();
        TestReceiver leaving = TestReceiver.holding(10_000);
        TestReceiver staying = TestReceiver.handling();
        TestBusContext leavingContext = context("");
        TestBusContext stayingContext = context("");
        Subscription left = new Subscription(topic, "uploader", Optional.of("uploaders"), leaving);
        Bus leavingBus = bus(leavingContext, left);
        bus(stayingContext, new Subscription(topic, "uploader", Optional.of("uploaders"), staying));
        await().atMost(WAIT).until(() -> consumesOnePartition(leavingContext, topic)
                && consumesOnePartition(stayingContext, topic));
        Bus publisher = bus(context("record-key = sensor_name"));
        for (int n = 0; n < 40; n++) {
            assertThat(publisher.publish(topic, onBothPartitions(n))).isTrue();
        }
        await().atMost(WAIT).until(() -> leaving.queued() + staying.handled().size() == 40);
        assertThat(leaving.queued()).as("both partitions have messages").isPositive();

        leavingBus.unsubscribe(left); // its node took these and finished none
        for (int n = 40; n < 80; n++) {
            assertThat(publisher.publish(topic, onBothPartitions(n))).isTrue();
        }
        await().atMost(WAIT).until(() -> staying.handled().size() >= 80);
        assertThat(numbers(staying)).containsExactlyInAnyOrderElementsOf(range(80));
        assertThat(leavingContext.log().messages(Level.INFO)).contains("Consuming topic '" + topic + "' in group"
                + " 'uploaders': node uploader stopped for good; it leaves the group, whose other members take its"
                + " partitions from the last message it finished");
    }

    /** A receiver whose deliver holds the subscriber's thread until released (or for {@link #WAIT} at most). */
    private static final class StuckReceiver implements Receiver {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void deliver(Delivery delivery) {
            entered.countDown();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public int remainingCapacity() {
            return 1;
        }

        @Override
        public void countMalformed() {
        }
    }

    /** A subscriber of node {@code node} on {@code topic}, once a message published there holds its thread in {@code stuck}. */
    private Bus heldSubscriber(TestBusContext context, String topic, String node, StuckReceiver stuck) {
        Bus subscriber = bus(context, new Subscription(topic, node, Optional.empty(), stuck));
        Bus publisher = bus(context(""));
        await().atMost(WAIT).until(() -> {
            publisher.publish(topic, message(1, 10));
            return stuck.entered.await(200, TimeUnit.MILLISECONDS);
        });
        return subscriber;
    }

    /** Waits until {@code group} has committed offsets on {@code topic} adding up to {@code sum}: its messages' count. */
    private static void awaitCommitted(String group, String topic, long sum) {
        awaitCommitted(broker, group, topic, sum);
    }

    private static void awaitCommitted(KafkaTestServer server, String group, String topic, long sum) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrapServers()))) {
            await().atMost(WAIT).until(() -> admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get().entrySet().stream().filter(offset -> offset.getKey().topic().equals(topic))
                    .mapToLong(offset -> offset.getValue().offset()).sum() == sum);
        }
    }

    /**
     * A receiver whose first deliver runs {@code failure}, which throws: that message is not taken. It
     * handles the others. When {@code asked}, the failure comes instead as it is first asked for room,
     * before any message is handed over.
     */
    private static final class FailingFirst implements Receiver {
        final TestReceiver handling = TestReceiver.handling();
        private final Runnable failure;
        private final boolean asked;
        private boolean failed;

        FailingFirst(Runnable failure) {
            this(failure, false);
        }

        FailingFirst(Runnable failure, boolean asked) {
            this.failure = failure;
            this.asked = asked;
        }

        private void failOnce() {
            if (!failed) {
                failed = true;
                failure.run();
            }
        }

        @Override
        public void deliver(Delivery delivery) {
            if (!asked) {
                failOnce();
            }
            handling.deliver(delivery);
        }

        @Override
        public int remainingCapacity() {
            if (asked) {
                failOnce();
            }
            return handling.remainingCapacity();
        }

        @Override
        public void countMalformed() {
            handling.countMalformed();
        }
    }

    /**
     * A message whose deliver throws is handed over again after the loop's backoff, and its offset
     * committed once it is handled. It was taken out of the fetched ones with its offset outstanding
     * for good: never handled, and its partition never committed again until a restart.
     */
    @Test
    void aMessageTheReceiverDidNotTakeIsHandedOverAgainAndCommitted() {
        String topic = topic();
        FailingFirst receiver = new FailingFirst(() -> {
            throw new IllegalStateException("not taken");
        });
        bus(context(""), new Subscription(topic, "retaken", Optional.empty(), receiver));
        assertThat(bus(context("")).publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> numbers(receiver.handling).equals(List.of(0)));
        awaitCommitted("retaken_group", topic, 1);
    }

    /**
     * The heap running out in the poll loop (a burst of large messages on the launchers' small heap;
     * thrown here by the receiver) is an outage the subscriber lives through, with a line on what to
     * change: its consumer is made again and resumes after what the node finished, so the message
     * is handled and committed. The subscriber's thread ended, and consumption stopped until a restart.
     */
    @Test
    void aSubscriberThatRanOutOfMemoryLivesOnAndSaysWhatToChange() {
        String topic = topic();
        FailingFirst receiver = new FailingFirst(() -> {
            throw new OutOfMemoryError("Java heap space");
        });
        TestBusContext context = context("");
        Bus subscriber = bus(context, new Subscription(topic, "short", Optional.empty(), receiver));
        assertThat(bus(context("")).publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> numbers(receiver.handling).equals(List.of(0)));
        awaitCommitted("short_group", topic, 1);
        String side = "Consuming topic '" + topic + "' in group 'short_group'";
        await().atMost(WAIT).until(() -> context.log().messages(Level.INFO).stream()
                .anyMatch(line -> line.matches(side + " works again after [0-9.]+ s")));
        await().atMost(WAIT).until(subscriber::connected);
        assertThat(context.log().messages(Level.WARN)).contains(side + " fails: this process ran out of memory"
                + " (Java heap space): give it a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower"
                + " msight.kafka.max-poll-records or max-request-size (which bounds a fetch), or node short's"
                + " queue-max-bytes, queue-capacity or max-in-flight; its consumer is made again, resuming after"
                + " what the node finished; retrying");
    }

    /**
     * The heap running out again as the poll loop handles a failure (here as it logs the outage's
     * line, the receiver having run out) ended the subscriber's thread: consumption stopped until a
     * restart. The loop lives on after its backoff, its consumer made again, and the message is handled.
     */
    @Test
    void aSubscriberLivesOnWhenTheHeapRunsOutAgainAsItHandlesAFailure() {
        String topic = topic();
        AtomicBoolean armed = new AtomicBoolean();
        FailingFirst receiver = new FailingFirst(() -> {
            armed.set(true);
            throw new OutOfMemoryError("Java heap space");
        });
        TestBusContext context = context("");
        try (KafkaSubscriber subscriber = subscriber(context, new Subscription(topic, "again", Optional.empty(),
                receiver), outOfMemoryAtWarning(context.log(), armed), new Backoff(Duration.ofMillis(100),
                Duration.ofSeconds(5)))) {
            assertThat(bus(context("")).publish(topic, message(0, 64))).isTrue();
            await().atMost(WAIT).until(() -> numbers(receiver.handling).equals(List.of(0)));
            assertThat(armed).as("the outage's line failed").isFalse();
            assertThat(context.log().messages(Level.WARN)).contains("Consuming topic '" + topic + "' in group"
                    + " 'again_group' fails: its poll loop failed as it handled a failure (the heap running out?);"
                    + " retrying");
            await().atMost(WAIT).until(() -> subscriber.outage().isEmpty());
        }
    }

    /**
     * A subscriber that runs out of memory before it handed over any message of a group that has
     * committed nothing (start-position latest) resumes where it started, not at the latest message:
     * its new consumer had no commit to resume from, and skipped what was published meanwhile.
     */
    @Test
    void aSubscriberThatRanOutOfMemoryBeforeItsFirstMessageSkipsNothing() throws Exception {
        String topic = topic();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        FailingFirst receiver = new FailingFirst(() -> {
            throw new OutOfMemoryError("Java heap space");
        }, true);
        TestBusContext context = context("start-position = latest");
        bus(context, new Subscription(topic, "fresh", Optional.empty(), receiver));
        String assigned = "Kafka group 'fresh_group' on topic '" + topic + "' rebalanced: consumes partitions [0]";
        Callable<Long> assignments = () -> context.log().messages(Level.INFO).stream()
                .filter(line -> line.startsWith(assigned)).count();
        await().atMost(WAIT).until(() -> assignments.call() == 1); // what is published from now on is consumed
        Bus publisher = bus(context(""));
        assertThat(publisher.publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> assignments.call() == 2); // the consumer made again after the Error
        assertThat(publisher.publish(topic, message(1, 64))).isTrue();
        await().atMost(WAIT).until(() -> numbers(receiver.handling).contains(1));
        assertThat(numbers(receiver.handling)).containsExactly(0, 1);
    }

    /**
     * A session-timeout outside the brokers' range (the test broker's starts at 1 s; a stock
     * broker's at 6 s) is refused at each try to join the group: the outage line names the setting.
     */
    @Test
    void aSessionTimeoutTheBrokersRefuseIsNamedInTheOutageLine() {
        String topic = topic();
        TestBusContext context = context("session-timeout = 500ms");
        Bus subscriber = bus(context, new Subscription(topic, "short", Optional.empty(), TestReceiver.handling()));
        String side = "Consuming topic '" + topic + "' in group 'short_group'";
        await().atMost(WAIT).until(() -> context.log().messages(Level.WARN).stream()
                .anyMatch(line -> line.startsWith(side + " fails: Kafka at ")));
        assertThat(context.log().messages(Level.WARN)).filteredOn(line -> line.startsWith(side + " fails: "))
                .first().asString().endsWith(" refuses session-timeout 500ms (The session timeout is not within the"
                        + " range allowed by the broker (as configured by group.min.session.timeout.ms and"
                        + " group.max.session.timeout.ms).): set msight.kafka.session-timeout within the brokers' range"
                        + " (6s to 30m by default); retrying");
        assertThat(subscriber.connected()).isFalse();
    }

    /**
     * A member that cannot find where a partition starts is in an outage until its client knows,
     * and no longer: the outage ended only with a commit, so a member with nothing to commit (a
     * quiet topic) showed its bus not connected while it worked. Here a transaction holds the
     * group's offsets: a read_committed member cannot find them until it ends.
     */
    @Test
    void aMemberThatCouldNotFindWhereItsPartitionsStartIsConnectedOnceItKnows() throws Exception {
        String topic = topic();
        try (KafkaProducer<byte[], byte[]> transaction = holdingOffsets(topic, "pending_group")) {
            TestBusContext context = context("connect-timeout = 2s\nproperties { \"isolation.level\" = read_committed }");
            TestReceiver receiver = TestReceiver.handling();
            Bus subscriber = bus(context, new Subscription(topic, "pending", Optional.empty(), receiver));
            String side = "Consuming topic '" + topic + "' in group 'pending_group'";
            await().atMost(WAIT).until(() -> context.log().messages(Level.WARN).stream()
                    .anyMatch(line -> line.startsWith(side + " fails: finding where partition 0 starts: ")));
            transaction.abortTransaction();
            await().atMost(WAIT).until(subscriber::connected);
            assertThat(context.log().messages(Level.INFO)).anySatisfy(line -> assertThat(line)
                    .matches(side + " works again after [0-9.]+ s"));
            assertThat(bus(context("")).publish(topic, message(0, 64))).isTrue();
            await().atMost(WAIT).until(() -> numbers(receiver).equals(List.of(0)));
        }
    }

    /**
     * As {@link #aSubscriberThatRanOutOfMemoryBeforeItsFirstMessageSkipsNothing}, for a member
     * that could not find where its partition starts at assignment (a transaction holds the
     * group's offsets, as above) and found it later through its fetches: that start is committed
     * too. It was not, so the consumer made again after the Error started at the latest message.
     */
    @Test
    void aSubscriberThatFoundItsStartLateAndRanOutOfMemoryBeforeItsFirstMessageSkipsNothing() throws Exception {
        String topic = topic();
        try (KafkaProducer<byte[], byte[]> transaction = holdingOffsets(topic, "late_group")) {
            FailingFirst receiver = new FailingFirst(() -> {
                throw new OutOfMemoryError("Java heap space");
            }, true);
            TestBusContext context = context("start-position = latest\nconnect-timeout = 2s\n"
                    + "properties { \"isolation.level\" = read_committed }");
            Bus subscriber = bus(context, new Subscription(topic, "late", Optional.empty(), receiver));
            String side = "Consuming topic '" + topic + "' in group 'late_group'";
            await().atMost(WAIT).until(() -> context.log().messages(Level.WARN).stream()
                    .anyMatch(line -> line.startsWith(side + " fails: finding where partition 0 starts: ")));
            transaction.abortTransaction();
            await().atMost(WAIT).until(subscriber::connected); // it knows where it starts: from now on is consumed
            Bus publisher = bus(context(""));
            assertThat(publisher.publish(topic, message(0, 64))).isTrue();
            String assigned = "Kafka group 'late_group' on topic '" + topic + "' rebalanced: consumes partitions [0]";
            await().atMost(WAIT).until(() -> context.log().messages(Level.INFO).stream()
                    .filter(line -> line.startsWith(assigned)).count() == 2); // made again after the Error
            assertThat(publisher.publish(topic, message(1, 64))).isTrue();
            await().atMost(WAIT).until(() -> numbers(receiver.handling).contains(1));
            assertThat(numbers(receiver.handling)).containsExactly(0, 1);
        }
    }

    /**
     * Makes {@code topic} with one partition (no commit of another one's start comes meanwhile) and
     * a transaction holding {@code group}'s offsets there: a read_committed member cannot find
     * where the partition starts until the returned producer aborts it.
     */
    private KafkaProducer<byte[], byte[]> holdingOffsets(String topic, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        KafkaProducer<byte[], byte[]> transaction = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "holding-" + topic), new ByteArraySerializer(),
                new ByteArraySerializer());
        transaction.initTransactions();
        transaction.beginTransaction();
        transaction.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)),
                new ConsumerGroupMetadata(group));
        return transaction;
    }

    /** A subscriber thread stuck in its receiver is logged at close, and left behind. */
    @Test
    void aSubscriberStuckAtCloseIsLoggedAndLeftBehind() throws Exception {
        String topic = topic();
        StuckReceiver stuck = new StuckReceiver();
        TestBusContext context = context("connect-timeout = 1s");
        Bus subscriber = heldSubscriber(context, topic, "uploader", stuck);
        try {
            subscriber.close();
            assertThat(context.log().messages(Level.WARN)).contains("Kafka group 'uploader_group' on topic '" + topic
                    + "': the subscriber did not leave the group within 8s of closing,"
                    + " left behind; offsets it had not committed are delivered again at the next start");
        } finally {
            stuck.release.countDown();
        }
    }

    /**
     * A stop ends the poll loop's pause after a failure at once: the loop slept it out (up to 5 s),
     * and close(), which waits for the thread 8 s at most (the bus's close limit), could give up before
     * the consumer was closed and had left its group; with a pause of minutes here, it always did.
     */
    @Test
    void aStopEndsThePollLoopsPauseAtOnceAndTheMemberLeavesItsGroup() throws Exception {
        String topic = topic();
        FailingFirst receiver = new FailingFirst(() -> {
            throw new IllegalStateException("not taken");
        });
        TestBusContext context = context("");
        Backoff minutes = new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10));
        try (KafkaSubscriber subscriber = subscriber(context, new Subscription(topic, "pausing", Optional.empty(),
                receiver), context.log(), minutes);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            assertThat(bus(context("")).publish(topic, message(0, 64))).isTrue();
            await().atMost(WAIT).until(() -> context.log().messages(Level.WARN).stream().anyMatch(line -> line
                    .startsWith("Consuming topic '" + topic + "' in group 'pausing_group' fails: ")
                    && line.contains("not taken"))); // the receiver's failure: the loop in its pause
            assertThat(admin.describeConsumerGroups(List.of("pausing_group")).all().get().get("pausing_group")
                    .members()).as("a member of its group, pausing").hasSize(1);
            subscriber.stop();
            await().atMost(WAIT).until(() -> !running("msight-kafka-pausing-" + topic));
            await().atMost(WAIT).until(() -> admin.describeConsumerGroups(List.of("pausing_group")).all().get()
                    .get("pausing_group").members().isEmpty());
        }
    }

    /**
     * The coordinator's silence is watched apart from the subscriber's thread, which a poll can
     * hold without end inside the client (a group leader waiting for metadata from brokers that
     * froze as it joined; held here in the receiver instead): a frozen broker is an outage still.
     */
    @Test
    void aBrokerOutageIsSeenWhileTheSubscribersThreadIsHeld() throws Exception {
        StuckReceiver stuck = new StuckReceiver();
        TestBusContext context = context("session-timeout = 2s");
        Bus subscriber = heldSubscriber(context, topic(), "held", stuck);
        try {
            broker.freeze();
            try {
                await().atMost(WAIT).until(() -> !subscriber.connected());
                assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                        .contains("' in group 'held_group' fails: no heartbeat to the group's coordinator for ");
            } finally {
                broker.thaw();
            }
        } finally {
            stuck.release.countDown();
        }
        await().atMost(WAIT).until(subscriber::connected);
    }

    private static boolean consumesOnePartition(TestBusContext context, String topic) {
        List<String> lines = context.log().messages(Level.INFO).stream()
                .filter(line -> line.contains("on topic '" + topic + "' rebalanced")).toList();
        return !lines.isEmpty() && lines.get(lines.size() - 1).matches(".* consumes partitions \\[\\d] .*");
    }

    private static List<Integer> range(int count) {
        return java.util.stream.IntStream.range(0, count).boxed().toList();
    }

    /**
     * An uploader-only process makes no producer, whose idempotent sender would connect and ask the
     * brokers for a producer id at once; a bus a node publishes on still makes one. The client
     * makes its sender thread as it is created, within the start.
     */
    @Test
    void aBusNoNodePublishesOnStartsNoProducerAndIsConnected() {
        String topic = topic();
        TestReceiver receiver = TestReceiver.handling();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Bus subscriber = bus(context("").subscribeOnly(), new Subscription(topic, "uploader", Optional.empty(),
                receiver));
        assertThat(producerThreadsSince(before)).isEmpty();
        before = Thread.getAllStackTraces().keySet();
        Bus publisher = bus(context(""));
        assertThat(producerThreadsSince(before)).hasSize(1);
        assertThat(publisher.publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> receiver.handled().size() == 1);
        assertThat(subscriber.connected()).isTrue();
    }

    private static List<String> producerThreadsSince(Set<Thread> before) {
        return threadsSince(before, "kafka-producer-network-thread");
    }

    /** The threads started since {@code before} whose names start with {@code prefix}. */
    private static List<String> threadsSince(Set<Thread> before, String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> !before.contains(thread))
                .map(Thread::getName).filter(name -> name.startsWith(prefix)).toList();
    }

    /** A publish the runtime never makes (no node publishes on the bus) fails in words, not deep in the producer. */
    @Test
    void aPublishOnABusNoNodePublishesOnFailsClearly() {
        Bus bus = bus(context("").subscribeOnly());
        assertThatThrownBy(() -> bus.publish("images", message(0, 64))).isInstanceOf(IllegalStateException.class)
                .hasMessage("publishing to topic 'images' on a Kafka bus made without a producer: its context said"
                        + " no node of this process publishes on it");
    }

    /**
     * An idle member commits nothing, and its polls come back empty while the brokers are away:
     * the coordinator's silence is what tells the outage, logged once with why, and its end when
     * heartbeats go through again; then messages flow as before.
     */
    @Test
    void anIdleSubscriberLogsABrokerOutageAndItsEnd() throws Exception {
        String topic = topic();
        TestReceiver receiver = TestReceiver.handling();
        TestBusContext context = context("").subscribeOnly();
        Bus subscriber = bus(context, new Subscription(topic, "idle", Optional.empty(), receiver));
        Bus publisher = bus(context(""));
        assertThat(publisher.publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> receiver.handled().size() == 1);
        assertThat(subscriber.connected()).isTrue();
        awaitCommitted("idle_group", topic, 1); // the member is idle now, with nothing to commit
        broker.freeze();
        try {
            await().atMost(WAIT).until(() -> !context.log().messages(Level.WARN).isEmpty());
            assertThat(subscriber.connected()).as("a bus that only subscribes, in an outage").isFalse();
        } finally {
            broker.thaw();
        }
        await().atMost(WAIT).until(() -> context.count("reconnects") == 1);
        assertThat(publisher.publish(topic, message(1, 64))).isTrue();
        await().atMost(WAIT).until(() -> numbers(receiver).contains(1));
        await().atMost(WAIT).until(subscriber::connected);
        assertThat(context.log().messages(Level.WARN)).first().asString().startsWith("Consuming topic '" + topic
                + "' in group 'idle_group' fails: no heartbeat to the group's coordinator for ");
        assertThat(context.log().messages(Level.INFO)).anySatisfy(line -> assertThat(line).matches("Consuming topic '"
                + topic + "' in group 'idle_group' works again after [0-9.]+ s"));
    }

    /** A subscriber that left in an outage kept it for good: /ready 503 and msight_bus_connected 0 ever after. */
    @Test
    void aSubscriberThatLeftInAnOutageNoLongerKeepsTheBusDisconnected() {
        String topic = topic();
        String other = topic();
        TestBusContext context = context("session-timeout = 2s").subscribeOnly();
        Subscription leaving = new Subscription(topic, "leaving", Optional.empty(), TestReceiver.handling());
        TestReceiver staying = TestReceiver.handling();
        Bus subscriber = bus(context, leaving, new Subscription(other, "staying", Optional.empty(), staying));
        Bus publisher = bus(context(""));
        assertThat(publisher.publish(other, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> staying.handled().size() == 1);
        broker.freeze();
        try {
            await().atMost(WAIT).until(() -> context.log().messages(Level.WARN).stream()
                    .anyMatch(line -> line.contains("' in group 'leaving_group' fails: ")));
            subscriber.unsubscribe(leaving);
        } finally {
            broker.thaw();
        }
        assertThat(publisher.publish(other, message(1, 64))).isTrue();
        await().atMost(WAIT).until(() -> numbers(staying).contains(1));
        await().atMost(WAIT).until(subscriber::connected);
    }

    /** Brokers gone right after the start, before the member's first heartbeat, are an outage too. */
    @Test
    void aSubscriberLogsAnOutageThatStartsBeforeItsFirstHeartbeat() {
        TestBusContext context = context("session-timeout = 2s");
        Bus subscriber = bus(context, new Subscription(topic(), "early", Optional.empty(), TestReceiver.handling()));
        broker.freeze();
        try {
            // twice it stayed connected for the whole wait: its poll, elected leader as the broker froze,
            // waited for metadata without end, and the silence was watched on the poll's thread; it is
            // watched apart now. Should it fail again, the message shows what the member did
            await().atMost(WAIT).untilAsserted(() -> assertThat(subscriber.connected())
                    .as(() -> "connected while the broker is frozen; bus log: " + context.log().all()
                            + "; its threads: " + kafkaThreads()).isFalse());
            // one outage line, naming the first failure seen: the coordinator's silence, or, on a loaded
            // machine, the first commit that the freeze cut (DisconnectException) before the silence was long
            assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                    .containsAnyOf("' in group 'early_group' fails: no heartbeat to the group's coordinator for ",
                            "' in group 'early_group' fails: committing offsets: Kafka at ");
        } finally {
            broker.thaw();
        }
        await().atMost(WAIT).until(subscriber::connected);
    }

    /** The stacks of the Kafka clients' threads and the bus's, for a failure's message. */
    private static String kafkaThreads() {
        StringBuilder stacks = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            if (thread.getName().contains("kafka")) {
                stacks.append('\n').append(thread.getName()).append(' ').append(thread.getState());
                for (StackTraceElement frame : frames) {
                    stacks.append("\n    at ").append(frame);
                }
            }
        });
        return stacks.toString();
    }

    /** What /ready and msight_bus_connected show of a process that only publishes, when its messages fail. */
    @Test
    void aBusThatOnlyPublishesIsNotConnectedWhileItsMessagesFail() {
        TestBusContext context = context("max-block = 1s");
        Bus publisher = bus(context);
        assertThat(publisher.connected()).isTrue();
        String unknown = topic();
        broker.freeze();
        try {
            // its partitions are asked for, in vain, for max-block
            assertThat(publisher.publish(unknown, message(1, 64))).isTrue();
            await().atMost(WAIT).until(() -> !context.log().messages(Level.WARN).isEmpty());
            assertThat(publisher.connected()).isFalse();
            assertThat(publisher.outage()).get().asString().contains("fails for topic '" + unknown + "'");
            assertThat(context.log().messages(Level.WARN)).first().asString()
                    .startsWith("Publishing to Kafka at [" + broker.bootstrapServers() + "] fails for topic '" + unknown);
        } finally {
            broker.thaw();
        }
        await().atMost(WAIT).until(() -> {
            publisher.publish(unknown, message(2, 64));
            return publisher.connected();
        });
        assertThat(context.count("reconnects")).isEqualTo(1);
    }

    /**
     * A topic whose messages failed while the brokers were away, and that nothing is published to
     * since (an events topic, a node stopped), is connected again once the brokers answer: its
     * outage ended only with a later message's success, so /ready said 503 until one came. (A
     * topic the brokers do not have stays in its outage: aTopicTheBrokersDoNotHaveHoldsUpOnlyItsOwnMessages.)
     */
    @Test
    void aTopicNothingIsPublishedToAfterItsMessagesFailedIsConnectedOnceTheBrokersAnswer() {
        TestBusContext context = context("delivery-timeout = 2s");
        Bus publisher = bus(context);
        String topic = topic();
        assertThat(publisher.publish(topic, message(1, 64))).isTrue();
        assertThat(records(topic, 1)).hasSize(1); // its partitions known
        broker.freeze();
        try {
            assertThat(publisher.publish(topic, message(2, 64))).isTrue();
            await().atMost(WAIT).until(() -> !publisher.connected());
            assertThat(publisher.outage()).get().asString().contains("fails for topic '" + topic + "'");
        } finally {
            broker.thaw();
        }
        await().atMost(WAIT).until(() -> context.log().messages(Level.INFO).stream().anyMatch(line -> line.matches(
                "Publishing to Kafka at \\[.*\\] works again for topic '" + topic + "' after [0-9.]+ s")));
        assertThat(publisher.connected()).isTrue(); // nothing published since
        assertThat(context.count("lost")).isEqualTo(1);
    }

    /**
     * The heap running out inside the producer's send ended the topic's sending thread, the only
     * one to hand its messages over: every later message to the topic was refused until a restart.
     * The message is lost and counted, with a line, and the next ones go.
     */
    @Test
    void aTopicsSenderLivesOnAfterTheHeapRanOutInASend() {
        TestBusContext context = context("properties { \"interceptor.classes\" = \""
                + OutOfMemoryOnceInterceptor.class.getName() + "\" }");
        Bus publisher = bus(context);
        String topic = topic();
        OutOfMemoryOnceInterceptor.ARMED.set(true);
        assertThat(publisher.publish(topic, message(1, 64))).isTrue();
        await().atMost(WAIT).until(() -> context.count("lost") == 1);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString().endsWith("fails for topic '" + topic
                + "': Kafka at [" + broker.bootstrapServers() + "]: OutOfMemoryError: Java heap space (on purpose, in a"
                + " test); retrying");
        for (int n = 2; n <= 3; n++) {
            assertThat(publisher.publish(topic, message(n, 64))).isTrue();
        }
        // unkeyed, on either of the topic's partitions: in any order
        assertThat(records(topic, 2)).extracting(record -> number(context.formats().fromMessagePack(record.value())))
                .containsExactlyInAnyOrder(2, 3);
        await().atMost(WAIT).until(publisher::connected);
    }

    /**
     * The heap running out again as a topic's sender tells a failed send's outcome (here as it logs
     * the line) ended the sender, the topic's only thread: every later message to the topic was lost
     * until a restart. It lives on after a pause, with a line made beforehand, and the next messages go.
     */
    @Test
    void aTopicsSenderLivesOnWhenTheHeapRunsOutAgainAsItTellsAFailedSend() {
        TestBusContext context = context("properties { \"interceptor.classes\" = \""
                + OutOfMemoryOnceInterceptor.class.getName() + "\" }");
        AtomicBoolean armed = new AtomicBoolean();
        try (KafkaPublisher publisher = new KafkaPublisher(KafkaSettings.from(context.config()), context.formats(),
                outOfMemoryAtWarning(context.log(), armed), context.counter("lost"), context.counter("too-large"),
                context.counter("reconnects"))) {
            publisher.start("msight-test-device");
            String topic = topic();
            armed.set(true);
            OutOfMemoryOnceInterceptor.ARMED.set(true);
            assertThat(publisher.publish(topic, message(1, 64))).isTrue();
            await().atMost(WAIT).until(() -> !armed.get()); // the failed send's line failed
            for (int n = 2; n <= 3; n++) {
                assertThat(publisher.publish(topic, message(n, 64))).isTrue();
            }
            assertThat(records(topic, 2)).extracting(record -> number(context.formats().fromMessagePack(record.value())))
                    .containsExactlyInAnyOrder(2, 3); // unkeyed, on either of the topic's partitions
            assertThat(context.log().messages(Level.WARN)).containsExactly("Publishing to Kafka at ["
                    + broker.bootstrapServers() + "] fails for topic '" + topic + "': a message is lost, its sender"
                    + " failing as it handled it (the heap running out?); retrying");
            await().atMost(WAIT).until(() -> publisher.outage().isEmpty());
        }
    }

    /**
     * A record whose bytes changed on the broker's disk (a bad block: its batch's checksum no longer
     * matches) failed every poll, an outage for good, the partition stuck at it. It is counted as
     * malformed and skipped, with a line, and the records after it are handled and committed past it.
     */
    @Test
    void aRecordChangedOnTheBrokersDiskIsCountedAsMalformedAndSkipped() throws Exception {
        try (KafkaTestServer own = new KafkaTestServer().start()) {
            String topic = topic();
            MsightFormats formats = context(own, "").formats();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, own.bootstrapServers()), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (int n = 1; n <= 5; n++) { // a batch each, on one partition
                    byte[] data = ByteBuffer.allocate(64).putInt(n).array();
                    Arrays.fill(data, 4, 64, (byte) (0x40 + n)); // found in the segment by these
                    producer.send(new ProducerRecord<>(topic, 0, null, formats.toMessagePack(new BytesData(
                            Metadata.create("cam", "edge-01", Metadata.now()), data)))).get();
                }
            }
            own.stop();
            Path segment = own.dataDir().resolve(topic + "-0").resolve("00000000000000000000.log");
            byte[] log = Files.readAllBytes(segment);
            byte[] third = new byte[60];
            Arrays.fill(third, (byte) 0x43);
            int at = indexOf(log, third);
            assertThat(at).as("record 3's bytes in the segment").isPositive();
            log[at + 30] = 0x00;
            Files.write(segment, log);
            own.start();

            TestBusContext context = context(own, "start-position = earliest");
            TestReceiver receiver = TestReceiver.handling();
            Bus subscriber = bus(context, new Subscription(topic, "reader", Optional.empty(), receiver));
            await().atMost(WAIT).until(() -> numbers(receiver).contains(5));
            assertThat(numbers(receiver)).containsExactly(1, 2, 4, 5);
            assertThat(receiver.malformed()).isOne();
            assertThat(context.log().messages(Level.WARN)).singleElement().asString().startsWith("Consuming topic '"
                    + topic + "' in group 'reader_group': skipping the record at offset 2 of partition 0, which cannot"
                    + " be read (Record batch for partition " + topic + "-0 at offset 2 is invalid, cause: Record is"
                    + " corrupt").endsWith("counted as malformed");
            awaitCommitted(own, "reader_group", topic, 5); // past the skipped one
            assertThat(subscriber.connected()).isTrue();
        }
    }

    /** Where {@code part} starts in {@code bytes}, or -1. */
    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A stop while the brokers are away does not wait connect-timeout for a commit that cannot
     * come (it took 35 s with the default 30 s, past systemd's stop timeout): what was not
     * committed is delivered again. A commit tried would fail after the commits' limit at close,
     * with a line, or hold the thread for connect-timeout, an hour here.
     */
    @Test
    void aSubscriberClosedInAnOutageDoesNotWaitForTheCommit() throws Exception {
        String topic = topic();
        TestReceiver receiver = TestReceiver.handling();
        // no commit after the first poll's: what the node handled is still to commit when the brokers freeze
        TestBusContext context = context("connect-timeout = 1h\ncommit-interval = 1h");
        Bus subscriber = bus(context, new Subscription(topic, "closing", Optional.empty(), receiver));
        Bus publisher = bus(context(""));
        await().atMost(WAIT).until(() -> {
            publisher.publish(topic, message(0, 64));
            return !receiver.handled().isEmpty();
        });
        broker.freeze();
        try {
            await().atMost(WAIT).until(() -> !subscriber.connected());
            subscriber.close();
            await().atMost(WAIT).until(() -> !running("msight-kafka-closing-" + topic)); // its close is over
            assertThat(context.log().messages(Level.WARN)).noneMatch(line -> line.contains("could not commit at close"));
            assertThat(context.log().messages(Level.INFO)).contains("Kafka group 'closing_group' on topic '" + topic
                    + "': offsets not committed at close, the brokers being away; those messages come again at the"
                    + " next start");
        } finally {
            broker.thaw();
        }
    }

    /**
     * A subscriber whose node is slow: fetching pauses instead of the queue dropping, and only
     * what the node finished is committed, so the next member of the group resumes right there.
     */
    @Test
    void onlyFinishedMessagesAreCommittedAndAFullQueuePausesFetching() {
        String topic = topic();
        TestReceiver slow = TestReceiver.holding(4);
        Bus bus = bus(context(""), new Subscription(topic, "uploader", Optional.empty(), slow));
        Bus publisher = bus(context(""));
        for (int n = 0; n < 20; n++) {
            assertThat(publisher.publish(topic, message(n, 64))).isTrue();
        }
        await().atMost(WAIT).until(() -> slow.queued() == 4);
        assertThat(slow.handle(3)).isEqualTo(3);
        await().atMost(WAIT).until(() -> slow.queued() == 4);
        assertThat(slow.dropped()).isZero();
        List<Integer> finished = numbers(slow);
        bus.close(); // the member leaves; 4 messages were handed over and not finished

        TestReceiver next = TestReceiver.handling();
        bus(context(""), new Subscription(topic, "uploader", Optional.empty(), next));
        await().atMost(WAIT).until(() -> next.handled().size() >= 20 - finished.size());
        List<Integer> all = new ArrayList<>(finished);
        all.addAll(numbers(next));
        assertThat(all).containsExactlyInAnyOrderElementsOf(range(20));
    }

    /**
     * A group whose next message the topic deleted while it was stopped (retention; deleteRecords
     * here) resumes at the oldest message kept, the deleted ones counted as lost with a line. With
     * start-position latest the consumer's own reset went to the end: everything kept was skipped.
     */
    @Test
    void aGroupWhoseNextMessagesWereDeletedResumesAtTheOldestKeptAndCountsTheRestLost() throws Exception {
        String topic = topic();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Bus publisher = bus(context(""));
            TestReceiver first = TestReceiver.handling();
            Bus subscriber = bus(context(""), new Subscription(topic, "behind", Optional.empty(), first));
            assertThat(publisher.publish(topic, message(0, 64))).isTrue();
            await().atMost(WAIT).until(() -> numbers(first).equals(List.of(0)));
            subscriber.close(); // commits offset 1

            for (int n = 1; n < 10; n++) {
                assertThat(publisher.publish(topic, message(n, 64))).isTrue();
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            await().atMost(WAIT).until(() -> admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all()
                    .get().get(partition).offset() == 10);
            admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(6))).all()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);

            TestBusContext context = context("start-position = latest");
            TestReceiver next = TestReceiver.handling();
            bus(context, new Subscription(topic, "behind", Optional.empty(), next));
            await().atMost(WAIT).until(() -> numbers(next).contains(9));
            assertThat(numbers(next)).containsExactly(6, 7, 8, 9);
            assertThat(context.count("lost")).isEqualTo(5);
            assertThat(context.log().messages(Level.WARN)).containsExactly("Consuming topic '" + topic + "' in group"
                    + " 'behind_group': the topic no longer keeps partition 0's messages from offset 1 on, deleted"
                    + " (its retention) before this group consumed them: 5 lost (counted as the bus's lost); it"
                    + " resumes at the oldest kept, offset 6. Keep the topic longer (retention.ms, retention.bytes)"
                    + " than its consumers may be stopped or behind");
        }
    }

    /**
     * A group whose commit is past the end of its partition's log (a topic made again under it)
     * starts anew at start-position and commits from there: its commit stayed where it was, above
     * every offset handled, so a member taking over would skip what came until then.
     */
    @Test
    void aGroupWhoseCommitIsPastTheEndOfTheLogStartsAnewAndCommitsFromThere() throws Exception {
        String topic = topic();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            admin.alterConsumerGroupOffsets("anew_group", Map.of(partition, new OffsetAndMetadata(1000))).all()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Bus publisher = bus(context(""));
            for (int n = 0; n < 3; n++) {
                assertThat(publisher.publish(topic, message(n, 64))).isTrue();
            }
            TestBusContext context = context("");
            TestReceiver receiver = TestReceiver.handling();
            bus(context, new Subscription(topic, "anew", Optional.empty(), receiver));
            await().atMost(WAIT).until(() -> numbers(receiver).size() == 3);
            assertThat(numbers(receiver)).containsExactly(0, 1, 2);
            await().atMost(WAIT).until(() -> admin.listConsumerGroupOffsets("anew_group").partitionsToOffsetAndMetadata()
                    .get().get(partition).offset() == 3);
            assertThat(context.log().messages(Level.WARN)).containsExactly("Consuming topic '" + topic + "' in group"
                    + " 'anew_group': partition 0's position 1000 is past the end of its log (the topic was deleted and"
                    + " made again?): it starts anew at the earliest message, offset 0 (start-position)");
        }
    }

    /**
     * Members whose heartbeats a busy machine may hold up for longer than the 6 s session of the
     * other tests: one session is 30 s, ten heartbeat intervals at Kafka's 3 s.
     */
    private static final String LONG_SESSION = "session-timeout = 30s\n";

    /**
     * A member stopped while it gives up a partition in a rebalance, waiting for its node to finish
     * that partition's messages, stops waiting (its nodes have stopped) and still commits what the
     * node finished, with nothing logged: the wakeup that stops it is spent on the commit's first
     * try. The next owner handles exactly the rest.
     */
    @Test
    void aMemberStoppedWhileGivingUpAPartitionCommitsWhatItsNodeFinished() throws Exception {
        String topic = topic();
        String[] sensors = sensorOfEachPartition();
        TestReceiver slow = TestReceiver.holding(20);
        TestBusContext firstContext = context(LONG_SESSION
                + "record-key = sensor_name\ncommit-interval = 1h\nrevoke-timeout = 10m\n");
        Bus first = bus(firstContext, new Subscription(topic, "uploader", Optional.of("uploaders"), slow));
        Bus publisher = bus(context("record-key = sensor_name\n"));
        for (int n = 0; n < 20; n++) {
            assertThat(publisher.publish(topic, message(sensors[n % 2], n, 64))).isTrue();
        }
        await().atMost(WAIT).until(() -> slow.queued() == 20);
        assertThat(slow.handle(6)).isEqualTo(6); // the oldest: a first part of each partition, not committed (commit-interval 1h)
        List<Integer> finished = numbers(slow);

        TestReceiver next = TestReceiver.handling();
        bus(context(LONG_SESSION), new Subscription(topic, "uploader", Optional.of("uploaders"), next));
        await().atMost(WAIT).until(() -> inStack("msight-kafka-uploader-" + topic, "awaitDone"));
        first.close(); // the runtime stops the nodes first: the 14 others are never finished

        assertThat(publisher.publish(topic, message(sensors[0], 100, 64))).isTrue();
        assertThat(publisher.publish(topic, message(sensors[1], 101, 64))).isTrue();
        await().atMost(WAIT).until(() -> next.handled().size() >= 16);
        assertThat(firstContext.log().messages(Level.WARN)).isEmpty();
        List<Integer> rest = new ArrayList<>(range(20));
        rest.removeAll(finished);
        rest.addAll(List.of(100, 101));
        assertThat(numbers(next)).as("after what the stopped member finished, and nothing of it again")
                .containsExactlyInAnyOrderElementsOf(rest);
    }

    /** Sensor names whose records the producer puts on partition 0 and 1 of a two-partition topic. */
    private static String[] sensorOfEachPartition() {
        String[] sensors = new String[2];
        for (int i = 0; sensors[0] == null || sensors[1] == null; i++) {
            String sensor = "cam-" + i;
            sensors[Utils.toPositive(Utils.murmur2(sensor.getBytes(StandardCharsets.UTF_8))) % 2] = sensor;
        }
        return sensors;
    }

    /** Whether the thread named {@code thread} is in a method named {@code method}. */
    private static boolean inStack(String thread, String method) {
        return Thread.getAllStackTraces().entrySet().stream().filter(entry -> entry.getKey().getName().equals(thread))
                .flatMap(entry -> Arrays.stream(entry.getValue())).anyMatch(frame -> frame.getMethodName().equals(method));
    }

    /**
     * A topic the brokers do not have, and do not create, holds up only its own messages: the
     * producer waits for its partitions (up to max-block, 10 minutes here), its queue fills and
     * sources are told not to encode for it, and another topic's messages go on meanwhile.
     */
    @Test
    void aTopicTheBrokersDoNotHaveHoldsUpOnlyItsOwnMessages() throws Exception {
        try (KafkaTestServer strict = new KafkaTestServer(Map.of("auto.create.topics.enable", "false")).start();
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, strict.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("present", 2, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            TestReceiver receiver = TestReceiver.handling();
            Bus subscriber = bus(context(strict, ""), new Subscription("present", "reader", Optional.empty(), receiver));
            TestBusContext publishing = context(strict, "max-block = 10m\n");
            Bus publisher = bus(publishing);

            assertThat(publisher.publish("missing", message(0, 64))).isTrue();
            await().atMost(WAIT).until(() -> inStack("msight-kafka-producer-missing", "waitOnMetadata"));
            for (int n = 1; n <= 64; n++) { // the topic's queue, behind the message its sender holds
                assertThat(publisher.publish("missing", message(1000 + n, 64))).isTrue();
            }
            assertThat(publisher.canCarry("missing")).as("its queue full, sources skip encoding").isFalse();
            assertThat(publisher.publish("missing", message(1065, 64))).isFalse();
            assertThat(publisher.canCarry("present")).isTrue();
            for (int n = 1; n <= 50; n++) {
                assertThat(publisher.publish("present", message(n, 64))).isTrue();
            }
            await().atMost(WAIT).until(() -> receiver.handled().size() >= 50);
            assertThat(numbers(receiver)).containsExactlyInAnyOrderElementsOf(range(51).subList(1, 51));
            assertThat(publishing.count("lost")).isZero();
            assertThat(publishing.log().messages(Level.WARN)).singleElement().asString()
                    .contains("fails for topic 'missing': its queue of 64 messages is full");
            publisher.close();
            assertThat(publishing.count("lost")).as("the missing topic's messages, never sent").isEqualTo(65);

            // its messages lost after max-block each, while the other topic's arrive: one outage, not ended
            TestBusContext shortBlock = context(strict, "max-block = 1s\n");
            Bus second = bus(shortBlock);
            for (int n = 1; n <= 3; n++) {
                int lost = n;
                int number = 100 + n;
                assertThat(second.publish("missing", message(number, 64))).isTrue();
                await().atMost(WAIT).until(() -> shortBlock.count("lost") == lost);
                assertThat(second.publish("present", message(number, 64))).isTrue();
                await().atMost(WAIT).until(() -> numbers(receiver).contains(number));
            }
            // nor do the brokers' answers to the other topic's messages end it, through ticks of the bus's watcher
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> shortBlock.count("reconnects") == 0);
            assertThat(shortBlock.log().messages(Level.WARN)).singleElement().asString()
                    .contains("fails for topic 'missing': ", "Topic missing not present in metadata");
            second.close();
            subscriber.close();
        }
    }

    @Test
    void aMessageAboveTheLimitsIsCountedWithOneLineNamingTheSettings() {
        String topic = topic();
        TestBusContext context = context("max-request-size = 200KiB");
        TestReceiver receiver = TestReceiver.handling();
        Bus bus = bus(context, new Subscription(topic, "uploader", Optional.empty(), receiver));
        assertThat(bus.publish(topic, message(0, 300_000))).isTrue();
        assertThat(bus.publish(topic, message(1, 300_000))).isTrue();
        assertThat(bus.publish(topic, message(2, 1_000))).isTrue();
        await().atMost(WAIT).until(() -> context.count("too-large") == 2 && receiver.handled().size() == 1);
        assertThat(numbers(receiver)).containsExactly(2);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .contains("max.request.size", "message.max.bytes", topic);

        // the broker's own limit (message.max.bytes, 1 MB by default) is named the same way
        TestBusContext large = context("max-request-size = 4MiB");
        Bus lenient = bus(large);
        assertThat(lenient.publish(topic, message(3, 2_000_000))).isTrue();
        await().atMost(WAIT).until(() -> large.count("too-large") == 1);
        assertThat(large.log().messages(Level.WARN)).singleElement().asString().contains("message.max.bytes");
    }

    /**
     * A frozen broker never tells the producer a new topic's partitions, so the bus's sender waits
     * with the first message in hand and the rest stay queued: closing counts them all as lost.
     */
    @Test
    void messagesTheProducerNeverTookAreCountedAsLostAtCloseWithOneLine() throws Exception {
        TestBusContext context = context("");
        Bus bus = bus(context);
        String topic = topic();
        CompletableFuture<Void> closing;
        broker.freeze();
        try {
            for (int n = 0; n < 5; n++) {
                assertThat(bus.publish(topic, message(n, 64))).isTrue();
            }
            closing = CompletableFuture.runAsync(bus::close);
            await().atMost(WAIT).until(() -> context.count("lost") > 0);
        } finally {
            broker.thaw(); // the producer's close then ends at once instead of waiting out its timeout
        }
        closing.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(context.count("lost")).isEqualTo(5);
        assertThat(context.log().messages(Level.WARN)).singleElement().asString()
                .isEqualTo("5 message(s) still queued for the Kafka producer at close were not sent (counted as lost)");
    }

    /**
     * Messages published to a new topic just before the close are all sent: the close interrupted
     * the topic's sender as it waited for the partitions the producer asked for (the topic made as
     * it asked), and its message and the queued ones were lost, counted, with the broker up.
     */
    @Test
    void messagesPublishedToANewTopicJustBeforeTheCloseAreAllSent() {
        TestBusContext context = context("");
        Bus bus = bus(context);
        String topic = topic();
        for (int n = 0; n < 20; n++) {
            assertThat(bus.publish(topic, message(n, 64))).isTrue();
        }
        bus.close();
        assertThat(context.count("lost")).isZero();
        assertThat(records(topic, 20)).extracting(record -> number(context.formats().fromMessagePack(record.value())))
                .containsExactlyInAnyOrderElementsOf(range(20));
    }

    /**
     * A sender that does not stop when the close interrupts it (held up in an interceptor that
     * ignores interrupts) kept the close waiting for it until the deadline, which left the producer
     * no time to send: another topic's message it held (lingering) was lost, the broker up. The
     * message held up, which the producer never took, is counted as lost by the close, once: its
     * sender let it go after the count, uncounted.
     */
    @Test
    void aSenderThatIgnoresTheInterruptLeavesTheProducerTimeToSend() {
        TestBusContext context = context("linger = 30s\ndelivery-timeout = 2m\n"
                + "properties { \"interceptor.classes\" = \"" + StuckSendInterceptor.class.getName() + "\" }");
        Bus bus = bus(context);
        String topic = topic();
        String stuck = topic();
        StuckSendInterceptor.holdUp(stuck);
        try {
            assertThat(bus.publish(topic, message(0, 64))).isTrue(); // lingers in the producer until the close
            assertThat(bus.publish(stuck, message(1, 64))).isTrue();
            await().atMost(WAIT).until(StuckSendInterceptor::holding);
            bus.close();
            assertThat(context.count("lost")).as("the message held up").isEqualTo(1);
        } finally {
            StuckSendInterceptor.release();
        }
        await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("msight-kafka-producer-" + stuck)));
        assertThat(context.count("lost")).as("the message held up, once; none forced out of the producer")
                .isEqualTo(1);
        assertThat(records(topic, 1)).extracting(record -> number(context.formats().fromMessagePack(record.value())))
                .containsExactly(0);
    }

    /**
     * A close while the broker froze, with a subscriber's commit to make and a message waiting for
     * its topic's partitions, ends within the runtime's 10 s for a bus: the subscribers' commits
     * and leaving (up to 10 s) came before the producer's close (5.5 s), 13 s in all. Every wait of
     * the close ends at its one deadline, {@link KafkaBus#CLOSE_LIMIT}; past it come only the
     * producer's forced close (its batches failed, its thread ended) and a loaded machine's
     * scheduling, well within the 2 s allowed (the whole test, the bus's start too, took 8.2 to 8.6 s
     * on a loaded 2-core machine).
     */
    @Test
    void aCloseWhileTheBrokerFrozeEndsWithinTheRuntimesLimit() {
        String topic = topic();
        TestReceiver receiver = TestReceiver.handling();
        TestBusContext context = context("commit-interval = 1h"); // what the node finishes waits for the close
        Bus bus = bus(context, new Subscription(topic, "uploader", Optional.empty(), receiver));
        assertThat(bus.publish(topic, message(0, 64))).isTrue();
        await().atMost(WAIT).until(() -> receiver.handled().size() == 1);
        broker.freeze();
        try {
            assertThat(bus.publish(topic(), message(1, 64))).isTrue(); // a new topic: its partitions never come
            long start = System.nanoTime();
            bus.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(KafkaBus.CLOSE_LIMIT.plus(Duration.ofSeconds(2))); // 10 s: the runtime's limit
        } finally {
            broker.thaw();
        }
    }

    @Test
    void unreachableBrokersAtStartAreOneClearLine() {
        int nothing = FreePorts.next();
        TestBusContext context = TestBusContext.of("kafka", "servers = \"['127.0.0.1:" + nothing + "']\"\n"
                + "connect-timeout = 2s");
        Bus bus = new KafkaBusProvider().create(context);
        buses.add(bus);
        assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka at [127.0.0.1:" + nothing + "] does not answer")
                .hasMessageContaining("MSIGHT_KAFKA_SERVERS").hasMessageNotContaining("\n");
    }

    /**
     * A mistyped port where another kind of server listens. Kafka's client reads the first 4 bytes
     * of any answer as its size and allocates that much: an HTTP server's "HTTP/1.1 400" made it
     * take 1.2 GB of heap and wait for the bytes (on the launchers' 256 MB heap: an
     * OutOfMemoryError that ended its thread), and the start failed as "does not answer", as it did
     * for servers that never answer a Kafka request (HTTP, Redis) or close the connection. No Kafka
     * client is made now: the start fails in one line naming the server.
     */
    @Test
    void aServerThatIsNoKafkaBrokerStopsTheStartBeforeAnyKafkaClientIsMade() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.start();
        try (RedisTestServer redis = new RedisTestServer().start();
                AnsweringServer httpAtOnce = new AnsweringServer("HTTP/1.1 400 Bad Request\r\n\r\n");
                AnsweringServer closing = new AnsweringServer("")) {
            String silent = "it takes connections but answers no Kafka request within 2s";
            assertRefusedAsNoBroker("127.0.0.1:" + http.getAddress().getPort(), silent);
            assertRefusedAsNoBroker("127.0.0.1:" + redis.port(), silent);
            assertRefusedAsNoBroker("127.0.0.1:" + httpAtOnce.port(), "it answers with something else");
            assertRefusedAsNoBroker("127.0.0.1:" + closing.port(), "it closes the connection at a Kafka request");
        } finally {
            http.stop(0);
        }
    }

    /** An IPv6 address is named as it is written, in brackets, not as {@code ::1:port}. */
    @Test
    void aServerThatIsNoKafkaBrokerAtAnIpv6AddressIsNamedInBrackets() throws Exception {
        try (AnsweringServer closing = new AnsweringServer(InetAddress.getByName("::1"), "")) {
            assertRefusedAsNoBroker("[::1]:" + closing.port(), "it closes the connection at a Kafka request");
        }
    }

    /**
     * A name with several addresses (round-robin DNS) is a broker when any of them answers as one,
     * as Kafka's clients try them all: the probe asked the first alone, so one that takes
     * connections and never answers failed the start at connect-timeout.
     */
    @Test
    void aServerNameIsABrokerWhenAnyOfItsAddressesAnswersAsOne() throws Exception {
        // its first address takes connections (the kernel's backlog) and never answers
        assertTheProbeFindsTheBrokerAtTheSecondAddress(port -> new ServerSocket(port, 50, InetAddress.getByName(
                "127.0.0.1")));
    }

    /**
     * An address of a name that closes the connection at the request does not stop the start when
     * another address answers as a broker: a Kafka client meeting it only loses that connection.
     * It stopped the start at once, whatever the other addresses said.
     */
    @Test
    void anAddressThatClosesTheConnectionDoesNotStopTheStartWhenAnotherIsABroker() throws Exception {
        assertTheProbeFindsTheBrokerAtTheSecondAddress(port -> new AnsweringServer(InetAddress.getByName("127.0.0.1"),
                port, ""));
    }

    /** A server made at a port: {@link ServerSocket}, {@link AnsweringServer}. */
    @FunctionalInterface
    private interface AtPort {
        AutoCloseable make(int port) throws IOException;
    }

    /**
     * The probe of a name whose addresses are 127.0.0.1, where {@code first} makes a server, and
     * ::1, where a broker answers, on one port: it takes the name for a broker.
     */
    private static void assertTheProbeFindsTheBrokerAtTheSecondAddress(AtPort first) throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        AnsweringServer broker = null;
        AutoCloseable other = null;
        while (other == null) { // one port free on both addresses
            broker = new AnsweringServer(v6, BROKERS_ANSWER);
            try {
                other = first.make(broker.port());
            } catch (java.net.BindException e) {
                broker.close();
            }
        }
        try (AnsweringServer answering = broker; AutoCloseable firstAddress = other) {
            KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "servers = \"['kafka.test:"
                    + answering.port() + "']\"\nconnect-timeout = 20s").config());
            InetAddress[] addresses = {InetAddress.getByName("127.0.0.1"), v6};
            Deadline deadline = Deadline.after(settings.connectTimeout(), System::nanoTime);
            assertThatCode(() -> BrokerProbe.awaitBroker(settings, "test", deadline, host -> addresses))
                    .doesNotThrowAnyException();
        }
    }

    private void assertRefusedAsNoBroker(String server, String detail) {
        TestBusContext context = TestBusContext.of("kafka", "servers = \"['" + server + "']\"\n"
                + "connect-timeout = 2s");
        Bus bus = new KafkaBusProvider().create(context);
        buses.add(bus);
        bus.subscribe(new Subscription(topic(), "uploader", Optional.empty(), TestReceiver.handling()));
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class).hasMessage("The server at "
                + server + " does not answer as a Kafka broker (" + detail + "): check the port in msight.kafka.servers"
                + " (MSIGHT_KAFKA_SERVERS), or set msight.kafka.tls.enabled (MSIGHT_KAFKA_USE_TLS) if it is a"
                + " broker's TLS listener");
        assertThat(threadsSince(before, "kafka-")).as("Kafka clients' threads").isEmpty();
        assertThat(context.log().all()).isEmpty();
    }

    /** A TCP server that answers each connection's first bytes with {@code answer} and closes it. */
    /** What a broker answers the probe, as far as the probe reads: 4 bytes follow, its correlation id. */
    private static final String BROKERS_ANSWER = "\0\0\0\u0004msgt";

    private static final class AnsweringServer implements AutoCloseable {

        private final ServerSocket server;

        AnsweringServer(String answer) throws IOException {
            this(InetAddress.getLoopbackAddress(), answer);
        }

        AnsweringServer(InetAddress address, String answer) throws IOException {
            this(address, 0, answer);
        }

        AnsweringServer(InetAddress address, int port, String answer) throws IOException {
            server = new ServerSocket(port, 50, address);
            Thread thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket connection = server.accept()) {
                        connection.getInputStream().read(new byte[256]);
                        connection.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // closed, or a client gone
                    }
                }
            }, "answering-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /**
     * The probe and the admin client's check share connect-timeout: the check waits what the probe
     * left, 2 s at least. It waited connect-timeout again, so a server that answered the probe as
     * connect-timeout ran out (a broker starting) and then answered no Kafka client held the start
     * up to twice connect-timeout. Here the test's clock says that the probe took all of an hour's
     * connect-timeout: the start fails within the test's wait, not an hour later.
     */
    @Test
    void theAdminClientsCheckWaitsOnlyWhatTheProbeLeftOfConnectTimeout() throws Exception {
        AtomicLong probeTook = new AtomicLong();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            String address = "127.0.0.1:" + server.getLocalPort();
            TestBusContext context = TestBusContext.of("kafka", "servers = \"['" + address + "']\"\n"
                    + "connect-timeout = 1h");
            Bus bus = new KafkaBus(context, KafkaSettings.from(context.config()),
                    () -> System.nanoTime() + probeTook.get());
            buses.add(bus);
            CompletableFuture<Void> start = CompletableFuture.runAsync(bus::start);
            server.setSoTimeout((int) Waits.GENEROUS.toMillis());
            try (Socket probe = server.accept()) { // answered as by a broker, an hour later on the test's clock
                probe.getInputStream().read(new byte[256]);
                probeTook.set(Duration.ofHours(1).toNanos());
                probe.getOutputStream().write(BROKERS_ANSWER.getBytes(StandardCharsets.US_ASCII));
            }
            // the admin client's connection waits in the kernel's backlog, never answered
            assertThatThrownBy(() -> start.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS))
                    .as("the start, failed within the test's wait").isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("Kafka at [" + address + "] does not answer (no answer within 1h): check"
                            + " msight.kafka.servers (MSIGHT_KAFKA_SERVERS) and that the brokers run");
        }
    }

    /** A broker starting with the machine, after the pipeline: the start waits for it, up to connect-timeout. */
    @Test
    void theStartWaitsForABrokerThatComesUpWithinConnectTimeout() throws Exception {
        try (KafkaTestServer late = new KafkaTestServer().start()) {
            late.stop();
            Bus bus = new KafkaBusProvider().create(context(late, "connect-timeout = " + WAIT.toSeconds() + "s"));
            buses.add(bus);
            CompletableFuture<Void> start = CompletableFuture.runAsync(bus::start);
            late.start();
            assertThatCode(() -> start.get(WAIT.multipliedBy(2).toSeconds(), TimeUnit.SECONDS))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void badSettingsNameTheirKey() {
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("sasl.mechanism = GSSAPI")))
                .hasMessageStartingWith("sasl.mechanism: 'GSSAPI' is not one of");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("sasl { mechanism = PLAIN, username = u }")))
                .hasMessageStartingWith("sasl.password: SASL PLAIN needs it (or MSIGHT_KAFKA_SASL_PASSWORD)");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("servers = \"['a:1'\"")))
                .hasMessageStartingWith("servers: ");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("tls { enabled = yes, key-file = k.pem }")))
                .hasMessageStartingWith("msight.kafka.tls.key-file: needs cert-file");
    }

    /**
     * A topic Kafka cannot have is refused before anything connects, so by --check: its
     * subscriber failed for good at run time. Python MSight's Kafka topic is the name unchanged.
     */
    @Test
    void aTopicKafkaCannotHaveIsRefusedBeforeAnythingConnects() {
        Bus bus = new KafkaBusProvider().create(context(""));
        for (String topic : List.of("cam/front", "a b", ".", "..", "t".repeat(250))) {
            assertThatThrownBy(() -> bus.checkTopic(topic)).as(topic).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Kafka cannot have this topic (Topic name is invalid: ")
                    .hasMessageEndingWith("): rename it");
        }
        assertThatCode(() -> bus.checkTopic("cam_front.v-2")).doesNotThrowAnyException();
        bus.close();
    }

    /** The runtime has the bus check each node's topics: a bad one is a problem at its key's line, exit 2. */
    @Test
    void aPipelineWithATopicKafkaCannotHaveIsRefusedAtTheNodesKey() {
        var pipeline = com.typesafe.config.ConfigFactory.parseString("msight { bus = kafka, registry.enabled = false }\nnodes.out {"
                + " type = test-topic-listener,\nsubscribe-topic = \"cam/front\", listener = none }");
        assertThatThrownBy(() -> new org.msight.runtime.PipelineFactory(List.of()).load("test", pipeline).create())
                .isInstanceOf(org.msight.runtime.config.PipelineConfigException.class).hasMessageEndingWith(
                        ":3: nodes.out.subscribe-topic: Kafka cannot have this topic (Topic name is invalid:"
                        + " 'cam/front' contains one or more characters other than ASCII alphanumerics, '.', '_'"
                        + " and '-'): rename it");
    }

    /** Durations and counts out of their range are refused by the loader at their key, before any bus is made. */
    @Test
    void valuesOutOfTheirRangeAreRefusedAtTheirKey() {
        var pipeline = com.typesafe.config.ConfigFactory.parseString("msight { bus = kafka, kafka {"
                + " connect-timeout = 0s, linger = -1ms, max-poll-records = 0 } }, nodes.out { type = test-topic-listener,"
                + " subscribe-topic = t, listener = none }");
        assertThatThrownBy(() -> new org.msight.runtime.PipelineFactory(List.of()).load("test", pipeline))
                .isInstanceOf(org.msight.runtime.config.PipelineConfigException.class).hasMessage(
                        "test:1: msight.kafka.linger: must be 0s to 1h, not '-1ms'\n"
                        + "test:1: msight.kafka.max-poll-records: must be 1 to 100000, not 0\n"
                        + "test:1: msight.kafka.connect-timeout: must be 1ms to 1h, not '0s'");
    }

    /** Kafka's own definitions check each property when the bus is created (so msight-run --check does). */
    @Test
    void propertiesAClientWouldRefuseNameTheirKeyBeforeAnythingConnects() {
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"request.timeout.ms\" = soon }")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("properties.\"request.timeout.ms\": Invalid"
                        + " value soon for configuration request.timeout.ms: Not a number of type INT");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"linger.ms\" = later }")))
                .as("producer only").hasMessageStartingWith("properties.\"linger.ms\": Invalid value later");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"fetch.min.bytes\" = -1 }")))
                .as("consumer only").hasMessageStartingWith("properties.\"fetch.min.bytes\": Invalid value -1");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"partitioner.class\" = no.Such }")))
                .hasMessageStartingWith("properties.\"partitioner.class\": ").hasMessageContaining("no.Such");
    }

    /** The clients ignore a property they do not know: a misspelt one would change nothing, unseen. */
    @Test
    void aMisspeltPropertyIsRefusedWithTheOneMeantButAPluggableClassesOwnPasses() {
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"lingr.ms\" = 20 }")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("properties.\"lingr.ms\": no Kafka client"
                        + " has this property (did you mean 'linger.ms'?)");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"max.poll.record\" = 5 }")))
                .hasMessageContaining("(did you mean 'max.poll.records'?)");
        for (String own : List.of("schema.registry.url", "oauth.token.endpoint.uri", "edge.partitioner.zone",
                "sasl.kerberos.custom.realm", "partitioner.zone", "client.rack.zone", "linger.max.ms",
                "oauth.ssl.truststore.location")) {
            assertThatCode(() -> buses.add(new KafkaBusProvider().create(context("properties { \"" + own + "\" = x }"))))
                    .as(own).doesNotThrowAnyException();
        }
    }

    /** Reported at the user's servers key, not at the properties of the plugin's reference.conf. */
    @Test
    void serversWhoseNamesDoNotResolveAreRefusedAtTheServersKey() {
        Bus bus = new KafkaBusProvider().create(context("servers = \"kafka.invalid:9092\""));
        buses.add(bus);
        assertThatThrownBy(bus::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("servers: No resolvable bootstrap urls given in bootstrap.servers");
    }

    /**
     * A server the clients refuse (no port, one out of range, user info) is refused at the servers
     * key as the bus is made, so by --check, named by its place in the list, never shown: the clients
     * refused it at start, showing a part of a password holding a blank, and a list unquoted is split
     * at a password's comma ('u:s3cr3t' showed).
     */
    @Test
    void serversTheClientsRefuseAreRefusedAtTheServersKeyBeforeTheStart() {
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("servers = \"127.0.0.1\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("servers: server 1 of 1 is not a broker's"
                        + " host:port, such as kafka1:9092 (Kafka takes no user or password in it: set sasl.username"
                        + " and sasl.password); not shown, as it may hold one");
        for (String server : List.of("127.0.0.1:99999", "127.0.0.1:99999999999")) {
            assertThatThrownBy(() -> new KafkaBusProvider().create(context("servers = \"h:1, " + server + "\"")))
                    .as(server).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("servers: server 2 of 2 (127.0.0.1): the port is not in 0-65535");
        }
        Map<String, String> refused = Map.of("u:pw@127.0.0.1:1", "server 1 of 1", "127.0.0.1:1, u:se cret@127.0.0.1:2",
                "server 2 of 2", "[\\\"u:p w@h:2\\\"]", "server 1 of 1",
                "u:s3cr3t,part@kafka1:9092", "server 1 of 2");
        refused.forEach((servers, which) -> assertThatThrownBy(() -> new KafkaBusProvider().create(context(
                "servers = \"" + servers + "\""))).as(servers).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("servers: " + which + " is not a broker's host:port")
                .hasMessageNotContainingAny("pw", "cret", "p w", "s3cr3t", "part"));
        buses.add(new KafkaBusProvider().create(context("servers = \"['[::1]:9092', 'kafka.test:9092']\"")));
    }

    /**
     * A key or trust store the clients cannot read is refused as the bus is made (by --check), naming
     * the property and the file; a client made with it logged an ERROR with a stack trace, and the
     * start's line named no file.
     */
    @Test
    void aStoreFileThatCannotBeReadIsRefusedWithItsPropertyAndFile(@TempDir Path dir) {
        Path missing = dir.resolve("truststore.jks");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"security.protocol\" = ssl,"
                + " \"ssl.truststore.location\" = \"" + missing + "\" }")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("properties.\"ssl.truststore.location\": " + missing + ": no such file or folder");
        assertThatThrownBy(() -> new KafkaBusProvider().create(context("properties { \"security.protocol\" = ssl,"
                + " \"ssl.keystore.location\" = \"" + dir + "\" }")))
                .as("a folder").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("properties.\"ssl.keystore.location\": " + dir + ": ");
    }

    /** What the clients check only as a whole, when created at start, is one line naming the properties. */
    @Test
    void propertiesAClientRefusesOnlyWhenCreatedAreOneLineAtStart() {
        Bus bus = new KafkaBusProvider().create(context("properties { acks = \"0\" }")); // idempotence needs acks=all
        buses.add(bus);
        assertThatThrownBy(bus::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("properties: ").hasMessageContaining("acks").hasMessageNotContaining("\n");
    }

    @Test
    void theSaslPasswordAndTokenAreDeclaredSecretSoTheRuntimeNeverShowsThem() {
        Setting sasl = new KafkaBusProvider().settings().stream().filter(setting -> setting.key().equals("sasl"))
                .findFirst().orElseThrow();
        assertThat(sasl.settings()).filteredOn(Setting::isSecret).extracting(Setting::key)
                .containsExactlyInAnyOrder("password", "oauth-token");
    }
}

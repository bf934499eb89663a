package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.msight.api.Backoff;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.testkit.TestBusContext;
import org.msight.testkit.TestReceiver;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * A partition whose log was cut back (an unclean leader election) starts anew where it diverged,
 * one past the end of its log (a topic made again) at start-position, and nothing of its old log
 * moves its commits past the new log's records; one whose position the topic deleted commits past
 * no record fetched before it. The consumer is Kafka's {@link MockConsumer}, only to raise a {@link
 * LogTruncationException} (a real single broker cannot produce one: it takes a leader elected among
 * replicas that had not all the log), to make a topic again at once, and to delete what a paused
 * partition's fetched records are followed by.
 */
class LogTruncationTest {

    private static final String TOPIC = "images";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private final TestBusContext context = TestBusContext.of("kafka", "start-position = earliest\n"
            + "commit-interval = 10ms");

    /** The log cut back at offset 5, which this group read up to offset 10. */
    private static LogTruncationException cutBackAt5() {
        return new LogTruncationException(Map.of(PARTITION, 10L), Map.of(PARTITION, new OffsetAndMetadata(5)));
    }

    /** The client's word that the topic no longer keeps the partition's message at {@code position}. */
    private static OffsetOutOfRangeException positionDeleted(long position) {
        return new OffsetOutOfRangeException("out of range", Map.of(PARTITION, position));
    }

    /**
     * The old log's messages the node finishes after the restart (and a commit of them answered
     * late) change offsets the partition no longer has: they marked the new log's record at the
     * same offset done, and its commit went past it, unfinished.
     */
    @Test
    void theOldLogsDeliveriesCannotMoveTheNewLogsCommitPastAnUnfinishedRecord() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        PartitionOffsets old = new PartitionOffsets();
        offsets.put(PARTITION, old);
        for (long offset = 0; offset < 10; offset++) {
            old.handedOver(offset); // the old log's, with the node
        }
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        startPositions(offsets).replace(consumer, cutBackAt5(), Map.of());

        assertThat(consumer.position(PARTITION)).isEqualTo(5);
        PartitionOffsets anew = offsets.get(PARTITION);
        anew.handedOver(5); // the new log's record 5, with the node
        for (long offset = 0; offset < 10; offset++) {
            old.done(offset);
        }
        assertThat(anew.toCommit()).as("the new log's record 5 unfinished").isEqualTo(5);
        old.committed(10);
        assertThat(anew.toCommit()).as("a commit of the old log answered late").isEqualTo(5);
    }

    /**
     * The old log's records before where it was cut back, which the new log has too, still with
     * the node at the restart: the new offsets forgot them, and committed past them, unfinished.
     */
    @Test
    void theRecordsBeforeTheCutStillWithTheNodeHoldTheNewLogsCommit() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        PartitionOffsets old = new PartitionOffsets();
        offsets.put(PARTITION, old);
        for (long offset = 0; offset < 10; offset++) {
            old.handedOver(offset);
        }
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        startPositions(offsets).replace(consumer, cutBackAt5(), Map.of());

        PartitionOffsets anew = offsets.get(PARTITION);
        assertThat(anew.toCommit()).as("0 to 4 with the node").isEqualTo(0);
        anew.handedOver(5); // the new log's record 5
        for (long offset = 0; offset < 4; offset++) {
            old.done(offset); // delivered before the restart: done through the old offsets
        }
        assertThat(anew.toCommit()).as("4 with the node").isEqualTo(4);
        old.done(4);
        assertThat(anew.toCommit()).as("the new log's record 5 unfinished").isEqualTo(5);
        anew.done(5);
        assertThat(anew.toCommit()).isEqualTo(6);
    }

    /**
     * The old log's records before where it was cut back that were fetched but not handed over yet
     * (the node had no room): the new offsets started at the cut, so once the node finished what
     * it held the commit went past them (to 5 here, 3 and 4 not handed over).
     */
    @Test
    void theRecordsBeforeTheCutNotHandedOverYetHoldTheNewLogsCommit() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        PartitionOffsets old = new PartitionOffsets();
        offsets.put(PARTITION, old);
        for (long offset = 0; offset < 3; offset++) {
            old.handedOver(offset); // 3 to 9 fetched, waiting for room in the node
        }
        for (long offset = 0; offset < 3; offset++) {
            old.done(offset);
        }
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        startPositions(offsets).replace(consumer, cutBackAt5(), Map.of());

        PartitionOffsets anew = offsets.get(PARTITION);
        assertThat(anew.toCommit()).as("3 and 4 not handed over yet").isEqualTo(3);
        anew.handedOver(3);
        anew.handedOver(4);
        anew.done(3);
        assertThat(anew.toCommit()).isEqualTo(4);
        anew.done(4);
        assertThat(anew.toCommit()).isEqualTo(5);
    }

    /**
     * Records of the old log fetched past where it was cut back, waiting while the node's queue
     * was full, were handed over after the restart: the node handled messages the log no longer
     * has, and the commit went past the new log's records (to 10 here, the new log ending at 8).
     */
    @Test
    void fetchedRecordsOfTheOldLogPastTheCutAreDropped() {
        MockConsumer<byte[], byte[]> consumer = withTheOldLog(10);
        TestReceiver node = TestReceiver.holding(3);
        try (KafkaSubscriber subscriber = started(context, node, consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3);
            cutBackAt5WithTheNewLog(consumer);
            handleAllOfTheNewLog(node, consumer);
        }
    }

    /**
     * The old log's records before where it was cut back, fetched and waiting for room in the node
     * as it came (its queue full of another topic's messages), are handed over, and the commit
     * passes none of them before the node finished it: it went to 5 once the node finished 0 to 2,
     * 3 and 4 still waiting.
     */
    @Test
    void fetchedRecordsOfTheOldLogBeforeTheCutAreDeliveredAndHoldTheCommit() {
        MockConsumer<byte[], byte[]> consumer = withTheOldLog(10);
        TestReceiver node = TestReceiver.holding(3);
        AtomicBoolean room = new AtomicBoolean(true);
        try (KafkaSubscriber subscriber = started(context, withRoomWhile(room, node), consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3);
            room.set(false);
            cutBackAt5WithTheNewLog(consumer);
            node.handle(3); // 0 to 2 done; 3 and 4 still wait for room
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) >= 3);
            assertThat(committed(consumer)).as("3 and 4 not handed over yet").isEqualTo(3);

            room.set(true);
            handleAllOfTheNewLog(node, consumer);
        }
    }

    /**
     * The records fetched and waiting for room in the node as the topic deleted those after them
     * unconsumed (its retention; the client says so of a paused partition too) are handed over,
     * and the commit passes none of them before the node finished it: it went to 15, the oldest
     * kept, once the node finished 0 to 2, 3 to 9 still waiting. Only 10 to 14 are lost.
     */
    @Test
    void fetchedRecordsBeforeWhatTheTopicDeletedAreDeliveredAndHoldTheCommit() {
        CommitsKept consumer = withTheOldLog(10);
        TestReceiver node = TestReceiver.holding(3);
        AtomicBoolean room = new AtomicBoolean(true);
        try (KafkaSubscriber subscriber = started(context, withRoomWhile(room, node), consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3);
            room.set(false);
            deletedBefore15(consumer, 3);
            node.handle(3); // 0 to 2 done; 3 to 9 still wait for room
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) >= 3);
            assertThat(committed(consumer)).as("3 to 9 not handed over yet").isEqualTo(3);

            room.set(true);
            await().atMost(Waits.GENEROUS).until(() -> {
                node.handle(3);
                return numbers(node).contains(117);
            });
            assertThat(numbers(node)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 115, 116, 117);
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) == 18);
            assertThat(context.count("lost")).isEqualTo(5);
        }
    }

    /**
     * The topic deleted more as records fetched before the first deletion still waited for room in
     * the node: once they are handed over, the commit goes past both deletions, not back into them
     * (a next start would count them lost again).
     */
    @Test
    void recordsWaitingThroughTwoDeletionsCommitPastBoth() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        PartitionOffsets state = new PartitionOffsets();
        offsets.put(PARTITION, state);
        state.startsAt(3); // 3 to 9 fetched, waiting for room in the node
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 15L));
        startPositions(offsets).replace(consumer, positionDeleted(10), Map.of(PARTITION, 10L));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 20L));
        startPositions(offsets).replace(consumer, positionDeleted(15), Map.of(PARTITION, 10L));

        assertThat(state.toCommit()).isEqualTo(3);
        for (long offset = 3; offset < 10; offset++) {
            state.handedOver(offset);
            state.done(offset);
        }
        assertThat(state.toCommit()).isEqualTo(20);
        assertThat(context.count("lost")).isEqualTo(10);
    }

    /**
     * A partition the client placed itself (the brokers did not say where it starts as it was
     * assigned), whose position the topic then deleted, commits the oldest kept: nothing it fetched
     * waits.
     */
    @Test
    void aPartitionTheClientPlacedCommitsTheOldestKeptOnceThePositionIsDeleted() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        offsets.put(PARTITION, new PartitionOffsets());
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 15L));
        startPositions(offsets).replace(consumer, positionDeleted(10), Map.of());

        assertThat(offsets.get(PARTITION).toCommit()).isEqualTo(15);
    }

    /**
     * The last record handed over, 7, not just before the consumer's position, 10 (a transaction's
     * markers at 8 and 9, or records compacted away), as the topic deleted 10 to 14: nothing waits,
     * so the commit goes to 15 at once. It stayed at 8 until a record was handed over: a stop or a
     * rebalance meanwhile committed 8, and the next start counted 8 to 14 lost again.
     */
    @Test
    void theCommitPassesWhatTheTopicDeletedAtOnceAfterAGapBeforeThePosition() {
        Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
        PartitionOffsets state = new PartitionOffsets();
        offsets.put(PARTITION, state);
        for (long offset = 0; offset < 8; offset++) {
            state.handedOver(offset);
            state.done(offset);
        }
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
        consumer.assign(List.of(PARTITION));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 15L));
        startPositions(offsets).replace(consumer, positionDeleted(10), Map.of());

        assertThat(state.toCommit()).isEqualTo(15);
    }

    /**
     * Records 3 to 7 waiting for room in the node, the consumer's position 10 past them (a
     * transaction's markers at 8 and 9), as the topic deleted 10 to 14: they are handed over, and
     * the commit goes to 15 once the node finished them. It stayed at 8, which the next start would
     * find deleted, counting 8 to 14 lost again.
     */
    @Test
    void recordsWaitingBeforeAGapAndWhatTheTopicDeletedAreDeliveredThenCommittedPast() {
        CommitsKept consumer = withTheOldLog(8);
        TestReceiver node = TestReceiver.holding(3);
        AtomicBoolean room = new AtomicBoolean(true);
        try (KafkaSubscriber subscriber = started(context, withRoomWhile(room, node), consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3);
            room.set(false);
            deletedBefore15(consumer, 0);
            node.handle(3); // 0 to 2 done; 3 to 7 still wait for room
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) >= 3);
            assertThat(committed(consumer)).as("3 to 7 not handed over yet").isEqualTo(3);

            room.set(true);
            await().atMost(Waits.GENEROUS).until(() -> {
                node.handle(3);
                return numbers(node).contains(7);
            });
            assertThat(numbers(node)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) >= 8);
            assertThat(committed(consumer)).isEqualTo(15);
            assertThat(context.count("lost")).isEqualTo(5);
        }
    }

    /**
     * A stop right after the topic deleted what followed the records waiting for room in the node
     * commits the first of them: it committed 15, the oldest kept, and the next start skipped 3 to 9.
     */
    @Test
    void aStopAfterTheTopicDeletedWhatFollowedTheWaitingRecordsCommitsTheFirstOfThem() {
        TestBusContext rarely = TestBusContext.of("kafka", "start-position = earliest\ncommit-interval = 1h");
        CommitsKept consumer = withTheOldLog(10);
        TestReceiver node = TestReceiver.holding(3);
        AtomicBoolean room = new AtomicBoolean(true);
        try (KafkaSubscriber subscriber = started(rarely, withRoomWhile(room, node), consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3);
            room.set(false);
            deletedBefore15(consumer, 3);
            node.handle(3); // 0 to 2 done; 3 to 9 still wait for room
        }
        assertThat(consumer.commits).as("the first commit, then the close's").containsExactly(0L, 3L);
    }

    /**
     * A partition restarted at start-position, its position past the end of its log (the topic
     * made again): every record fetched of the old log is dropped, also those below the restart.
     * The old log's 990 to 999 fetched (990 to 992 with the node), the new log ending at 995: the
     * old log's 993 and 994 were handed over after the restart, and the commit went back to 993.
     */
    @Test
    void fetchedRecordsOfATopicMadeAgainAreAllDropped() {
        TestBusContext latest = TestBusContext.of("kafka", "start-position = latest\ncommit-interval = 10ms");
        CommitsKept consumer = new CommitsKept();
        List<Long> commits = consumer.commits;
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, 990L));
        consumer.schedulePollTask(() -> { // records 990 to 999 of the old log: 3 handed over, 7 wait
            consumer.rebalance(List.of(PARTITION));
            for (int offset = 990; offset < 1000; offset++) {
                consumer.addRecord(record(offset, offset));
            }
        });
        TestReceiver node = TestReceiver.holding(3);
        try (KafkaSubscriber subscriber = started(latest, node, consumer)) {
            await().atMost(Waits.GENEROUS).until(() -> node.queued() == 3 && !commits.isEmpty());
            int before = commits.size();
            consumer.schedulePollTask(() -> { // the topic made again, its log ending at 995 whose 995 to 997 wait
                node.handle(3); // meanwhile: the node has room as the partition restarts
                consumer.updateEndOffsets(Map.of(PARTITION, 995L));
                consumer.setPollException(new OffsetOutOfRangeException("out of range", Map.of(PARTITION, 1000L)));
                for (int offset = 995; offset < 998; offset++) {
                    consumer.addRecord(record(offset, 10_000 + offset));
                }
            });
            await().atMost(Waits.GENEROUS).until(() -> !latest.log().messages(Level.WARN).isEmpty());
            await().atMost(Waits.GENEROUS).until(() -> {
                node.handle(3);
                return numbers(node).contains(10_997);
            });
            assertThat(numbers(node)).containsExactly(990, 991, 992, 10_995, 10_996, 10_997);
            await().atMost(Waits.GENEROUS).until(() -> committed(consumer) == 998);
            assertThat(commits.subList(before, commits.size())).allMatch(offset -> offset >= 995);
        }
    }

    /** A consumer whose first poll assigns the partition and fetches records 0 to {@code end} - 1 of its old log. */
    private CommitsKept withTheOldLog(int end) {
        CommitsKept consumer = new CommitsKept();
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            for (int offset = 0; offset < end; offset++) {
                consumer.addRecord(record(offset, offset));
            }
        });
        return consumer;
    }

    /** At the next poll the log is cut back at 5, the new log's 5 to 7 to be fetched; until the bus says so. */
    private void cutBackAt5WithTheNewLog(MockConsumer<byte[], byte[]> consumer) {
        consumer.schedulePollTask(() -> {
            consumer.setPollException(cutBackAt5());
            for (int offset = 5; offset < 8; offset++) {
                consumer.addRecord(record(offset, 100 + offset));
            }
        });
        await().atMost(Waits.GENEROUS).until(() -> !context.log().messages(Level.WARN).isEmpty());
    }

    /**
     * At the next poll the topic keeps the partition's log from offset 15 on only (its retention
     * deleted 10 to 14, which this group had not fetched yet, the consumer's position 10), the
     * first {@code kept} of it to be fetched; until the bus placed the partition again.
     */
    private void deletedBefore15(MockConsumer<byte[], byte[]> consumer, int kept) {
        AtomicBoolean placed = new AtomicBoolean();
        consumer.schedulePollTask(() -> {
            consumer.seek(PARTITION, 10); // past the last record fetched, or a transaction's markers after it
            consumer.updateBeginningOffsets(Map.of(PARTITION, 15L));
            consumer.setPollException(positionDeleted(10));
            for (int offset = 15; offset < 15 + kept; offset++) {
                consumer.addRecord(record(offset, 100 + offset));
            }
        });
        consumer.schedulePollTask(() -> placed.set(true)); // the poll after the one that failed
        await().atMost(Waits.GENEROUS).untilTrue(placed);
    }

    /**
     * The node handles all it gets until the new log's last record: it got the old log's 0 to 4
     * and the new log's 5 to 7, and the commit ends after them.
     */
    private static void handleAllOfTheNewLog(TestReceiver node, MockConsumer<byte[], byte[]> consumer) {
        await().atMost(Waits.GENEROUS).until(() -> {
            node.handle(3);
            return numbers(node).contains(107);
        });
        assertThat(numbers(node)).containsExactly(0, 1, 2, 3, 4, 105, 106, 107);
        await().atMost(Waits.GENEROUS).until(() -> committed(consumer) == 8);
    }

    /** A subscriber of the topic for {@code node}, on {@code context}'s settings, reading {@code consumer}: started. */
    private static KafkaSubscriber started(TestBusContext context, Receiver node,
            MockConsumer<byte[], byte[]> consumer) {
        KafkaSubscriber subscriber = new KafkaSubscriber(KafkaSettings.from(context.config()),
                new Subscription(TOPIC, "uploader", Optional.empty(), node), context.formats(), context.log(),
                context.counter("reconnects"), context.counter("lost"), new Backoff(Duration.ofMillis(10),
                Duration.ofMillis(10)), properties -> consumer);
        subscriber.start("msight-test-device-0");
        return subscriber;
    }

    /** {@code node}, as a queue full of another topic's messages while there is no {@code room}. */
    private static Receiver withRoomWhile(AtomicBoolean room, TestReceiver node) {
        return new Receiver() {
            @Override
            public void deliver(Delivery delivery) {
                node.deliver(delivery);
            }

            @Override
            public int remainingCapacity() {
                return room.get() ? node.remainingCapacity() : 0;
            }

            @Override
            public void countMalformed() {
                node.countMalformed();
            }
        };
    }

    /** The start positions of the subscriber whose partitions have {@code offsets}. */
    private StartPositions startPositions(Map<TopicPartition, PartitionOffsets> offsets) {
        return new StartPositions(KafkaSettings.from(context.config()), context.log(), "side", context.counter("lost"),
                offsets);
    }

    /** A record of the topic at {@code offset} whose message carries {@code number}. */
    private ConsumerRecord<byte[], byte[]> record(long offset, int number) {
        BytesData message = new BytesData(Metadata.create("cam", "edge-01", Metadata.now()),
                ByteBuffer.allocate(4).putInt(number).array());
        return new ConsumerRecord<>(TOPIC, 0, offset, null, context.formats().toMessagePack(message));
    }

    private static List<Integer> numbers(TestReceiver node) {
        return node.handled().stream().map(data -> ByteBuffer.wrap(((BytesData) data).data()).getInt()).toList();
    }

    private static long committed(MockConsumer<byte[], byte[]> consumer) {
        OffsetAndMetadata commit = consumer.committed(Set.of(PARTITION)).get(PARTITION);
        return commit == null ? -1 : commit.offset();
    }

    /** Kafka's mock consumer, keeping each offset of the partition it committed: also once closed, unlike its own. */
    private static final class CommitsKept extends MockConsumer<byte[], byte[]> {

        final List<Long> commits = new CopyOnWriteArrayList<>();

        CommitsKept() {
            super("none");
        }

        @Override // commitSync too
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                OffsetCommitCallback callback) {
            commits.add(offsets.get(PARTITION).offset());
            super.commitAsync(offsets, callback);
        }
    }
}

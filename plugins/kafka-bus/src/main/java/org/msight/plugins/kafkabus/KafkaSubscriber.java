package org.msight.plugins.kafkabus;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.OutageLog;
import org.msight.api.Setting;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * One subscription: a consumer in the subscription's group, on a thread of its own. Messages are
 * handed to the receiver only while its queue has room (the partitions are paused meanwhile, so
 * the broker keeps what the node cannot take yet), and an offset is committed only once the
 * runtime is done with every message before it: at-least-once. A member that gives up partitions
 * in a rebalance first lets its node finish their messages (at most {@code revoke-timeout}) and
 * commits them, so that the next owner does not handle them again.
 */
final class KafkaSubscriber implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * The parts of an outage: the poll loop failing, the group's coordinator out of touch,
     * partitions whose position could not be found at assignment, and commits failing.
     */
    private static final String POLLING = "polling";
    private static final String COORDINATOR = "coordinator";
    private static final String POSITIONS = "positions";
    private static final String COMMITS = "commits";
    private static final Duration CLOSE_COMMIT_MAX = Duration.ofSeconds(5);
    /** How long leaving the group may take outside a stop (a consumer made again after an Error). */
    private static final Duration LEAVE = Duration.ofSeconds(5);
    /** How the client's message for a record it cannot read begins, the partition next (Kafka 4.1). */
    private static final String UNREADABLE_RECORD = "Received exception when fetching the next record from ";

    private final KafkaSettings settings;
    private final Subscription subscription;
    private final String groupId;
    private final MsightFormats formats;
    private final Logger log;
    private final String side;
    private final OutageLog outage;
    private final StartPositions startPositions;
    private final Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> fetched = new ArrayDeque<>();
    /** Partitions whose position could not be found at assignment: an outage until the client knows it. */
    private final Set<TopicPartition> unplaced = new HashSet<>();
    /** The poll loop's pause after a failure its handling did not survive. */
    private static final long LAST_RESORT_PAUSE_MILLIS = 1000;
    private final Backoff backoff;
    private final LastResort lastResort;
    /** One line a minute at most for records skipped because they cannot be read. */
    private final LogThrottle unreadableLines = new LogThrottle(Duration.ofMinutes(1));
    /** Makes the consumer of the given properties: Kafka's, or a test's. */
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
    private String clientId;
    private Consumer<byte[], byte[]> consumer;
    /** Seconds since this member last sent the coordinator a heartbeat (-1 before the first); null if the client has none. */
    private volatile Metric lastHeartbeat;
    /** When the consumer was created: the silence before its first heartbeat counts from then. */
    private volatile long startNanos;
    /** Whether an Error came out of the poll loop: the consumer is made again, see {@link #renew()}. */
    private boolean broken;
    private Thread thread;
    private long nextCommit = System.nanoTime();
    /** When the commits of a closing member give up: see {@link #closing}. */
    private volatile Deadline commitsEnd;
    /** When a closing member gives up leaving its group, and {@link #close()} waiting for it. */
    private volatile Deadline closeEnd;
    private volatile boolean closed;
    /** Whether the stop came while the brokers were away: nothing is committed at close then. */
    private volatile boolean closedInOutage;

    KafkaSubscriber(KafkaSettings settings, Subscription subscription, MsightFormats formats, Logger log,
            Counter reconnects, Counter lost) {
        this(settings, subscription, formats, log, reconnects, lost, new Backoff(Duration.ofMillis(100),
                Duration.ofSeconds(5)), KafkaSubscriber::kafkaConsumer);
    }

    /**
     * A subscriber whose poll loop pauses after a failure as {@code backoff} says, and whose
     * consumer {@code consumers} makes, as tests set them.
     */
    KafkaSubscriber(KafkaSettings settings, Subscription subscription, MsightFormats formats, Logger log,
            Counter reconnects, Counter lost, Backoff backoff,
            Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers) {
        this.settings = settings;
        this.subscription = subscription;
        this.groupId = subscription.group().orElse(subscription.nodeName() + "_group");
        this.formats = formats;
        this.log = log;
        this.side = "Consuming topic '" + subscription.topic() + "' in group '" + groupId + "'";
        this.outage = new OutageLog(log, side + " works again", reconnects);
        this.startPositions = new StartPositions(settings, log, side, lost, offsets);
        this.backoff = backoff;
        this.consumers = consumers;
        String lastLine = side + " fails: its poll loop failed as it handled a failure (the heap running out?)";
        this.lastResort = new LastResort(() -> outage.down(POLLING, lastLine));
    }

    /** Creates the consumer and starts its thread; it joins the group in the background. */
    void start(String clientId) {
        this.clientId = clientId;
        connect();
        thread = DaemonThreads.start("msight-kafka-" + subscription.nodeName() + "-" + subscription.topic(), this::run);
    }

    /** Kafka's consumer of {@code properties}, reading keys and values as bytes. */
    static Consumer<byte[], byte[]> kafkaConsumer(Map<String, Object> properties) {
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Makes the consumer; it joins the group once subscribed. */
    private void connect() {
        consumer = consumers.apply(settings.consumerProperties(clientId, groupId));
        startNanos = System.nanoTime(); // first: watchCoordinator reads the new metric with its own start only
        lastHeartbeat = ClientMetrics.find(consumer.metrics(), "consumer-coordinator-metrics",
                "last-heartbeat-seconds-ago").orElse(null);
    }

    private void run() {
        try {
            subscribe();
            while (!closed) {
                try {
                    pollOnce();
                } catch (Throwable e) { // handling a failure failed (the heap running out again): this thread lives on
                    lastResort.failed();
                    if (!lastResortPause()) { // interrupted: taken for a stop
                        closing(KafkaBus.closeDeadline());
                    }
                }
            }
            commitAtClose();
        } catch (KafkaException e) {
            log.warn("Kafka group '{}' on topic '{}' could not commit at close: {}", groupId, subscription.topic(),
                    Failures.describe(settings, e));
        } finally {
            consumer.close(closed ? closeEnd.left() : LEAVE);
        }
    }

    /** One round of the poll loop; a failure is an outage, retried after the backoff. */
    private void pollOnce() {
        try {
            if (broken) {
                renew();
                return; // a stop meanwhile ends the loop here
            }
            handOver();
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(POLL);
            } catch (InvalidOffsetException e) { // no commit and no start found yet, deleted unconsumed, or cut back
                startPositions.replace(consumer, e, waitingEnds()).forEach(this::dropFetchedFrom);
                return;
            } catch (KafkaException e) {
                if (skippedUnreadable(e)) {
                    return;
                }
                throw e;
            }
            if (closed) {
                return; // stopped during the poll (in a rebalance): nothing more for the nodes
            }
            records.forEach(fetched::add);
            handOver();
            commitIfDue();
            unplaced.removeIf(this::placed);
            if (unplaced.isEmpty()) {
                outage.up(POSITIONS);
            }
            outage.up(POLLING);
            backoff.reset();
        } catch (WakeupException e) {
            // close() wakes the poll
        } catch (RuntimeException | Error e) { // the client's failures, any it did not expect, the heap
            // running out (a burst of large messages): retried, this thread lives on
            broken |= e instanceof Error;
            outage.down(POLLING, side + " fails: " + describe(e));
            if (!pause()) { // interrupted: taken for a stop
                closing(KafkaBus.closeDeadline());
            }
        }
    }

    /** A second's pause that makes nothing (the heap may still be full), ended at once by {@link #stop()}. */
    private boolean lastResortPause() {
        return pauseFor(TimeUnit.MILLISECONDS.toNanos(LAST_RESORT_PAUSE_MILLIS));
    }

    /**
     * Waits the backoff's next wait, ended at once by {@link #stop()}; not by an interrupt, which
     * would also fail the commits and the leaving of the group after it (Kafka's client throws on an
     * interrupted thread).
     *
     * @return {@code false} when interrupted meanwhile
     */
    private boolean pause() {
        return pauseFor(backoff.next().toNanos());
    }

    /** Waits {@code nanos}, making nothing, ended at once by {@link #stop()}; {@code false} when interrupted. */
    private synchronized boolean pauseFor(long nanos) {
        long end = System.nanoTime() + nanos;
        try {
            for (long left = end - System.nanoTime(); !closed && left > 0; left = end - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Skips the record the client cannot read (its batch's checksum no longer matches: bytes a bad
     * block changed on a broker's disk), which every poll would fail on, for good: counted as
     * malformed, said once a minute at most, and the partition's position, and its next commit,
     * moved past it. A batch whose checksum fails is skipped a record at a time.
     *
     * @return whether {@code e} was such a failure, and the record skipped
     */
    private boolean skippedUnreadable(KafkaException e) {
        String text = String.valueOf(e.getMessage());
        String cause = e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage());
        if (!cause.startsWith("Record batch for partition ") && !cause.startsWith("Record for partition ")) {
            return false; // not a record found corrupt: a decompression that failed, say, which would skip them all
        }
        for (TopicPartition partition : consumer.assignment()) {
            if (text.startsWith(UNREADABLE_RECORD + partition + ".")) {
                long offset = consumer.position(partition);
                consumer.seek(partition, offset + 1);
                PartitionOffsets state = offsets.get(partition);
                if (state != null) {
                    state.startsAt(offset + 1);
                }
                subscription.receiver().countMalformed();
                long times = unreadableLines.occurred();
                if (times > 0) {
                    log.warn("{}: skipping the record at offset {} of partition {}, which cannot be read ({}), counted"
                            + " as malformed{}", side, offset, partition.partition(),
                            LogSafe.text(cause),
                            times == 1 ? "" : " (" + times + " records skipped since the last such line)");
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Closes the consumer and makes a new one, after an Error. One thrown inside {@code poll} may
     * come after the client advanced the positions of partitions whose records it then never
     * returned (and may leave more of its state half done): polling on would skip those records,
     * and a later commit would go past them. Seeking each partition back to the first offset not
     * handed over would need that offset kept for every partition, also one nothing was handed
     * over of yet (its position at assignment, which may not have been found), and would trust the
     * client's state after the Error; a new consumer needs neither, so it is the simpler of the two
     * that is correct. The old one's close gives its partitions up as in a rebalance (its node's
     * messages waited for up to revoke-timeout, what it finished committed), and the new one
     * resumes from the group's commits: nothing is skipped, a message may come again.
     */
    private void renew() {
        consumer.close(LEAVE); // nothing when an earlier try closed it
        fetched.clear();
        offsets.clear();
        unplaced.clear();
        synchronized (this) { // as stop(): it wakes the new consumer, or the loop ends without one
            if (closed) {
                return;
            }
            connect();
        }
        subscribe();
        broken = false;
    }

    private void subscribe() {
        consumer.subscribe(List.of(subscription.topic()), new Rebalances());
    }

    /** A failure of the poll loop in one line: when the heap ran out, what to change. */
    private String describe(Throwable e) {
        if (!(e instanceof OutOfMemoryError)) {
            return Failures.describe(settings, e);
        }
        return "this process ran out of memory (" + LogSafe.text(e.getMessage()) + "): give it a larger"
                + " heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower msight.kafka.max-poll-records or max-request-size (which"
                + " bounds a fetch), or node " + subscription.nodeName() + "'s queue-max-bytes, queue-capacity or"
                + " max-in-flight; its consumer is made again, resuming after what the node finished";
    }

    /** Hands fetched messages to the receiver while its queue has room; pauses fetching while they wait. */
    private void handOver() {
        Receiver receiver = subscription.receiver();
        while (!fetched.isEmpty() && receiver.remainingCapacity() > 0) {
            ConsumerRecord<byte[], byte[]> record = fetched.poll();
            PartitionOffsets partition = offsets.get(new TopicPartition(record.topic(), record.partition()));
            if (partition == null) {
                continue; // revoked since it was fetched: the next owner handles it
            }
            partition.handedOver(record.offset()); // before the node can be done with it
            try {
                receiver.deliver(new KafkaDelivery(record.value(), formats, record.offset(), partition));
            } catch (RuntimeException | Error e) { // not taken (no memory left): handed over again after the backoff
                partition.takenBack(record.offset());
                fetched.addFirst(record);
                throw e;
            }
        }
        Set<TopicPartition> paused = consumer.paused();
        if (fetched.isEmpty() && !paused.isEmpty()) {
            consumer.resume(paused);
        } else if (!fetched.isEmpty() && paused.size() < consumer.assignment().size()) {
            consumer.pause(consumer.assignment());
        }
    }

    /** The offset after the last record fetched and not handed over yet, of each partition that has one. */
    private Map<TopicPartition, Long> waitingEnds() {
        return fetched.stream().collect(Collectors.toMap(record -> new TopicPartition(record.topic(),
                record.partition()), record -> record.offset() + 1, Math::max));
    }

    /**
     * Drops the fetched records of {@code partition} from {@code offset} on, as it starts anew:
     * they are of its old log only (cut back there; all of them, from {@link Long#MIN_VALUE}, of a
     * topic made again), and handed over they would move its next commit past the new log's
     * records, or back into them.
     */
    private void dropFetchedFrom(TopicPartition partition, long offset) {
        fetched.removeIf(record -> record.offset() >= offset
                && partition.equals(new TopicPartition(record.topic(), record.partition())));
    }

    /**
     * An outage while this member has sent its group's coordinator no heartbeat for longer than
     * session-timeout: the brokers are away (an idle member commits nothing, and its polls come
     * back empty, so nothing else would tell), or a rebalance waits for a member. Before its first
     * heartbeat, since the consumer was created: brokers gone before it joined are an outage too.
     * Called by the bus on a thread of its own, not the poll loop's: a poll can wait without end
     * inside the client (a group leader waiting for metadata from brokers that froze as it joined).
     */
    void watchCoordinator() {
        if (closed || lastHeartbeat == null) { // a member that left sends no heartbeats, and is no outage
            return;
        }
        double sinceHeartbeat = ((Number) lastHeartbeat.metricValue()).doubleValue();
        double silentSeconds = sinceHeartbeat >= 0 ? sinceHeartbeat : (System.nanoTime() - startNanos) / 1e9;
        if (silentSeconds > settings.sessionTimeout().toSeconds()) {
            outage.down(COORDINATOR, side + " fails: no heartbeat to the group's coordinator for " + (long) silentSeconds
                    + " s (the brokers are away, or a rebalance waits for a member): no message arrives meanwhile");
        } else {
            outage.up(COORDINATOR);
        }
    }

    /**
     * Whether the client knows where {@code partition} is read from, or no longer has it. Once it
     * knows, that is the partition's start to commit, as at assignment: the first of its messages
     * fetched and not handed over yet, else its position.
     */
    private boolean placed(TopicPartition partition) {
        PartitionOffsets state = offsets.get(partition);
        if (state == null || !consumer.assignment().contains(partition)) {
            return true;
        }
        try {
            long position = consumer.position(partition, Duration.ZERO);
            state.startsAt(fetched.stream()
                    .filter(record -> partition.equals(new TopicPartition(record.topic(), record.partition())))
                    .mapToLong(ConsumerRecord::offset).findFirst().orElse(position));
            return true;
        } catch (TimeoutException | NoOffsetForPartitionException e) { // not found yet: the fetches look, or the poll places it
            return false;
        }
    }

    private void commitIfDue() {
        long now = System.nanoTime();
        if (now - nextCommit >= 0) {
            nextCommit = now + settings.commitInterval().toNanos();
            if (!commit(offsets.keySet(), false)) {
                // what a failed commit was for went through since, or went to another member: a
                // member with nothing more to commit (a quiet topic) would else stay in the outage
                outage.up(COMMITS);
            }
        }
    }

    /**
     * Commits what the node is done with and forgets the rest, so that leaving the group does not
     * wait for messages the runtime drops at shutdown.
     */
    private void commitAtClose() {
        try {
            if (closedInOutage) { // a commit could not come
                if (offsets.values().stream().anyMatch(partition -> partition.toCommit() >= 0)) {
                    log.info("Kafka group '{}' on topic '{}': offsets not committed at close, the brokers being away;"
                            + " those messages come again at the next start", groupId, subscription.topic());
                }
                return;
            }
            while (true) {
                try {
                    commitNow(offsets.keySet());
                    return;
                } catch (RebalanceInProgressException e) {
                    if (commitsEnd.left().isZero()) {
                        throw e;
                    }
                    // a rebalance under way (a second round, cooperative): polling completes it, and
                    // its listener commits what it gives up; what the poll fetches is not handed over
                    try {
                        consumer.poll(POLL);
                    } catch (WakeupException spent) {
                        // the stop's wakeup, not spent by the refused commit
                    } catch (InvalidOffsetException unplaced) {
                        // a partition got in the rebalance, where to start left for its next owner to find
                    }
                }
            }
        } finally {
            offsets.clear(); // also when it failed: the revocation in consumer.close() has nothing left to try
        }
    }

    /**
     * Commits and waits for the answer. A wakeup from {@link #stop()} that lands here, outside
     * {@code poll} or inside a rebalance, fails the first try and is spent by it: one more try.
     */
    private void commitNow(Collection<TopicPartition> partitions) {
        try {
            commit(partitions, true);
        } catch (WakeupException e) {
            commit(partitions, true);
        }
    }

    /**
     * Commits the offsets of {@code partitions} done since the last commit; {@code sync} waits for the answer.
     *
     * @return whether there was any to commit
     */
    private boolean commit(Collection<TopicPartition> partitions, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        // by state, not partition: one that started anew before the answer came has new offsets, which it is not about
        Map<PartitionOffsets, Long> committing = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionOffsets state = offsets.get(partition);
            long offset = state == null ? -1 : state.toCommit();
            if (offset >= 0) {
                commits.put(partition, new OffsetAndMetadata(offset));
                committing.put(state, offset);
            }
        }
        if (commits.isEmpty()) {
            return false;
        }
        if (sync) {
            consumer.commitSync(commits, closed ? commitsEnd.left() : settings.connectTimeout());
            committed(committing);
        } else {
            consumer.commitAsync(commits, (done, failure) -> {
                if (failure == null) {
                    committed(committing);
                } else if (failure instanceof RebalanceInProgressException || failure instanceof CommitFailedException) {
                    // the group is joining or the partitions moved: what this member finished is committed
                    // again at the next round (or was revoked with its commit): no outage
                    log.debug("{}: a commit waits for the group's rebalance: {}", side, failure.getClass().getSimpleName());
                } else {
                    outage.down(COMMITS, side + " fails: committing offsets: " + Failures.describe(settings, failure));
                }
            });
        }
        return true;
    }

    private void committed(Map<PartitionOffsets, Long> committing) {
        committing.forEach(PartitionOffsets::committed);
        outage.up(COMMITS);
    }

    /**
     * Hands revoked partitions over cleanly, and logs each rebalance in one line, once the new
     * assignment is known. Runs inside {@code poll}, on the consumer's thread.
     */
    private final class Rebalances implements ConsumerRebalanceListener {

        private Set<TopicPartition> before; // owned before the rebalance under way; null between rebalances
        private int unfinished;

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            if (before == null) {
                before = Set.copyOf(offsets.keySet());
            }
            fetched.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
            long deadline = System.nanoTime() + settings.revokeTimeout().toNanos(); // ended early by stop()
            try {
                for (TopicPartition partition : partitions) {
                    PartitionOffsets state = offsets.get(partition);
                    if (state != null) {
                        unfinished += state.awaitDone(Math.max(0, deadline - System.nanoTime()));
                    }
                }
                commitNow(partitions);
            } catch (KafkaException e) {
                log.warn("Kafka group '{}' on topic '{}' could not commit before giving up partitions {}: {}",
                        groupId, subscription.topic(), numbers(partitions), Failures.describe(settings, e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            partitions.forEach(offsets::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> previous = before == null ? Set.copyOf(offsets.keySet()) : before;
            partitions.forEach(partition -> offsets.computeIfAbsent(partition, p -> new PartitionOffsets()));
            if (!closed && !partitions.isEmpty()) { // when closing, where to start is for the next owner to find
                try {
                    // where consumption starts, found now rather than at the next fetch: what is
                    // published after this line is consumed, even by a new group starting at latest;
                    // committed, so a consumer made again (renew) or the next owner starts there too
                    startPositions.place(consumer, partitions);
                } catch (WakeupException e) {
                    // stop() woke the consumer: closing
                } catch (KafkaException e) {
                    unplaced.addAll(partitions); // the fetches find them
                    String which = partitions.size() == 1 ? "partition " + partitions.iterator().next().partition()
                            + " starts" : "partitions " + numbers(partitions) + " start";
                    outage.down(POSITIONS, side + " fails: finding where " + which + ": "
                            + Failures.describe(settings, e));
                }
            }
            Set<TopicPartition> now = offsets.keySet();
            Set<Integer> got = numbers(now.stream().filter(p -> !previous.contains(p)).toList());
            Set<Integer> gaveUp = numbers(previous.stream().filter(p -> !now.contains(p)).toList());
            if (!got.isEmpty() || !gaveUp.isEmpty() || previous.isEmpty()) {
                log.info("Kafka group '{}' on topic '{}' rebalanced: consumes partitions {} (got {}, gave up {}){}",
                        groupId, subscription.topic(), numbers(now), got, gaveUp, unfinished == 0 ? ""
                                : "; " + unfinished + " message(s) not finished within revoke-timeout may be handled"
                                        + " again, fetched anew from the last commit");
            }
            before = null;
            unfinished = 0;
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            fetched.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
            partitions.forEach(offsets::remove);
            log.warn("Kafka group '{}' on topic '{}' lost partitions {} (out of the group for longer than"
                    + " session-timeout); their unfinished messages may be handled again", groupId,
                    subscription.topic(), numbers(partitions));
        }
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Why polling, committing or the group's coordinator fails now, if it does; nothing once it
     * stopped: an outage it left in is no longer the bus's, and nothing would end it.
     */
    Optional<String> outage() {
        return closed ? Optional.empty() : outage.reason();
    }

    boolean serves(Subscription other) {
        return subscription.equals(other);
    }

    /** {@link #stop()}, for a node that stopped for good while the others go on. */
    synchronized void leave() {
        if (!closed) {
            log.info("{}: node {} stopped for good; it leaves the group, whose other members take its partitions"
                    + " from the last message it finished", side, subscription.nodeName());
        }
        stop();
    }

    /** {@link #stop(Deadline)} within {@link KafkaBus#CLOSE_LIMIT}. */
    void stop() {
        stop(KafkaBus.closeDeadline());
    }

    /**
     * Tells the thread to stop fetching, commit what is done and leave the group, all by
     * {@code end}; returns at once, and what the thread is handing over already may still reach
     * the receiver.
     */
    synchronized void stop(Deadline end) {
        if (!closed) { // one wakeup: a second one would land in the commits at close
            closing(end);
            notifyAll(); // ends the poll loop's pause
            if (consumer != null) {
                consumer.wakeup();
            }
        }
    }

    /**
     * From now on commits keep to {@link #closeCommitLimit()} in all, none at all in an outage
     * (what is not committed is delivered again), leaving the group to {@code end}, and nothing
     * waits for the nodes, which have stopped.
     */
    private void closing(Deadline end) {
        closedInOutage = outage.inOutage();
        closeEnd = end;
        commitsEnd = end.within(closedInOutage ? Duration.ZERO : closeCommitLimit());
        closed = true;
        offsets.values().forEach(PartitionOffsets::stopWaiting);
    }

    /**
     * How long the commits at close may take: connect-timeout, but at most 5 s, so that a stop
     * while the brokers are slow stays within a service manager's stop timeout.
     */
    private Duration closeCommitLimit() {
        return settings.connectTimeout().compareTo(CLOSE_COMMIT_MAX) < 0 ? settings.connectTimeout() : CLOSE_COMMIT_MAX;
    }

    /** {@link #stop()}, then waits for the thread to have left the group, until the stop's deadline. */
    @Override
    public void close() {
        stop();
        if (thread != null) {
            try {
                thread.join(Math.max(1, closeEnd.left().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("Kafka group '{}' on topic '{}': the subscriber did not leave the group within {} of"
                        + " closing, left behind; offsets it had not committed are delivered"
                        + " again at the next start", groupId, subscription.topic(), Setting.written(KafkaBus.CLOSE_LIMIT));
            }
        }
    }
}

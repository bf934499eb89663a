package org.msight.plugins.kafkabus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.msight.api.Counter;
import org.slf4j.Logger;

/**
 * Where a member reads each of its partitions from, noted in the partitions' {@link
 * PartitionOffsets} as what to commit until a message is handed over. Its consumer moves no
 * position by itself ({@code auto.offset.reset = none}), so that none is skipped unsaid: a
 * partition is read from its group's commit, else from {@code start-position}. One whose next
 * message the topic no longer keeps (its retention deleted what the group had not consumed, while
 * the member was stopped or its node behind) is read from the oldest message kept, after those
 * fetched already, the ones deleted counted as lost, with a line; with {@code start-position =
 * latest}, the consumer's own reset, it would skip all that is kept. One whose log was cut back (an
 * unclean leader election) resumes where it diverged, as the consumer's own reset does; one past
 * the end of its log (a topic made again) starts anew at {@code start-position}. Runs on the
 * consumer's thread.
 */
final class StartPositions {

    private final boolean latest;
    private final Duration timeout;
    private final Logger log;
    private final String side;
    private final Counter lost;
    private final Map<TopicPartition, PartitionOffsets> offsets;

    /**
     * @param side the subscription, as its lines name it
     * @param lost counts the messages deleted before the group consumed them
     * @param offsets the state of each partition the member has
     */
    StartPositions(KafkaSettings settings, Logger log, String side, Counter lost,
            Map<TopicPartition, PartitionOffsets> offsets) {
        this.latest = settings.startPosition().equals("latest");
        this.timeout = settings.connectTimeout();
        this.log = log;
        this.side = side;
        this.lost = lost;
        this.offsets = offsets;
    }

    /**
     * Places each partition at its group's commit, else at {@code start-position}: one request for
     * the commits, one for the others' offsets, whatever the number of partitions.
     *
     * @throws org.apache.kafka.common.KafkaException when the brokers do not say, each request
     *     waiting up to connect-timeout
     */
    void place(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = consumer.committed(Set.copyOf(partitions), timeout);
        List<TopicPartition> uncommitted = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata commit = commits.get(partition);
            if (commit == null) {
                uncommitted.add(partition);
            } else {
                consumer.seek(partition, commit); // with its leader epoch, by which the consumer finds a log cut back
                startsAt(partition, commit.offset());
            }
        }
        seekToStartPosition(consumer, uncommitted);
    }

    /**
     * Places again the partitions the consumer could not read from: those with no commit whose
     * start was not found at assignment, at {@code start-position}; the others as the class says.
     * The brokers are asked first: when they do not answer, no partition has moved.
     *
     * @param waitingEnds the offset after the last record fetched and not handed over yet, of each
     *     partition that has one
     * @return the partitions that start anew, which get new {@link PartitionOffsets}, each with the
     *     offset from which its records fetched are of the old log only: where its log cut back
     *     diverged, {@link Long#MIN_VALUE} (all of them) when it starts at start-position
     */
    Map<TopicPartition, Long> replace(Consumer<?, ?> consumer, InvalidOffsetException e,
            Map<TopicPartition, Long> waitingEnds) {
        if (!(e instanceof OffsetOutOfRangeException outOfRange)) {
            seekToStartPosition(consumer, e.partitions());
            return Map.of();
        }
        Map<TopicPartition, Long> positions = outOfRange.offsetOutOfRangePartitions();
        Map<TopicPartition, OffsetAndMetadata> diverged = e instanceof LogTruncationException truncation
                ? truncation.divergentOffsets() : Map.of();
        Set<TopicPartition> others = new HashSet<>(positions.keySet());
        others.removeAll(diverged.keySet());
        Map<TopicPartition, Long> kept = others.isEmpty() ? Map.of() : consumer.beginningOffsets(others, timeout);
        List<TopicPartition> pastTheEnd = kept.keySet().stream()
                .filter(partition -> positions.get(partition) >= kept.get(partition)).toList();
        Map<TopicPartition, Long> anew = startPosition(consumer, pastTheEnd);

        Map<TopicPartition, Long> restarted = new HashMap<>();
        diverged.forEach((partition, offset) -> {
            log.warn("{}: partition {}'s log was cut back (an unclean leader election): it resumes at offset {},"
                    + " where it diverged from what this group read up to offset {}; what was between is lost,"
                    + " or comes again", side, partition.partition(), offset.offset(), positions.get(partition));
            consumer.seek(partition, offset);
            restartsAt(partition, offset.offset(), offset.offset());
            restarted.put(partition, offset.offset());
        });
        kept.forEach((partition, oldest) -> {
            long position = positions.get(partition);
            if (position >= oldest) {
                return; // past the end
            }
            lost.increment(oldest - position);
            log.warn("{}: the topic no longer keeps partition {}'s messages from offset {} on, deleted (its"
                    + " retention) before this group consumed them: {} lost (counted as the bus's lost); it"
                    + " resumes at the oldest kept, offset {}. Keep the topic longer (retention.ms,"
                    + " retention.bytes) than its consumers may be stopped or behind", side, partition.partition(),
                    position, oldest - position, oldest);
            consumer.seek(partition, oldest);
            // what was fetched before the position still waits for room in the node, and goes first
            Optional.ofNullable(offsets.get(partition))
                    .ifPresent(state -> state.skips(waitingEnds.getOrDefault(partition, -1L), oldest));
        });
        anew.forEach((partition, start) -> {
            log.warn("{}: partition {}'s position {} is past the end of its log (the topic was deleted and made"
                    + " again?): it starts anew at the {} message, offset {} (start-position)", side,
                    partition.partition(), positions.get(partition), latest ? "latest" : "earliest", start);
            consumer.seek(partition, start);
            restartsAt(partition, start, Long.MIN_VALUE); // a log of its own, though it may reuse the old one's offsets
            restarted.put(partition, Long.MIN_VALUE);
        });
        return restarted;
    }

    /** Seeks partitions with no commit to {@code start-position}, noting where each starts. */
    private void seekToStartPosition(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        startPosition(consumer, partitions).forEach((partition, start) -> {
            consumer.seek(partition, start);
            startsAt(partition, start);
        });
    }

    private void startsAt(TopicPartition partition, long start) {
        PartitionOffsets state = offsets.get(partition);
        if (state != null) {
            state.startsAt(start);
        }
    }

    /**
     * Gives {@code partition} new offsets that start at {@code start}, as the partition starts anew
     * before what was handed over and committed: the old ones keep what belongs to the old log
     * only, from {@code keptBelow} on (see {@link PartitionOffsets#restartAt}).
     */
    private void restartsAt(TopicPartition partition, long start, long keptBelow) {
        offsets.computeIfPresent(partition, (p, old) -> old.restartAt(start, keptBelow));
    }

    private Map<TopicPartition, Long> startPosition(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        return latest ? consumer.endOffsets(partitions, timeout) : consumer.beginningOffsets(partitions, timeout);
    }
}

package org.msight.plugins.kafkabus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.msight.api.Counter;
import org.slf4j.Logger;

/**
 * Where a member reads each of its partitions from. Its consumer moves no position by itself
 * ({@code auto.offset.reset = none}), so that none is skipped unsaid: a partition is read from its
 * group's commit, else from {@code start-position}. One whose next message the topic no longer
 * keeps (its retention deleted what the group had not consumed, while the member was stopped or its
 * node behind) is read from the oldest message kept, the ones deleted counted as lost, with a line;
 * with {@code start-position = latest}, the consumer's own reset, it would skip all that is kept.
 * Runs on the consumer's thread.
 */
final class StartPositions {

    private final boolean latest;
    private final Duration timeout;
    private final Logger log;
    private final String side;
    private final Counter lost;

    /**
     * @param side the subscription, as its lines name it
     * @param lost counts the messages deleted before the group consumed them
     */
    StartPositions(KafkaSettings settings, Logger log, String side, Counter lost) {
        this.latest = settings.startPosition().equals("latest");
        this.timeout = settings.connectTimeout();
        this.log = log;
        this.side = side;
        this.lost = lost;
    }

    /**
     * Places each partition at its group's commit, else at {@code start-position}: one request for
     * the commits, one for the others' offsets, whatever the number of partitions.
     *
     * @return where each partition starts
     * @throws org.apache.kafka.common.KafkaException when the brokers do not say in connect-timeout
     */
    Map<TopicPartition, Long> place(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = consumer.committed(Set.copyOf(partitions), timeout);
        Map<TopicPartition, Long> starts = new HashMap<>();
        List<TopicPartition> uncommitted = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata commit = commits.get(partition);
            if (commit == null) {
                uncommitted.add(partition);
            } else {
                starts.put(partition, commit.offset());
            }
        }
        starts.putAll(startPosition(consumer, uncommitted));
        return seek(consumer, starts);
    }

    /**
     * Places again the partitions the consumer could not read from: those without a commit whose
     * start was not found at assignment, at {@code start-position}; those whose position the topic
     * no longer has, at its oldest message kept, or at {@code start-position} when the position is
     * past its end (a topic deleted and made again).
     *
     * @return where each starts now
     */
    Map<TopicPartition, Long> replace(Consumer<?, ?> consumer, InvalidOffsetException e) {
        if (!(e instanceof OffsetOutOfRangeException outOfRange)) {
            return seek(consumer, startPosition(consumer, e.partitions()));
        }
        Map<TopicPartition, Long> positions = outOfRange.offsetOutOfRangePartitions();
        Map<TopicPartition, Long> kept = consumer.beginningOffsets(positions.keySet(), timeout);
        Map<TopicPartition, Long> starts = new HashMap<>();
        List<TopicPartition> pastTheEnd = new ArrayList<>();
        positions.forEach((partition, position) -> {
            long oldest = kept.get(partition);
            if (position < oldest) {
                starts.put(partition, oldest);
                lost.increment(oldest - position);
                log.warn("{}: the topic no longer keeps partition {}'s messages from offset {} on, deleted (its"
                        + " retention) before this group consumed them: {} lost (counted as the bus's lost); it"
                        + " resumes at the oldest kept, offset {}. Keep the topic longer (retention.ms,"
                        + " retention.bytes) than its consumers may be stopped or behind", side, partition.partition(),
                        position, oldest - position, oldest);
            } else {
                pastTheEnd.add(partition);
                log.warn("{}: partition {}'s position {} is past the topic's last message (the topic was deleted and"
                        + " made again?): it starts anew at the {} message (start-position)", side,
                        partition.partition(), position, latest ? "latest" : "earliest");
            }
        });
        starts.putAll(startPosition(consumer, pastTheEnd));
        return seek(consumer, starts);
    }

    private static Map<TopicPartition, Long> seek(Consumer<?, ?> consumer, Map<TopicPartition, Long> starts) {
        starts.forEach(consumer::seek);
        return starts;
    }

    private Map<TopicPartition, Long> startPosition(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        return latest ? consumer.endOffsets(partitions, timeout) : consumer.beginningOffsets(partitions, timeout);
    }
}

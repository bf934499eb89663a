package org.msight.api.bus;

import java.util.Objects;
import java.util.Optional;

/**
 * One node's subscription to one topic.
 *
 * @param topic the topic name
 * @param nodeName the subscribing node, for a bus's log lines and its default group
 * @param group the group the node shares its topic with ({@code group-id}, MSight's
 *     {@code --group-id}): a bus that can load-balance hands each message to one member of a
 *     group (NATS queue groups, Kafka consumer groups); empty for every message
 * @param receiver where the bus hands over messages
 */
public record Subscription(String topic, String nodeName, Optional<String> group, Receiver receiver) {

    public Subscription {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(receiver, "receiver");
    }
}

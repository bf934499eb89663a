package org.msight.runtime.registry;

import org.msight.api.data.Metadata;

/**
 * One node's entry in {@code MSIGHT:NODES}: the JSON value
 * {@code {"name", "device", "publish_topic", "subscribe_topic", "type", "last_heartbeat", "status"}}.
 *
 * @param device the edge device name
 * @param publishTopic the topic it publishes to, or {@code null}
 * @param subscribeTopic the topic it subscribes to, or {@code null}
 * @param type what kind of node it is
 * @param lastHeartbeat POSIX seconds of its last heartbeat
 * @param status its status, {@code null} when another writer used a status this runtime does not know
 */
public record NodeRecord(String name, String device, String publishTopic, String subscribeTopic, String type,
        double lastHeartbeat, NodeStatus status) {

    /** A node about to register: {@link NodeStatus#REGISTERED}, heartbeat now. */
    public static NodeRecord of(String name, String device, String publishTopic, String subscribeTopic,
            String type) {
        return new NodeRecord(name, device, publishTopic, subscribeTopic, type, Metadata.now(), NodeStatus.REGISTERED);
    }

    /** This entry with a new heartbeat time and status. */
    public NodeRecord beat(double time, NodeStatus newStatus) {
        return new NodeRecord(name, device, publishTopic, subscribeTopic, type, time, newStatus);
    }
}

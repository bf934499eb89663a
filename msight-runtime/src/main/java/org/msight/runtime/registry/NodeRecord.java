package org.msight.runtime.registry;

import org.msight.api.data.Metadata;

/**
 * One node's entry in {@code MSIGHT:NODES}: the JSON value
 * {@code {"name", "device", "publish_topic", "subscribe_topic", "type", "last_heartbeat", "status"}}
 * as MSight writes it; entries written by this runtime add {@code "instance_id"} and
 * {@code "stale_after"}, which MSight ignores.
 *
 * @param device the edge device name
 * @param publishTopic the topic it publishes to, or {@code null}; a list of topics as Python prints it
 *     ({@code ['a', 'b']})
 * @param subscribeTopic the topic it subscribes to, or {@code null}
 * @param type what kind of node it is (MSight's class name for MSight's nodes)
 * @param lastHeartbeat POSIX seconds of its last heartbeat
 * @param status its status, {@code null} when another writer used a status this runtime does not know
 * @param instanceId the registry instance of this runtime that wrote it; {@code null} for another program's
 * @param staleAfter seconds after its last heartbeat when an entry of this runtime proves its node dead
 *     (the writer beats on a timer, whatever its flow); {@code NaN} for another program's
 */
public record NodeRecord(String name, String device, String publishTopic, String subscribeTopic, String type,
        double lastHeartbeat, NodeStatus status, String instanceId, double staleAfter) {

    /**
     * How old a heartbeat of another program's entry must be for {@code msight status} to call it
     * stale: MSight's default tolerance of sources. MSight refreshes it only as messages flow, so
     * an idle Python node may be live with an older one; it is never taken over for that.
     */
    public static final double MSIGHT_DEFAULT_TOLERANCE = 60;

    /** A node about to register: {@link NodeStatus#REGISTERED}, heartbeat now, no writer yet. */
    public static NodeRecord of(String name, String device, String publishTopic, String subscribeTopic,
            String type) {
        return new NodeRecord(name, device, publishTopic, subscribeTopic, type, Metadata.now(), NodeStatus.REGISTERED,
                null, Double.NaN);
    }

    /** An entry whose value is not MSight's JSON: its field, the name it holds, and nothing else known. */
    public static NodeRecord unreadable(String field) {
        return new NodeRecord(field, null, null, null, "(not MSight's JSON)", Double.NaN, null, null, Double.NaN);
    }

    /** This entry with a new heartbeat time and status. */
    public NodeRecord beat(double time, NodeStatus newStatus) {
        return new NodeRecord(name, device, publishTopic, subscribeTopic, type, time, newStatus, instanceId,
                staleAfter);
    }

    /** This entry as written by registry instance {@code id}, whose entries are stale {@code seconds} after a beat. */
    NodeRecord writtenBy(String id, double seconds) {
        return new NodeRecord(name, device, publishTopic, subscribeTopic, type, lastHeartbeat, status, id, seconds);
    }

    /** Whether this runtime wrote the entry. */
    public boolean writtenByThisRuntime() {
        return instanceId != null;
    }

    /**
     * Whether its heartbeat is older than its tolerance at {@code now}: its own {@code stale_after}
     * for this runtime's entries, {@link #MSIGHT_DEFAULT_TOLERANCE} for another program's.
     */
    public boolean staleAt(double now) {
        double tolerance = writtenByThisRuntime() && staleAfter > 0 ? staleAfter : MSIGHT_DEFAULT_TOLERANCE;
        return !(now - lastHeartbeat <= tolerance); // a missing heartbeat (NaN) is stale too
    }
}

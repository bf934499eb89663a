package org.msight.runtime.bus;

import org.msight.api.data.SensorData;

/**
 * What carries messages from publishers to the inboxes of subscribers, by topic name. Chosen in
 * the pipeline file ({@code msight.bus}): {@code memory} within one process, {@code redis}
 * across processes with MSight's wire format.
 */
public interface Bus extends AutoCloseable {

    /**
     * Registers an inbox for every message published on {@code topic} from now on. Called for
     * each subscribing node before any node starts.
     */
    void subscribe(String topic, Inbox inbox);

    /** Starts delivering; called once after every subscription is registered. */
    default void start() {
    }

    /**
     * Whether a message published now can be carried. A network bus says no while it is
     * disconnected, so sources skip building (JPEG-encoding) messages that would only be lost.
     */
    default boolean canCarry() {
        return true;
    }

    /**
     * Hands {@code data} to every inbox subscribed to {@code topic}. Does not block on slow
     * subscribers (their inboxes drop their oldest message); a bus that cannot carry the
     * message now says so rather than throwing.
     *
     * @return whether the bus carried the message; {@code false} means it is lost
     */
    boolean publish(String topic, SensorData data);

    /** Stops delivering and releases connections. */
    @Override
    void close();
}

package org.msight.api.bus;

/**
 * The runtime's end of a {@link Subscription}: the queue in front of the subscribing node, bounded
 * by count and by bytes. Live sensor data loses value with age, so a full queue drops its oldest
 * messages (counted) to take the new one; a bus that promises delivery looks at
 * {@link #remainingCapacity()} and stops fetching while it is zero.
 */
public interface Receiver {

    /** Queues one message; never blocks for long. The runtime calls its {@link Delivery#done()}. */
    void deliver(Delivery delivery);

    /**
     * How many messages the queue takes now before it drops its oldest: none while its messages'
     * {@linkplain Delivery#size() sizes} add up to its byte budget. While it is above 0, the next
     * message drops none, however large.
     */
    int remainingCapacity();

    /**
     * How many payload bytes the queue takes now before it drops its oldest: for a bus that fetches
     * in batches, to size them by bytes too. {@link Long#MAX_VALUE} when it has no byte budget.
     */
    default long remainingBytes() {
        return Long.MAX_VALUE;
    }

    /** Counts a message that arrived but is not an MSight message (not valid MessagePack). */
    void countMalformed();
}

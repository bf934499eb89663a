package org.msight.api.bus;

import java.util.Optional;

import org.msight.api.data.SensorData;

/**
 * Carries messages from publishers to subscribers by topic name. The runtime makes one per bus
 * kind a pipeline uses ({@code msight.bus}, or a topic's own {@code bus}) and drives it so:
 * <ol>
 *   <li>{@link #checkTopic} for each topic of its nodes, as the pipeline is made (and checked);</li>
 *   <li>{@link #subscribe} once per subscribing node, before anything starts;</li>
 *   <li>{@link #start()} connects: a server that does not answer within the bus's connect timeout,
 *       or refuses the settings (credentials, TLS files), fails here, and the runtime stops with
 *       exit code 2; one that goes away later is the bus's to reconnect;</li>
 *   <li>{@link #publish} from any node thread, and deliveries to each subscription's
 *       {@link Receiver}, until {@link #close()} (or, for one subscription, shortly after
 *       {@link #unsubscribe}).</li>
 * </ol>
 * A bus never blocks a publisher on a slow subscriber or a server that went away: it says a
 * message is lost instead. Reconnecting is the bus's own job; it logs each outage once and
 * again with its duration when it ends.
 */
public interface Bus extends AutoCloseable {

    /**
     * Refuses a topic whose name the bus's server cannot carry (Kafka takes ASCII letters, digits,
     * {@code .}, {@code _} and {@code -} only), before anything connects: the runtime shows the
     * message at the line of the node's {@code publish-topic} or {@code subscribe-topic}, and stops
     * with exit code 2, as {@code msight-run --check} does. Every name is taken by default.
     *
     * @throws IllegalArgumentException saying why and what to do; the runtime names the key
     */
    default void checkTopic(String topic) {
    }

    /**
     * Registers a subscription for every message published on its topic from {@link #start()} on.
     *
     * @throws IllegalArgumentException for a subscription the bus cannot carry by its settings (its
     *     group's name too long for the server, say), saying why: the runtime shows it at the node's
     *     line, and stops with exit code 2
     */
    void subscribe(Subscription subscription);

    /**
     * Ends one subscription while the bus goes on, because its node has stopped for good and takes
     * no more messages. A bus that shares a topic among a group's members leaves the group, so the
     * other members take this one's share; what the node did not finish is not acknowledged, so an
     * at-least-once bus delivers it again. Called at most once per subscription, after
     * {@link #start()}. By default nothing happens: what still arrives is dropped and counted.
     */
    default void unsubscribe(Subscription subscription) {
    }

    /**
     * Connects and starts delivering; called once after every subscription is registered.
     *
     * @throws IllegalStateException when the server does not answer or refuses the bus's settings,
     *     with a one-line message that names the setting to fix
     * @throws IllegalArgumentException for a setting found unusable only now, with a message that
     *     starts with its key ({@code port: 6390 is taken}), which is shown at that key's line
     */
    default void start() {
    }

    /**
     * Whether a message published now can be carried, whatever its topic. A network bus says no
     * while disconnected or full, so sources skip building (JPEG-encoding) messages that would
     * only be lost.
     */
    default boolean canCarry() {
        return true;
    }

    /**
     * Whether the bus's connections work now, for publishing and for subscribing alike (a
     * process that only subscribes publishes nothing that would find a lost connection): the
     * runtime shows it as the bus's {@code msight.bus.connected} and in {@code /ready}. By
     * default {@link #canCarry()} with no {@link #outage()}: a bus that can still take messages
     * while some of them fail (a topic, a subscriber) is not connected.
     */
    default boolean connected() {
        return canCarry() && outage().isEmpty();
    }

    /**
     * While the bus is not {@link #connected()}, why, in one line without secrets (as its outage's
     * log line says it, such as {@code Redis unreachable at 127.0.0.1:6379 (Connection refused)}):
     * the runtime shows it beside the bus in {@code /nodes}, {@code /ready} and
     * {@code msight-run status}. Empty when connected, or when the bus does not say.
     */
    default Optional<String> outage() {
        return Optional.empty();
    }

    /**
     * Whether a message published now on {@code topic} can be carried: {@link #canCarry()}, and for
     * a bus that holds each topic's messages apart, room for this topic's. The runtime asks this one
     * before a source or processor builds a message, and again after a {@link #publish} that failed.
     */
    default boolean canCarry(String topic) {
        return canCarry();
    }

    /**
     * Hands {@code data} to the subscribers of {@code topic}, without blocking for long.
     *
     * @return whether the bus took the message; {@code false} means it did not: while
     *     {@link #canCarry(String)} then says no (disconnected, a buffer or queue full), the input of
     *     a processor publishing in {@code process} is handed to it again once it says yes, a source's
     *     message is lost; while it says yes, this message alone was refused (too large, not allowed)
     *     and is lost. A message taken ({@code true}) and lost later is the bus's to count as lost:
     *     its input may have been acknowledged already
     */
    boolean publish(String topic, SensorData data);

    /** Stops delivering and releases connections; safe to call more than once. */
    @Override
    void close();
}

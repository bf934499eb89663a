package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.support.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.OutageLog;
import org.slf4j.Logger;

/**
 * Publishing with JetStream: each message is published as a request that the server answers once
 * the topic's stream has stored it, so every message is accounted for: stored, refused by the
 * server (counted as {@code lost}), or unconfirmed (counted as {@code unconfirmed}: its answer did
 * not come within {@link #ACK_WAIT}, or was awaited when the connection was lost; a server frozen
 * for a while stores such messages when it goes on, one that crashed does not). Nothing here
 * makes a publishing thread wait on the server:
 * <ul>
 *   <li>a topic's stream is looked up (made when missing) on a thread of its own, at the topic's
 *       first publish, again with backoff while that fails, and again when the server says no
 *       stream stores the topic (deleted); until the stream is known the topic cannot carry
 *       messages, so a source skips encoding (its first frame, typically);</li>
 *   <li>acknowledgements are awaited asynchronously, at most {@code max-pending-messages} at once:
 *       beyond, the bus cannot carry messages;</li>
 *   <li>one not answered within {@link #ACK_WAIT} (a server frozen, or overloaded) is
 *       unconfirmed, and so is one awaited when the connection is lost.</li>
 * </ul>
 * Each topic's failures are an outage of their own, logged once when it starts and once when a
 * message of the topic is stored again; so is the room running out, until a message is stored
 * with no other acknowledgement awaited. What was awaited when the connection was lost has no
 * line of its own: the connection's outage, which the bus logs, says it.
 */
final class JetStreamPublisher implements AutoCloseable {

    /** How long a message waits for its acknowledgement before it is unconfirmed. */
    static final Duration ACK_WAIT = Duration.ofSeconds(5);
    /** How an acknowledgement awaited when the connection was lost ends: unconfirmed, without a line. */
    private static final CancellationException CONNECTION_LOST = new CancellationException("the connection was lost");

    private final NatsSettings settings;
    private final Logger log;
    private final Counter lost;
    private final Counter unconfirmed;
    private final Counter reconnects;
    private final Supplier<Connection> connection;
    private final String publishing;
    /** The topics whose stream is known; one the server said it has not is looked up again. */
    private final Set<String> streams = ConcurrentHashMap.newKeySet();
    /** The topics whose stream is being looked up, each with the backoff of its failed attempts. */
    private final Map<String, Backoff> lookingUp = new ConcurrentHashMap<>();
    private final ScheduledExecutorService lookups = DaemonThreads.scheduler("msight-nats-streams");
    /** The acknowledgements awaited, each with its topic. */
    private final Map<CompletableFuture<PublishAck>, String> awaited = new ConcurrentHashMap<>();
    /** Acknowledgements that may be awaited beside those awaited now. */
    private final AtomicInteger room;
    /** How many times the connection was lost. */
    private final AtomicLong disconnections = new AtomicLong();
    /** Made in the constructor: its logs need the fields above. */
    private final Outages outages;
    private volatile Bound bound;
    /** Set once closing waited for the acknowledgements: any still awaited (interrupted) are unconfirmed without a line. */
    private volatile boolean closing;

    /** @param connection the bus's connection, when connected; else {@code null} */
    JetStreamPublisher(NatsSettings settings, Logger log, Counter lost, Counter unconfirmed, Counter reconnects,
            Supplier<Connection> connection) {
        this.settings = settings;
        this.log = log;
        this.lost = lost;
        this.unconfirmed = unconfirmed;
        this.reconnects = reconnects;
        this.connection = connection;
        this.publishing = "Publishing to JetStream at " + settings.address();
        this.room = new AtomicInteger(settings.maxPendingMessages());
        this.outages = new Outages();
    }

    /**
     * Whether a message on {@code topic} can be published now: its stream is known (else it is
     * looked up now) and fewer than {@code max-pending-messages} acknowledgements are awaited.
     */
    boolean canCarry(String topic) {
        return streamKnown(topic) && hasRoom();
    }

    /** Whether fewer than {@code max-pending-messages} acknowledgements are awaited; when not, an outage starts. */
    boolean hasRoom() {
        if (room.get() > 0) {
            return true;
        }
        noRoom();
        return false;
    }

    private void noRoom() {
        outages.room.down(publishing + " fails: " + settings.maxPendingMessages() + " acknowledgement(s) are awaited"
                + " (max-pending-messages): the server is slow or frozen; messages are lost until it answers");
    }

    /** Why publishing fails, while it does. */
    Optional<String> outage() {
        return outages.room.reason().or(() -> outages.topics.values().stream().map(OutageLog::reason)
                .flatMap(Optional::stream).findFirst());
    }

    /**
     * Publishes {@code payload} on {@code topic} through {@code live}, and counts its answer when
     * it comes, within {@link #ACK_WAIT}: stored, refused, or none.
     *
     * @param discarded whether the client discarded the message (its queue to the server full),
     *     read once the client took it
     * @return whether the message went to the server: {@code false} when refused (the topic's
     *     stream is not known yet, or {@code max-pending-messages} acknowledgements are awaited)
     *     or discarded
     * @throws IllegalStateException when the connection is away: the message is lost
     */
    boolean publish(Connection live, String topic, byte[] payload, BooleanSupplier discarded) {
        if (!streamKnown(topic) || !reserve()) {
            return false;
        }
        long connectionsLost = disconnections.get();
        CompletableFuture<PublishAck> answer;
        try {
            answer = jetStream(live).publishAsync(topic, payload);
        } catch (IOException | RuntimeException e) {
            release();
            throw new IllegalStateException(e);
        }
        if (discarded.getAsBoolean()) { // never sent: its answer will not come
            release();
            return false;
        }
        awaited.put(answer, topic);
        if (disconnections.get() != connectionsLost) { // disconnected() may not have seen it
            answer.completeExceptionally(CONNECTION_LOST);
        }
        answer.orTimeout(ACK_WAIT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ack, failure) -> {
            awaited.remove(answer);
            release();
            if (failure == null) {
                stored(topic);
            } else {
                failed(topic, failure);
            }
        });
        return true;
    }

    /** Takes room for one acknowledgement; {@code false} (an outage) when there is none. */
    private boolean reserve() {
        for (int left = room.get(); left > 0; left = room.get()) {
            if (room.compareAndSet(left, left - 1)) {
                return true;
            }
        }
        noRoom();
        return false;
    }

    private void release() {
        room.incrementAndGet();
    }

    /**
     * A message was stored: its topic's outage ends, and the room's once no acknowledgement is
     * awaited (not at every answer of a server that stays slower than its publishers).
     */
    private void stored(String topic) {
        outages.of(topic).up();
        if (room.get() == settings.maxPendingMessages()) {
            outages.room.up();
        }
    }

    /**
     * The connection was lost: what is awaited is unconfirmed, without a line of its own (the
     * connection's outage says it).
     */
    void disconnected() {
        disconnections.incrementAndGet();
        awaited.keySet().forEach(answer -> answer.completeExceptionally(CONNECTION_LOST));
    }

    /** A message without a stored answer: unconfirmed when no answer came, else refused (lost). */
    private void failed(String topic, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof RuntimeException && cause.getCause() != null) { // how the client wraps an answer's error
            cause = cause.getCause();
        }
        boolean answered = !(cause instanceof TimeoutException || cause instanceof CancellationException);
        (answered ? lost : unconfirmed).increment();
        if (closing || cause == CONNECTION_LOST) {
            return; // an interrupted close, or the connection's outage, says it
        }
        String why;
        if (!answered) {
            why = "no acknowledgement within " + ACK_WAIT.toSeconds() + " s (the server is frozen or overloaded):"
                    + " such messages count as unconfirmed, stored only if the server goes on";
        } else if (String.valueOf(cause.getMessage()).contains(Status.NO_RESPONDERS_TEXT)) {
            streams.remove(topic); // looked up again at the next publish
            why = "the server has no stream for the topic (deleted, or JetStream off?): it is looked up again, and"
                    + " made; such messages are lost";
        } else {
            why = LogSafe.text(cause.getMessage()) + "; such messages are lost";
        }
        outages.of(topic).down(publishing + " fails for topic '" + LogSafe.text(topic) + "': " + why);
    }

    /** Whether the topic's stream is known; when not, and no lookup is under way, one starts. */
    private boolean streamKnown(String topic) {
        if (streams.contains(topic)) {
            return true;
        }
        if (lookingUp.putIfAbsent(topic, Backoff.jittered(settings.reconnectWait(), Duration.ofSeconds(30))) == null) {
            lookUpIn(Duration.ZERO, topic);
        }
        return false;
    }

    /**
     * Looks the topic's stream up, made when missing; tried again with backoff while the server
     * fails it, and every {@code reconnect-wait} while disconnected.
     */
    private void lookUp(String topic) {
        Connection live = connection.get();
        if (closing || live == null) {
            lookUpIn(settings.reconnectWait(), topic);
            return;
        }
        try {
            JetStreamTopics.ensureStream(live.jetStreamManagement(), topic, settings, log);
            streams.add(topic);
            lookingUp.remove(topic);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            if (!closing && connection.get() != null) { // else closing, or the connection's outage
                outages.of(topic).down(publishing + " fails for topic '" + LogSafe.text(topic) + "': its stream "
                        + JetStreamTopics.streamOf(topic) + " could not be looked up or made ("
                        + LogSafe.text(e.getMessage()) + "); messages on it are lost until it is");
            }
            lookUpIn(lookingUp.get(topic).next(), topic);
        }
    }

    private void lookUpIn(Duration wait, String topic) {
        if (closing) {
            lookingUp.remove(topic);
            return;
        }
        try {
            lookups.schedule(() -> lookUp(topic), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // closed
            lookingUp.remove(topic);
        }
    }

    private JetStream jetStream(Connection live) throws IOException {
        Bound current = bound;
        if (current == null || current.connection != live) {
            bound = current = new Bound(live, live.jetStream());
        }
        return current.jetStream;
    }

    /** The client's JetStream context of a connection. */
    private record Bound(Connection connection, JetStream jetStream) {
    }

    /**
     * Before the connection closes: waits for the acknowledgements still awaited, each of which
     * comes or times out (unconfirmed, with the outage's line) within {@link #ACK_WAIT}.
     */
    void finish() throws InterruptedException {
        long deadline = System.nanoTime() + ACK_WAIT.plusSeconds(1).toNanos(); // the timeouts' own thread may lag
        try {
            while (!awaited.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            closing = true;
        }
    }

    /** Stops looking streams up. */
    @Override
    public void close() {
        closing = true;
        lookups.shutdownNow();
    }

    /** Publishing's outages: the room for acknowledgements, and each topic's. */
    private final class Outages {

        final OutageLog room = new OutageLog(log, publishing + " works again", reconnects);
        final Map<String, OutageLog> topics = new ConcurrentHashMap<>();

        OutageLog of(String topic) {
            return topics.computeIfAbsent(topic, name -> new OutageLog(log, publishing + " works again for topic '"
                    + LogSafe.text(name) + "'", reconnects));
        }
    }
}

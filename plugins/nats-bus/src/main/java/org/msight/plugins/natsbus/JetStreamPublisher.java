package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.JetStream;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.msight.api.Counter;
import org.msight.api.LogSafe;
import org.msight.api.OutageLog;
import org.slf4j.Logger;

/**
 * Publishing with JetStream: each message is published as a request that the server answers once
 * the topic's stream has stored it, so every message is accounted for: stored, refused by the
 * server (counted as {@code lost}), or unconfirmed (counted as {@code unconfirmed}: its answer did
 * not come within {@link #ACK_WAIT}, or was awaited when the connection was lost; a server frozen
 * for a while stores such messages when it goes on, one that crashed does not). A publishing
 * thread never waits for the server: a topic carries messages once its stream is known
 * ({@link JetStreamStreams}), and at most {@code max-pending-messages} acknowledgements are
 * awaited at once, asynchronously; beyond, the bus cannot carry messages.
 *
 * <p>Each topic's failures are an outage of their own, logged once when it starts and once when a
 * message of the topic is stored again; so is the room running out, until a message is stored
 * with more than half the room free. What was awaited when the connection was lost has no line
 * of its own: the connection's outage, which the bus logs, says it. Publishing is failing, for
 * {@link #outage()} and so for {@code /ready}, while an outage lasts and its latest failure is
 * at most {@link #FAILING_FOR} old: a topic nothing publishes on any more holds nothing down.
 */
final class JetStreamPublisher implements AutoCloseable {

    /** How long a message waits for its acknowledgement before it is unconfirmed. */
    static final Duration ACK_WAIT = Duration.ofSeconds(5);
    /** How long after its latest failure an outage of publishing still counts as failing. */
    static final Duration FAILING_FOR = ACK_WAIT.multipliedBy(2);
    /** How an acknowledgement awaited when the connection was lost ends: unconfirmed, without a line. */
    private static final CancellationException CONNECTION_LOST = new CancellationException("the connection was lost");

    private final NatsSettings settings;
    private final Logger log;
    private final Counter lost;
    private final Counter unconfirmed;
    private final Counter reconnects;
    private final String publishing;
    private final JetStreamStreams streams;
    private final Set<CompletableFuture<PublishAck>> awaited = ConcurrentHashMap.newKeySet();
    /** Acknowledgements that may be awaited beside those awaited now. */
    private final AtomicInteger room;
    /** How many times the connection was lost. */
    private final AtomicLong disconnections = new AtomicLong();
    /** Made in the constructor: its logs need the fields above. */
    private final Outages outages;
    /** When publishing last failed (an outage started or went on). */
    private volatile long failedAt = System.nanoTime() - FAILING_FOR.toNanos() - 1;
    private volatile Bound bound;
    /** Set once closing began: failures have no line (any still awaited were cut short by an interrupt). */
    private volatile boolean closing;

    /** @param connection the bus's connection, when connected; else {@code null} */
    JetStreamPublisher(NatsSettings settings, Logger log, Counter lost, Counter unconfirmed, Counter reconnects,
            Supplier<Connection> connection) {
        this.settings = settings;
        this.log = log;
        this.lost = lost;
        this.unconfirmed = unconfirmed;
        this.reconnects = reconnects;
        this.publishing = "Publishing to JetStream at " + settings.address();
        this.room = new AtomicInteger(settings.maxPendingMessages());
        this.outages = new Outages();
        this.streams = new JetStreamStreams(settings, log, connection, this::topicFails);
    }

    /**
     * Whether a message on {@code topic} can be published now: its stream is known (else it is
     * looked up now) and fewer than {@code max-pending-messages} acknowledgements are awaited.
     */
    boolean canCarry(String topic) {
        return streams.known(topic) && hasRoom();
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
        fails(outages.room, publishing + " fails: " + settings.maxPendingMessages() + " acknowledgement(s) are"
                + " awaited (max-pending-messages): the server is slow or frozen; messages are lost until it answers");
    }

    private void topicFails(String topic, String why) {
        fails(outages.of(topic), publishing + " fails for topic '" + LogSafe.text(topic) + "': " + why);
    }

    private void fails(OutageLog outage, String reason) {
        failedAt = System.nanoTime();
        outage.down(reason);
    }

    /** Why publishing fails, while it does: an outage whose latest failure is at most {@link #FAILING_FOR} old. */
    Optional<String> outage() {
        if (System.nanoTime() - failedAt > FAILING_FOR.toNanos()) {
            return Optional.empty();
        }
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
        if (!streams.known(topic) || !reserve()) {
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
        awaited.add(answer);
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
     * A message was stored: its topic's outage ends, and the room's once more than half of it is
     * free (not at every answer of a server that stays slower than its publishers).
     */
    private void stored(String topic) {
        outages.of(topic).up();
        if (room.get() > settings.maxPendingMessages() / 2) {
            outages.room.up();
        }
    }

    /**
     * The connection was lost: what is awaited is unconfirmed, without a line of its own (the
     * connection's outage says it).
     */
    void disconnected() {
        disconnections.incrementAndGet();
        awaited.forEach(answer -> answer.completeExceptionally(CONNECTION_LOST));
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
        if (!answered) {
            topicFails(topic, "no acknowledgement within " + ACK_WAIT.toSeconds() + " s (the server is frozen or"
                    + " overloaded): such messages count as unconfirmed, stored only if the server goes on");
        } else if (String.valueOf(cause.getMessage()).contains(Status.NO_RESPONDERS_TEXT)) {
            streams.forget(topic);
            topicFails(topic, "the server has no stream for the topic (deleted, or JetStream off?): it is looked up"
                    + " again, and made; such messages are lost");
        } else {
            topicFails(topic, LogSafe.text(cause.getMessage()) + "; such messages are lost");
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
     * Before the connection closes: waits, until {@code deadline} ({@link System#nanoTime()}) at
     * most, for the acknowledgements still awaited, each of which comes or times out (unconfirmed,
     * with the outage's line) within {@link #ACK_WAIT}.
     */
    void finish(long deadline) throws InterruptedException {
        try {
            while (!awaited.isEmpty() && System.nanoTime() - deadline < 0) {
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
        streams.close();
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

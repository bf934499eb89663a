package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.msight.api.Counter;
import org.msight.api.LogSafe;
import org.msight.api.OutageLog;
import org.slf4j.Logger;

/**
 * Publishing with JetStream: each message is published as a request that the server answers once
 * the topic's stream has stored it, so a message is either stored or counted as {@code lost}. The
 * first publish on a topic makes its stream when missing (one request, on the publishing thread),
 * so what a camera publishes before any subscriber started is kept. Acknowledgements are awaited
 * asynchronously, on the client's threads: at most {@code max-pending-messages} at once, beyond
 * which a publish is refused; one not answered within {@link NatsSettings#ACK_WAIT} (a server
 * frozen, or a stream that lost its leader) is lost, and publishing is an outage, logged once per
 * outage with the server's reason and again when a message is stored.
 */
final class JetStreamPublisher {

    /** The outage's part for acknowledgements awaited beyond {@code max-pending-messages}; the others are topics. */
    private static final String ROOM = "";
    /** The error code of an answer from no stream: the subject's stream was deleted. */
    private static final int NO_RESPONDERS = 503;

    private final NatsSettings settings;
    private final Logger log;
    private final Counter lost;
    private final OutageLog outage;
    /** The topics whose stream this publisher saw or made, on any connection; one deleted since is made again. */
    private final Set<String> streams = ConcurrentHashMap.newKeySet();
    private final AtomicInteger awaited = new AtomicInteger();
    private volatile Bound bound;
    /** Set once closing waited for the answers: those still missing are lost, counted but not an outage. */
    private volatile boolean closing;

    JetStreamPublisher(NatsSettings settings, Logger log, Counter lost, Counter reconnects) {
        this.settings = settings;
        this.log = log;
        this.lost = lost;
        this.outage = new OutageLog(log, "Publishing to JetStream at " + settings.address() + " works again",
                reconnects);
    }

    /**
     * Whether another acknowledgement can be awaited: {@code max-pending-messages} are not yet.
     * When not, publishing is an outage until a message is stored.
     */
    boolean hasRoom() {
        if (awaited.get() < settings.maxPendingMessages()) {
            return true;
        }
        outage.down(ROOM, "Publishing to JetStream at " + settings.address() + " fails: "
                + settings.maxPendingMessages() + " acknowledgement(s) are awaited (max-pending-messages), the server is"
                + " slow or frozen; messages are lost until it answers");
        return false;
    }

    /** Why publishing fails, while it does. */
    Optional<String> outage() {
        return outage.reason();
    }

    /**
     * Publishes {@code payload} on {@code topic} through {@code connection}, its stream made first
     * when missing; {@link #await} or {@link #abandon} the answer.
     *
     * @return the server's answer to come; {@code null} when the topic's stream could not be made
     *     (the failure is the publisher's outage)
     * @throws IllegalStateException when the connection is away: the message is lost
     */
    CompletableFuture<PublishAck> publish(Connection connection, String topic, byte[] payload) {
        if (!streams.contains(topic) && !ensureStream(connection, topic)) {
            return null;
        }
        awaited.incrementAndGet();
        try {
            return jetStream(connection).publishAsync(topic, payload);
        } catch (IOException | RuntimeException e) {
            awaited.decrementAndGet();
            throw new IllegalStateException(e);
        }
    }

    /** Counts the answer when it comes: stored, or lost with the outage. */
    void await(String topic, CompletableFuture<PublishAck> answer) {
        answer.whenComplete((ack, failure) -> {
            awaited.decrementAndGet();
            if (failure == null) {
                outage.up(topic);
                outage.up(ROOM);
            } else {
                lost(topic, failure);
            }
        });
    }

    /** Frees the answer's room when it comes, without counting it: the client discarded the message. */
    void abandon(CompletableFuture<PublishAck> answer) {
        answer.whenComplete((ack, failure) -> awaited.decrementAndGet());
    }

    private void lost(String topic, Throwable failure) {
        lost.increment();
        if (closing) {
            return; // finish said so
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof RuntimeException && cause.getCause() != null) { // how the client wraps an answer's error
            cause = cause.getCause();
        }
        boolean noStream = cause instanceof JetStreamApiException api && api.getErrorCode() == NO_RESPONDERS
                || String.valueOf(cause.getMessage()).contains(String.valueOf(NO_RESPONDERS));
        if (noStream) {
            streams.remove(topic); // made again at the next publish
        }
        String why = cause instanceof CancellationException || cause instanceof TimeoutException
                ? "no acknowledgement within " + NatsSettings.ACK_WAIT.toSeconds() + " s (the server is frozen,"
                        + " overloaded or away)"
                : noStream ? "no stream stores the topic (deleted?): it is made again" : LogSafe.text(cause.getMessage());
        outage.down(topic, "Publishing to JetStream at " + settings.address() + " fails for topic '"
                + LogSafe.text(topic) + "': " + why + "; such messages are lost and counted (" + lost.count() + " so far)");
    }

    private boolean ensureStream(Connection connection, String topic) {
        try {
            JetStreamTopics.ensureStream(connection.jetStreamManagement(), topic, settings, log);
            streams.add(topic);
            return true;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            outage.down(topic, "Publishing to JetStream at " + settings.address() + " fails for topic '"
                    + LogSafe.text(topic) + "': its stream " + JetStreamTopics.streamOf(topic) + " could not be made ("
                    + LogSafe.text(e.getMessage()) + "); messages are lost until it is");
            return false;
        }
    }

    private JetStream jetStream(Connection connection) throws IOException {
        Bound current = bound;
        if (current == null || current.connection != connection) {
            bound = current = new Bound(connection, connection.jetStream());
        }
        return current.jetStream;
    }

    /** The client's JetStream context of a connection. */
    private record Bound(Connection connection, JetStream jetStream) {
    }

    /**
     * Before the connection closes: waits up to {@link NatsSettings#ACK_WAIT} for the answers still
     * awaited. Those that did not come are lost when the connection closes; one line says how many.
     */
    void finish() throws InterruptedException {
        long deadline = System.nanoTime() + NatsSettings.ACK_WAIT.toNanos();
        while (awaited.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        closing = true;
        int unanswered = awaited.get();
        if (unanswered > 0) {
            log.warn("{} message(s) published to JetStream had no acknowledgement at close, within {} s: counted as"
                    + " lost", unanswered, NatsSettings.ACK_WAIT.toSeconds());
        }
    }
}

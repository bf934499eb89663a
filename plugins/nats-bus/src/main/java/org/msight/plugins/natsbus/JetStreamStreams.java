package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.msight.api.Backoff;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.slf4j.Logger;

/**
 * The streams of the topics a process publishes on, so that a publishing thread never waits for
 * the server: each is looked up (made when missing) on a thread of its own at the topic's first
 * use, again with backoff while the server fails that, every {@code reconnect-wait} while
 * disconnected, and again once the server said it has no stream for the topic.
 */
final class JetStreamStreams implements AutoCloseable {

    private static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final NatsSettings settings;
    private final Logger log;
    private final Supplier<Connection> connection;
    private final BiConsumer<String, String> failing;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** The topics whose stream is being looked up, each with the backoff of its failed attempts. */
    private final Map<String, Backoff> lookingUp = new ConcurrentHashMap<>();
    private final ScheduledExecutorService lookups = DaemonThreads.scheduler("msight-nats-streams");
    private volatile boolean closed;

    /**
     * @param connection the bus's connection, when connected; else {@code null}
     * @param failing told a topic and why, in one line without secrets, when a lookup fails on a
     *     live connection
     */
    JetStreamStreams(NatsSettings settings, Logger log, Supplier<Connection> connection,
            BiConsumer<String, String> failing) {
        this.settings = settings;
        this.log = log;
        this.connection = connection;
        this.failing = failing;
    }

    /** Whether the topic's stream is known; when not, and no lookup is under way, one starts. */
    boolean known(String topic) {
        if (known.contains(topic)) {
            return true;
        }
        if (lookingUp.putIfAbsent(topic, Backoff.jittered(settings.reconnectWait(), MAX_WAIT)) == null) {
            lookUpIn(Duration.ZERO, topic);
        }
        return false;
    }

    /** The server said it has no stream for the topic: it is looked up again at the topic's next use. */
    void forget(String topic) {
        known.remove(topic);
    }

    private void lookUp(String topic) {
        Connection live = connection.get();
        if (closed || live == null) {
            lookUpIn(settings.reconnectWait(), topic);
            return;
        }
        try {
            JetStreamTopics.ensureStream(live.jetStreamManagement(), topic, settings, log);
            known.add(topic);
            lookingUp.remove(topic);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            if (!closed && connection.get() != null) { // else closing, or the connection's outage
                failing.accept(topic, "its stream " + JetStreamTopics.streamOf(topic) + " could not be looked up or"
                        + " made (" + LogSafe.text(e.getMessage()) + "); messages on it are lost until it is");
            }
            lookUpIn(lookingUp.get(topic).next(), topic);
        }
    }

    private void lookUpIn(Duration wait, String topic) {
        if (closed) {
            lookingUp.remove(topic);
            return;
        }
        try {
            lookups.schedule(() -> lookUp(topic), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // closed meanwhile
            lookingUp.remove(topic);
        }
    }

    /** Stops looking streams up. */
    @Override
    public void close() {
        closed = true;
        lookups.shutdownNow();
    }
}

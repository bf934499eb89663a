package org.msight.plugins.redisbus;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.LogThrottle;
import org.msight.api.OutageLog;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.data.MsightFormats;
import org.msight.redis.RedisFailures;
import org.msight.redis.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.IOUtils;

/**
 * The subscribing connection of a bus, on its own thread: subscribed to every topic with a
 * receiver, it hands each message, undecoded, to the topic's receivers (the runtime decodes it
 * once, when a node first reads it). It reconnects with
 * backoff and resubscribes when the connection drops. A subscribed connection waits for
 * messages without a time limit, so a keep-alive thread asks Redis a question every socket timeout
 * (an UNSUBSCRIBE of a channel never subscribed: Redis answers it also when it refuses PING, unable
 * to save to its disk or loading its dataset, while pub/sub goes on) and drops the connection when
 * nothing has come for two of them: a network path that died without a reset is noticed in
 * seconds, not hours. A connection closed while Redis kept running (the
 * same {@code run_id} before and after) is not reported as Redis unreachable but as lost messages,
 * with the likely cause (a subscriber that reads too slowly for Redis's client-output-buffer-limit)
 * and the line Redis's own log then holds for the connection: Redis 7.0 does not count these
 * closings, so the cause cannot be told for certain from the outside.
 */
final class RedisSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);
    private static final String NAME = "subscriber";
    private static final String RUN_ID = "run_id:";
    /** The channel the keep-alive unsubscribes, never subscribed: an answer that changes nothing. */
    private static final byte[] KEEP_ALIVE = "msight:keep-alive".getBytes(StandardCharsets.UTF_8);

    private final RedisSettings settings;
    private final MsightFormats formats;
    private final OutageLog outages;
    /**
     * The connections that went with what Redis held for them: a read the heap had no room for,
     * or Redis closing the connection while it kept running.
     */
    private final Counter lost;
    private final Map<String, List<Receiver>> receivers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService keepAlive;
    private final Object lifecycle = new Object();
    private boolean started; // guarded by lifecycle
    private Thread thread; // guarded by lifecycle; null until there is a topic, and again once none is left
    private boolean keepingAlive; // guarded by lifecycle: the keep-alive is scheduled with the first thread
    /** The socket of the connection made or being made: close() closes it, ending a wait for Redis at once. */
    private volatile Socket socket;
    /** The connection's local address, as Redis's log names it; kept as the socket gives it only while open. */
    private volatile SocketAddress localAddress;
    /** The server the connection reached (in a cluster, its node alone), which a probe after a loss asks. */
    private volatile RedisSettings server;
    private volatile Listener listener;
    private volatile boolean closed;
    private final LogThrottle slowClosingLines = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle outOfMemoryLines = new LogThrottle(Duration.ofMinutes(1));

    RedisSubscriber(RedisSettings settings, MsightFormats formats, OutageLog outages, Counter lost) {
        this.settings = settings;
        this.formats = formats;
        this.outages = outages;
        this.lost = lost;
        this.keepAlive = DaemonThreads.scheduler("msight-redis-keepalive");
    }

    /** Adds a receiver; a new topic is subscribed at once when the connection is up. */
    void add(String topic, Receiver receiver) {
        boolean newTopic;
        synchronized (lifecycle) {
            newTopic = !receivers.containsKey(topic);
            receivers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(receiver);
        }
        Listener current = listener;
        if (newTopic && current != null && current.isSubscribed()) {
            current.follow(topic);
        }
        launchIfStarted();
    }

    /**
     * Removes a receiver; a topic left without one is unsubscribed at once when the connection is
     * up (a connection made later leaves it out). With no topic left the thread ends.
     */
    void remove(String topic, Receiver receiver) {
        List<Receiver> left;
        synchronized (lifecycle) {
            left = receivers.computeIfPresent(topic, (t, list) -> {
                list.remove(receiver);
                return list.isEmpty() ? null : list;
            });
            if (receivers.isEmpty()) { // no longer needed: an outage it is in ends with the other parts'
                outages.forget(NAME);
            }
        }
        Listener current = listener;
        if (left == null && current != null && current.isSubscribed()) {
            current.follow(topic);
        }
    }

    /** Starts the thread, which connects and subscribes by itself, once there is a topic. */
    void start() {
        synchronized (lifecycle) {
            started = true;
        }
        launchIfStarted();
    }

    private void launchIfStarted() {
        synchronized (lifecycle) {
            if (started && thread == null && !closed && !receivers.isEmpty()) {
                thread = DaemonThreads.start("msight-redis-subscriber", this::run);
                if (!keepingAlive) {
                    keepingAlive = true;
                    long interval = settings.socketTimeout().toNanos();
                    keepAlive.scheduleAtFixedRate(this::keepAlive, interval, interval, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private void run() {
        Backoff backoff = new Backoff(settings.backoffInitial(), settings.backoffMax());
        while (!closed) {
            try {
                if (!subscribedUntilItEnds(backoff)) {
                    return;
                }
            } catch (Throwable unhandled) { // while a failure was handled (no heap left to say it): this thread lives on
                if (!closed) {
                    pause(backoff);
                }
            }
        }
    }

    /** Waits the backoff before the next connection; an interrupt is close() under way. */
    private void pause(Backoff backoff) {
        if (!backoff.pause()) {
            closed = true;
        }
    }

    /**
     * Connects, subscribes and hands messages over until the connection ends, then says why and
     * waits its backoff.
     *
     * @return {@code false} when no topic is left: the thread ends, and a topic added later starts a new one
     */
    private boolean subscribedUntilItEnds(Backoff backoff) {
        Set<String> topics;
        synchronized (lifecycle) {
            topics = Set.copyOf(receivers.keySet()); // those removed or added meanwhile: see Listener
            if (topics.isEmpty()) {
                thread = null;
                return false;
            }
        }
        String runId = null;
        try (Jedis connection = settings.connect(settings.socketTimeout(), this::opened)) {
            runId = runId(connection);
            Listener subscription = new Listener(socket, backoff, topics);
            listener = subscription;
            if (!closed) {
                connection.subscribe(subscription, topics.stream().map(RedisSubscriber::bytes).toArray(byte[][]::new));
            }
        } catch (RuntimeException e) {
            if (!closed) {
                Listener dropped = listener;
                if (dropped != null && dropped.silent) {
                    // dropped by keepAlive(), which said why: its failure is only the closed socket
                } else if (!(e instanceof JedisDataException) && stillRunning(runId)) {
                    // an error reply (NOPERM for the topic's channel, say) is Redis refusing, not closing us
                    closedWhileRedisRuns();
                } else {
                    down(RedisFailures.describe(settings, e));
                }
                pause(backoff);
            }
        } catch (Error e) { // such as a message too large for the heap left: this thread must live on
            if (!closed) {
                failed(e);
                pause(backoff);
            }
        } finally {
            listener = null;
            socket = null;
            localAddress = null;
            server = null;
        }
        return true;
    }

    /**
     * Notes a connection's server and socket; closes the socket at once when the subscriber closed
     * meanwhile (close() found none).
     */
    private void opened(RedisSettings reached, Socket opened) {
        server = reached;
        socket = opened;
        localAddress = opened.getLocalSocketAddress();
        if (closed) {
            IOUtils.closeQuietly(opened);
        }
    }

    /**
     * Says why the connection failed for an error, at most once a minute when the heap ran out;
     * that is counted as {@code lost}, once: how many messages Redis dropped with the connection
     * is not known.
     */
    private void failed(Error e) {
        if (!(e instanceof OutOfMemoryError)) {
            LOG.error("Redis subscriber failed; reconnecting", e);
            return;
        }
        lost.increment();
        long times = outOfMemoryLines.occurred();
        if (times > 0) {
            LOG.warn("Redis subscriber at {} ran out of memory reading a message{}; the messages Redis held for it"
                    + " are lost. Give the process a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower the subscribing"
                    + " nodes' queue-max-bytes, queue-capacity or max-in-flight; reconnecting", settings.address(),
                    times == 1 ? "" : " (" + times + " times since the last such line)");
        }
    }

    /** An outage of this connection, while a topic needs it; also the start's, before it first connects. */
    void down(String reason) {
        synchronized (lifecycle) {
            if (!receivers.isEmpty()) {
                outages.down(NAME, reason);
            }
        }
    }

    /**
     * Not an outage (Redis is there; the subscriber reconnects at once) but lost messages, counted
     * as {@code lost} once a closing (how many, Redis does not say): said at most once a minute,
     * with how many times it happened, and the connection's address as Redis's log shows it.
     */
    private void closedWhileRedisRuns() {
        lost.increment();
        long times = slowClosingLines.occurred();
        if (times > 0) {
            String client = localAddress instanceof InetSocketAddress local // none for a unix socket
                    ? "addr=" + local.getAddress().getHostAddress() + ":" + local.getPort() + " ... " : "";
            LOG.warn("Redis at {} closed this subscriber's connection while it kept running{}: what Redis held for it,"
                    + " and what is published until it subscribes again, is lost. The likely cause: it read more slowly"
                    + " than messages were published, and its output buffer passed client-output-buffer-limit pubsub"
                    + " (32mb, or 8mb for 60 s, by default; a message larger than that always does); Redis's log then"
                    + " says '{}scheduled to be closed ASAP for overcoming of output buffer limits'. Raise the limit on"
                    + " the Redis server, or check that this machine's network to Redis carries what is published and"
                    + " its CPU keeps up; reconnecting", settings.address(),
                    times == 1 ? "" : " (" + times + " times since the last such line)", client);
        }
    }

    /** The {@code run_id} of the Redis server, new at each start; {@code null} when it does not say. */
    private static String runId(Jedis connection) {
        try {
            return connection.info("server").lines().filter(line -> line.startsWith(RUN_ID))
                    .map(line -> line.substring(RUN_ID.length()).strip()).findFirst().orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether the Redis server that had {@code runId} is reachable and has not restarted since: in
     * a cluster the node the connection was on, not the first seed that answers now.
     */
    private boolean stillRunning(String runId) {
        if (runId == null) {
            return false;
        }
        try (Jedis probe = server.connect(settings.socketTimeout())) {
            return runId.equals(runId(probe));
        } catch (RuntimeException e) {
            return false; // Redis is away: that is the failure
        }
    }

    /**
     * Pings the subscribed connection, or drops it when Redis has been silent for two intervals;
     * the subscriber thread's read then fails, and it reconnects.
     */
    private void keepAlive() {
        Listener current = listener;
        if (current == null) {
            return;
        }
        long silentNanos = System.nanoTime() - current.lastHeard;
        if (silentNanos > 2 * settings.socketTimeout().toNanos()) {
            try { // said before it is dropped, so the reconnection's "restored" comes after it
                // a message still arriving counts as nothing: Jedis says only when one has come whole
                down("Redis at " + settings.address() + " stopped answering (nothing for "
                        + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms; a message that takes longer than two"
                        + " socket-timeouts to arrive, a large one over a slow link, is cut so too: raise"
                        + " socket-timeout)");
            } finally { // dropped though the line failed (no heap left)
                current.silent = true;
                IOUtils.closeQuietly(current.socket); // not disconnect(): its flush can wait for good on a stuck write
            }
        } else if (current.isSubscribed()) {
            current.send(() -> current.unsubscribe(KEEP_ALIVE));
        }
    }

    private void deliver(byte[] channel, byte[] payload) {
        List<Receiver> targets = receivers.get(new String(channel, StandardCharsets.UTF_8));
        if (targets == null) {
            return;
        }
        Delivery delivery = Delivery.ofMessagePack(payload, formats);
        for (Receiver receiver : targets) {
            receiver.deliver(delivery);
        }
    }

    private static byte[] bytes(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Stops the thread: closing the socket of the connection, made or being made (its AUTH, SELECT
     * or PING waiting for Redis), ends its blocking read at once. What that cannot cut short (a TCP
     * connect under way, and the probe that checks Redis after a loss: a connect, then AUTH, SELECT
     * and INFO) ends within two connect timeouts and six socket timeouts, so closing waits that long
     * at most; a thread still running then (stuck in a receiver) is logged and left behind.
     */
    @Override
    public void close() {
        Thread running;
        synchronized (lifecycle) {
            closed = true;
            running = thread;
        }
        keepAlive.shutdownNow();
        if (running == null) {
            return;
        }
        running.interrupt();
        IOUtils.closeQuietly(socket);
        Duration wait = settings.connectTimeout().plus(settings.socketTimeout().multipliedBy(3)).multipliedBy(2);
        try {
            running.join(wait.toMillis());
            if (running.isAlive()) {
                LOG.warn("Redis subscriber thread {} did not stop within {} ms of closing (two connections' connect-timeout"
                        + " plus three socket-timeouts each); left behind", running.getName(), wait.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Callbacks of one subscribed connection. Its commands are sent from several threads (the
     * subscriber's, the keep-alive's, those adding and removing topics), one at a time through
     * {@link #send}.
     */
    private final class Listener extends BinaryJedisPubSub {

        /** The connection's socket, which the keep-alive closes to drop it. */
        final Socket socket;
        private final Backoff backoff;
        private final Set<String> topics;
        private boolean confirmed;
        /** System.nanoTime() when Redis last sent anything on this connection. */
        volatile long lastHeard = System.nanoTime();
        /** Whether the keep-alive dropped this connection for its silence. */
        volatile boolean silent;

        Listener(Socket socket, Backoff backoff, Set<String> topics) {
            this.socket = socket;
            this.backoff = backoff;
            this.topics = topics;
        }

        /** Sends a command, unless the connection is dropping (then the reconnection takes over). */
        synchronized void send(Runnable command) {
            try {
                command.run();
            } catch (RuntimeException e) {
                // the connection is dropping; the reconnection subscribes every topic
            }
        }

        /**
         * Subscribes {@code topic} if it has a receiver when the command is sent, else unsubscribes
         * it: of an add() and a remove() of one topic that race, the command sent last follows the
         * receivers as they are then.
         */
        void follow(String topic) {
            send(() -> {
                if (receivers.containsKey(topic)) {
                    subscribe(bytes(topic));
                } else {
                    unsubscribe(bytes(topic));
                }
            });
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            lastHeard = System.nanoTime();
            if (!confirmed) {
                confirmed = true;
                backoff.reset();
                outages.up(NAME);
                // topics added while this connection was connecting or subscribing
                receivers.keySet().stream().filter(topic -> !topics.contains(topic)).forEach(this::follow);
                // and those removed meanwhile
                topics.stream().filter(topic -> !receivers.containsKey(topic)).forEach(this::follow);
            }
        }

        @Override
        public void onUnsubscribe(byte[] channel, int subscribedChannels) { // the keep-alive's answer among others
            lastHeard = System.nanoTime();
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            lastHeard = System.nanoTime();
            deliver(channel, message);
        }
    }
}

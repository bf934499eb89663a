package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.Validator;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.IoFailures;
import org.msight.api.KeyedLogThrottle;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.OutageLog;
import org.msight.api.PemTls;
import org.msight.api.Setting;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Subscription;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * Topics on NATS as MSight's NATS backend carries them: subject = topic name, payload = MSight's
 * MessagePack, and a subscriber with a group joins the queue group of that name, so each message
 * goes to one member of the group; without one it gets every message. One connection per process
 * publishes and, on one dispatcher thread, delivers. The client reconnects by itself: an outage is
 * logged once when it starts and once with its duration; what is published meanwhile is lost
 * (counted by the publishing node), as is a message above the server's {@code max_payload}, and
 * on core NATS what the client drops for a process that falls behind (counted as lost). A
 * connection the client gives up on (a server that refused the credentials twice while it
 * reconnected) is replaced by a new one, subscribed again, tried with backoff until it works.
 * With {@code jetstream.enabled}, see {@link JetStreamTopics} and {@link JetStreamPublisher}: a
 * server without JetStream fails the start.
 */
public final class NatsBus implements Bus {

    private static final String CHECK_CREDENTIALS = "check msight.nats username and password, token, nkey-seed (with"
            + " user-jwt) or user-credentials (MSIGHT_NATS_*)";
    /** The longest wait between attempts at a new connection, once the client gave one up. */
    private static final Duration MAX_CONNECT_WAIT = Duration.ofSeconds(30);
    /**
     * How long closing waits at most, all told, for what is awaited and queued: long enough for an
     * acknowledgement awaited to come or time out (the timeouts' own thread may lag). The client's
     * own close takes up to 2 s more (on a frozen server, 1 s for each of its threads to stop): 8 s
     * in all, within the 10 s the runtime gives a bus to close.
     */
    static final Duration CLOSE_WAIT = JetStreamPublisher.ACK_WAIT.plusSeconds(1);
    /**
     * msight.device-name's default in the runtime's reference.conf, which the bus's context does not
     * tell (its {@code config()} is the bus's block alone).
     */
    private static final String DEFAULT_DEVICE_NAME = "local";

    private final NatsSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final String deviceName;
    private final Options options;
    private final Counter reconnects;
    private final OutageLog outages;
    private final Counter tooLarge;
    private final Counter discarded;
    /** Messages the server refused (JetStream), or (core NATS) the client dropped or a subscriber had no memory to take. */
    private final Counter lost;
    /** With JetStream, acknowledgements (and words of progress) the client discarded; else {@code null}. */
    private final Counter discardedAcks;
    private final OutOfMemoryLines outOfMemoryLines;
    /** With JetStream, what publishes; else {@code null}. */
    private final JetStreamPublisher jetStreamPublisher;
    private final List<Subscription> subscriptions = new ArrayList<>();
    /** The client's subscription of each of {@link #subscriptions}, on the current connection, without JetStream. Guarded by this. */
    private final Map<Subscription, io.nats.client.Subscription> coreSubscriptions = new HashMap<>();
    private final Errors errors = new Errors();
    /** Each thread's publishing on this bus. */
    private final ThreadLocal<Publishing> threadsPublishing = ThreadLocal.withInitial(Publishing::new);
    private final Duration closeWait;
    /** The queue of messages to write as the client last discarded a publish for it being full; else {@code null}. */
    private volatile FullQueue fullQueue;
    /** What the client dropped on the current connection's dispatcher, without JetStream; else {@code null}. */
    private volatile Drops drops;
    private volatile Connection connection;
    /** Whether the client has connected once: only then is a disconnection an outage. Written under this. */
    private volatile boolean connected;
    private volatile boolean closed;
    /** Makes a new connection after the client gave one up; {@code null} when none is needed. Guarded by this. */
    private Thread connecting;
    /** With JetStream, the subscriptions' fetchers on the current connection. Written under this. */
    private volatile JetStreamTopics jetStream;
    private final LogThrottle tooLargeLines = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle discardedLines = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle discardedAckLines = new LogThrottle(Duration.ofMinutes(1));

    /**
     * @throws IllegalArgumentException naming the key, for settings the client cannot use (a TLS file);
     *     with the client's own message, for options it refuses to build
     */
    NatsBus(NatsSettings settings, BusContext context) {
        this(settings, context, CLOSE_WAIT);
    }

    /** As {@link #NatsBus(NatsSettings, BusContext)}, closing within {@code closeWait} (a test's wait). */
    NatsBus(NatsSettings settings, BusContext context, Duration closeWait) {
        this.settings = settings;
        this.closeWait = closeWait;
        this.options = built(settings.options().connectionListener(this::connectionEvent).errorListener(errors));
        this.formats = context.formats();
        this.log = context.logger();
        this.deviceName = context.deviceName();
        this.reconnects = context.counter("reconnects");
        this.outages = new OutageLog(log, "NATS connection restored", reconnects);
        this.tooLarge = context.counter("too-large");
        this.discarded = context.counter("discarded");
        this.lost = context.counter("lost");
        this.discardedAcks = settings.jetStream() ? context.counter("discarded-acks") : null;
        this.outOfMemoryLines = new OutOfMemoryLines(log);
        this.jetStreamPublisher = settings.jetStream()
                ? new JetStreamPublisher(settings, log, lost, context.counter("unconfirmed"),
                        reconnects, this::liveConnection) : null;
    }

    /** The client's options; its refusal of them (an IllegalStateException) is a problem of the settings. */
    private static Options built(Options.Builder options) {
        try {
            return options.build();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Refuses a topic that is no NATS subject (a space, an empty part between dots, a dot at
     * either end): the client's own check, which every publish and subscription on it would fail.
     * With JetStream, also one with a wildcard part ({@code *} or {@code >}): its stream's subjects
     * would overlap other topics' streams, which the server refuses as the second starts.
     */
    @Override
    public void checkTopic(String topic) {
        try {
            Validator.validateSubject(topic, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NATS cannot have this topic as a subject (" + LogSafe.text(e.getMessage())
                    + "): rename it");
        }
        List<String> parts = List.of(topic.split("\\."));
        if (settings.jetStream() && (parts.contains("*") || parts.contains(">"))) {
            throw new IllegalArgumentException("with JetStream a topic cannot have a wildcard ('*' or '>' as a part"
                    + " between dots): the subjects of its stream would overlap those of the topics it matches, and"
                    + " the server refuses the second of two such streams; rename it");
        }
    }

    /**
     * @throws IllegalArgumentException with JetStream, for a subscription whose consumer's name (its
     *     group's, else its node's and device's) is past the length JetStream takes; on core NATS, for
     *     a group that is no queue group's name (a space, a wildcard), which the client refuses
     */
    @Override
    public synchronized void subscribe(Subscription subscription) {
        if (settings.jetStream()) {
            String consumer = JetStreamTopics.consumerOf(subscription, deviceName);
            if (subscription.group().isEmpty() && deviceName.equals(DEFAULT_DEVICE_NAME)) {
                String node = LogSafe.text(subscription.nodeName());
                log.warn("node {} has no group, so with JetStream its consumer is '{}', after msight.device-name,"
                        + " which is left at its default '{}': a node {} on another device left so shares that"
                        + " consumer, and each gets only part of the messages; set msight.device-name"
                        + " (MSIGHT_EDGE_DEVICE_NAME) on each device", node, LogSafe.text(consumer),
                        DEFAULT_DEVICE_NAME, node);
            }
        } else {
            subscription.group().ifPresent(NatsBus::checkQueueGroup);
        }
        subscriptions.add(subscription);
    }

    /** Refuses a group that is no queue group's name: the client's own check, which it makes as it subscribes. */
    private static void checkQueueGroup(String group) {
        try {
            Validator.validateQueueName(group, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NATS cannot have group-id '" + LogSafe.text(group) + "' as a queue"
                    + " group (" + LogSafe.text(e.getMessage()) + "): give the group another, on each of its nodes");
        }
    }

    /**
     * Unsubscribes, so a queue group's other members get its messages: without JetStream from the
     * moment this returns, if connected (the server has the unsubscription then); with JetStream
     * its fetcher ends once its pull under way has (within a second or two), and what it fetched and
     * did not finish is given back to the others. A new connection does not subscribe it again.
     */
    @Override
    public void unsubscribe(Subscription subscription) {
        Connection live;
        synchronized (this) {
            if (!subscriptions.remove(subscription)) {
                return;
            }
            io.nats.client.Subscription core = coreSubscriptions.remove(subscription);
            live = core == null ? null : liveConnection();
            try {
                if (core != null) {
                    core.getDispatcher().unsubscribe(core);
                } else if (jetStream != null) {
                    jetStream.unsubscribe(subscription);
                }
            } catch (RuntimeException e) { // the connection is away
                live = null;
                log.debug("unsubscribing failed: {}", LogSafe.text(e));
            }
        }
        log.info("node {} stopped for good: it no longer subscribes to topic '{}'{}", subscription.nodeName(),
                LogSafe.text(subscription.topic()), subscription.group().map(group -> "; the other members of group '"
                        + LogSafe.text(group) + "' take its messages").orElse(""));
        if (live != null) {
            try {
                live.flush(settings.connectTimeout()); // outside the lock: reconnecting and closing need not wait
            } catch (TimeoutException | RuntimeException e) {
                log.debug("flushing the unsubscription failed: {}", LogSafe.text(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Connects and subscribes.
     *
     * @throws IllegalStateException when no server is reachable or one refuses the credentials
     */
    @Override
    public void start() {
        try {
            connection = Nats.connect(options);
        } catch (IOException e) {
            throw new IllegalStateException(describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to NATS at " + settings.address());
        }
        if (settings.jetStream() && !connection.getServerInfo().isJetStreamAvailable()) {
            close();
            throw new IllegalStateException("NATS at " + settings.address() + " has no JetStream, which"
                    + " msight.nats.jetstream.enabled = true needs: start the server with JetStream on"
                    + " (nats-server -js, or a jetstream block in its configuration)");
        }
        log.info("connected to NATS at {}{}", settings.address(), settings.jetStream() ? " (JetStream)" : "");
        try {
            subscribeAll(connection);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while subscribing on NATS");
        } catch (IOException | TimeoutException | RuntimeException e) {
            close();
            throw new IllegalStateException("NATS at " + settings.address() + " refused a subscription: "
                    + LogSafe.text(e.getMessage()));
        }
    }

    /** Subscribes every subscription on {@code fresh}; the server knows their interest when this returns. */
    private synchronized void subscribeAll(Connection fresh) throws IOException, TimeoutException, InterruptedException {
        if (settings.jetStream()) {
            if (jetStream != null) {
                jetStream.close();
            }
            jetStream = new JetStreamTopics(fresh, settings, formats, log, deviceName, reconnects, outOfMemoryLines);
            subscriptions.forEach(jetStream::subscribe);
        } else {
            Dispatcher dispatcher = fresh.createDispatcher();
            Drops dispatcherDrops = new Drops(dispatcher);
            drops = dispatcherDrops;
            coreSubscriptions.clear();
            subscriptions.forEach(s -> coreSubscriptions.put(s, subscribeCore(dispatcher, dispatcherDrops, s)));
            fresh.flush(settings.connectTimeout());
        }
    }

    /**
     * Subscribes on the dispatcher. A message the process has no memory to take (a burst of large
     * messages) is lost, counted and said; the client would only log it at debug level. So is what
     * the client dropped before it, counted at each message.
     */
    private io.nats.client.Subscription subscribeCore(Dispatcher dispatcher, Drops drops, Subscription subscription) {
        io.nats.client.MessageHandler handler = message -> {
            drops.count();
            try {
                subscription.receiver().deliver(Delivery.ofMessagePack(message.getData(), formats));
            } catch (OutOfMemoryError e) {
                lost.increment();
                outOfMemoryLines.occurred(subscription, e, "it is lost (counted as the bus's lost), and the"
                        + " subscription goes on");
            }
        };
        return subscription.group().isPresent()
                ? dispatcher.subscribe(subscription.topic(), subscription.group().get(), handler)
                : dispatcher.subscribe(subscription.topic(), handler);
    }

    /**
     * Connected, the client's queue of messages to write not known to be full, and with JetStream
     * fewer than {@code max-pending-messages} acknowledgements awaited.
     */
    @Override
    public boolean canCarry() {
        return writableConnection() != null && (jetStreamPublisher == null || jetStreamPublisher.hasRoom());
    }

    /** {@link #canCarry()}, and with JetStream the topic's stream known. */
    @Override
    public boolean canCarry(String topic) {
        return writableConnection() != null && (jetStreamPublisher == null || jetStreamPublisher.canCarry(topic));
    }

    /**
     * The connection's outage, else with JetStream publishing's, else a subscription's consumer's: so
     * a topic failing, or a consumer, is not {@link #connected()}.
     */
    @Override
    public Optional<String> outage() {
        Optional<String> connection = outages.reason();
        JetStreamTopics subscribing = jetStream;
        return jetStreamPublisher == null ? connection : connection.or(jetStreamPublisher::outage)
                .or(() -> subscribing == null ? Optional.empty() : subscribing.outage());
    }

    /** The connection, when connected now; else {@code null}. */
    private Connection liveConnection() {
        Connection current = connection;
        return current != null && current.getStatus() == Connection.Status.CONNECTED ? current : null;
    }

    /**
     * {@link #liveConnection()}, but {@code null} while its queue of messages to write is full: from
     * a publish the client discarded until it writes a message, so a publish now would be discarded
     * too. On the thread whose publish was discarded, also the first time it asks after that (the
     * runtime's question after the failed publish), however soon the client wrote again: the message
     * was not refused alone, the bus could not carry it.
     */
    private Connection writableConnection() {
        boolean discardedHere = threadsPublishing.get().toldDiscard();
        Connection live = liveConnection();
        FullQueue full = fullQueue;
        return discardedHere || live == null || full != null && full.stillOf(live) ? null : live;
    }

    /**
     * A connection's queue of messages to write as a publish found it full, and how many messages the
     * client had written before that publish. Each message then in the queue is written after it, so
     * the count moves once the client writes: it cannot stay full for a queue that emptied.
     */
    private record FullQueue(Connection connection, long written) {

        /** Whether {@code live} is that connection and the client has written no message since. */
        boolean stillOf(Connection live) {
            return live == connection && live.getStatistics().getOutMsgs() == written;
        }
    }

    /**
     * Publishes; {@code false} (lost) while the server is away, for a message above its max_payload,
     * or when the client's queue of messages to write is full (it calls {@link Errors#messageDiscarded}
     * on this thread, inside {@code publish}: {@link #canCarry} then says no, so a processor's input is
     * kept); with JetStream also while {@code max-pending-messages} acknowledgements are awaited, or
     * while the topic's stream is not known.
     */
    @Override
    public boolean publish(String topic, SensorData data) {
        Connection current = liveConnection();
        if (current == null) {
            return false;
        }
        byte[] payload = formats.toMessagePack(data);
        long limit = current.getMaxPayload();
        if (payload.length > limit) {
            tooLarge(topic, payload.length, limit);
            return false;
        }
        Publishing publishing = threadsPublishing.get();
        publishing.discarded = false;
        long written = current.getStatistics().getOutMsgs();
        publishing.active = true;
        try {
            if (jetStreamPublisher == null) {
                current.publish(topic, payload);
            } else if (!jetStreamPublisher.publish(current, topic, payload, publishing) && !publishing.discarded) {
                return false; // refused
            }
        } catch (IllegalStateException e) { // disconnected meanwhile: the reconnect buffer is off
            return false;
        } finally {
            publishing.active = false;
        }
        if (publishing.discarded) {
            fullQueue = new FullQueue(current, written);
            discarded(topic);
            return false;
        }
        return true;
    }

    /**
     * Whether this thread is inside {@link #publish}, and whether the client discarded the message of
     * its last publish, until {@link #canCarry} told it.
     */
    private static final class Publishing implements BooleanSupplier {
        boolean active;
        boolean discarded;

        /** Whether the client discarded the message: read by the JetStream publisher, with no object per message. */
        @Override
        public boolean getAsBoolean() {
            return discarded;
        }

        /** Whether the client discarded the message of this thread's last publish, told once. */
        boolean toldDiscard() {
            boolean told = discarded;
            discarded = false;
            return told;
        }
    }

    /** A publish the client dropped: its queue of messages to write was full (the server slow or stalled). */
    private void discarded(String topic) {
        discarded.increment();
        if (discardedLines.occurred() > 0) {
            log.warn("NATS at {} takes messages slower than they are published: a message on topic '{}' was"
                    + " discarded ({} so far), {} were waiting to be written (max-pending-messages)",
                    settings.address(), LogSafe.text(topic), discarded.count(), settings.maxPendingMessages());
        }
    }

    /**
     * A JetStream acknowledgement, or word of progress, the client dropped as its queue of messages
     * to write was full: the server delivers the message again after ack-wait, to be handled twice
     * (and one still held, to another member of its group).
     */
    private void discardedAck() {
        discardedAcks.increment();
        if (discardedAckLines.occurred() > 0) {
            log.warn("NATS at {} takes messages slower than this process writes them: the acknowledgement of a"
                    + " JetStream message, or its word of progress, was discarded ({} so far), {} were waiting to be"
                    + " written (max-pending-messages); the server delivers such a message again after ack-wait, to be"
                    + " handled twice", settings.address(), discardedAcks.count(), settings.maxPendingMessages());
        }
    }

    private void tooLarge(String topic, int size, long limit) {
        tooLarge.increment();
        if (tooLargeLines.occurred() > 0) {
            log.warn("a message of {} bytes on topic '{}' is above the NATS server's max_payload of {} bytes: not"
                    + " published ({} so far); raise max_payload in the server's configuration (up to 64 MB), or"
                    + " lower the image size (rtsp-receiver resize-ratio)", size, topic, limit, tooLarge.count());
        }
    }

    /**
     * Counts as lost what the client dropped for a dispatcher that fell behind, its pending limits
     * (64 MB, or 512Ki messages) full: the process too busy, or short of memory, to take messages as
     * fast as they come. The client says so once for each time it falls behind
     * ({@link Errors#slowConsumerDetected}), so each message handed on counts what it dropped since.
     */
    private final class Drops {
        private final Dispatcher dispatcher;
        private final AtomicLong counted = new AtomicLong();
        private final LogThrottle lines = new LogThrottle(Duration.ofMinutes(1));

        Drops(Dispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        void count() {
            long dropped = dispatcher.getDroppedCount();
            if (dropped <= counted.get()) {
                return; // no write for each message
            }
            long before = counted.getAndAccumulate(dropped, Math::max);
            if (dropped > before) {
                lost.increment(dropped - before);
                if (lines.occurred() > 0) {
                    log.warn("this process takes messages from NATS at {} slower than they come: the client"
                            + " dropped {} so far on this connection (counted as the bus's lost), holding at most {} MB"
                            + " or {} messages waiting; give the process more CPU or memory, or run fewer nodes in it",
                            settings.address(), dropped, dispatcher.getPendingByteLimit() >> 20,
                            dispatcher.getPendingMessageLimit());
                }
            }
        }
    }

    /**
     * The client's events come in order on one thread: a failed server at start brings DISCONNECTED
     * before CONNECTED (or before a failed start), which is no outage; a deliberate close brings
     * CLOSED only. CLOSED otherwise means the client gave the connection up: a new one is made.
     */
    private synchronized void connectionEvent(Connection source, ConnectionListener.Events event) {
        if (event == ConnectionListener.Events.CONNECTED) {
            connected = true;
        } else if (event == ConnectionListener.Events.DISCONNECTED && connected) {
            connectionLost();
        } else if (event == ConnectionListener.Events.RECONNECTED) {
            outages.up();
        } else if (event == ConnectionListener.Events.CLOSED && source == connection && !closed && connecting == null) {
            connectionLost();
            log.warn("the NATS client gave up its connection to {} (the server's last error: {}): connecting anew,"
                    + " with backoff from reconnect-wait up to {} s", settings.address(), LogSafe.text(errors.lastError),
                    MAX_CONNECT_WAIT.toSeconds());
            connecting = DaemonThreads.start("msight-nats-connect", this::connectAnew);
        }
    }

    /**
     * An outage starts; with JetStream, what is awaited is unconfirmed, and what other processes
     * publish meanwhile waits in the streams for this one's subscribers.
     */
    private void connectionLost() {
        outages.down("NATS connection to " + settings.address() + (jetStreamPublisher == null
                ? " lost (messages published meanwhile are lost)"
                : " lost (messages published here meanwhile are lost; the streams keep what others publish)"));
        if (jetStreamPublisher != null) {
            jetStreamPublisher.disconnected();
        }
    }

    /** Makes a new connection and subscribes again, with backoff, until it works or the bus closes. */
    private void connectAnew() {
        Backoff backoff = Backoff.jittered(settings.reconnectWait(), MAX_CONNECT_WAIT);
        while (!closed && backoff.pause()) {
            Connection fresh = null;
            boolean taken = false;
            try {
                fresh = Nats.connect(options);
                synchronized (this) {
                    if (!closed) {
                        subscribeAll(fresh);
                        connection = fresh;
                        connecting = null;
                        taken = true;
                    }
                }
            } catch (IOException | TimeoutException | RuntimeException e) {
                log.debug("a new NATS connection failed: {}", LogSafe.text(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // closing: the loop ends
            } finally {
                if (!taken) {
                    closeQuietly(fresh);
                }
            }
            if (taken) {
                outages.up();
                return;
            }
        }
    }

    /** Closes {@code connection} whole, also on a thread interrupted to stop (the client's close would cut short). */
    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            connection.close();
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One line for a connection that failed at start, without credentials. The client reports a
     * failed TLS handshake to the error listener only, and throws a general "unable to connect".
     */
    private String describe(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (isAuthorization(message)) {
            return "NATS at " + settings.address() + " refused the credentials: " + CHECK_CREDENTIALS;
        }
        Optional<SSLException> tls = PemTls.handshakeFailure(errors.last);
        String tlsSettings = "msight.nats.tls (MSIGHT_NATS_TLS_CA_CERT_FILE, MSIGHT_NATS_TLS_CERT_FILE,"
                + " MSIGHT_NATS_TLS_KEY_FILE)";
        if (tls.isPresent()) {
            return "NATS at " + settings.address() + ": " + LogSafe.text(IoFailures.reason(tls.get())) + "; check "
                    + tlsSettings;
        }
        return "NATS unreachable at " + settings.address() + " (" + LogSafe.text(message) + "): start the server, or point"
                + " msight.nats.servers (MSIGHT_NATS_SERVERS) at it" + (settings.tls() ? "; a server that requires"
                + " a client certificate closes the connection without one: check " + tlsSettings : "");
    }

    private static boolean isAuthorization(String message) {
        return message.toLowerCase(Locale.ROOT).contains("authorization");
    }

    /**
     * With JetStream, first waits for the acknowledgements still awaited (up to {@code ACK_WAIT},
     * 5 s), and for the fetchers of nodes that stopped for good to hand back what they had; then
     * sends what is still queued (messages published, acknowledgements of messages handled), up to
     * {@code connect-timeout}: the client's close drops it. All within {@link #CLOSE_WAIT} (a test's own wait).
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + closeWait.toNanos();
        if (jetStreamPublisher != null && !closed && liveConnection() != null) {
            try {
                jetStreamPublisher.finish(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Connection current;
        Thread stopping;
        synchronized (this) {
            closed = true;
            current = connection;
            connection = null;
            stopping = connecting;
            if (jetStream != null) {
                jetStream.close(deadline);
            }
            if (jetStreamPublisher != null) {
                jetStreamPublisher.close();
            }
        }
        if (stopping != null) {
            stopping.interrupt();
        }
        if (current != null) {
            sendQueued(current, deadline);
        }
        closeQuietly(current);
    }

    /** Sends what is queued on {@code current}, for up to {@code connect-timeout} and until {@code deadline}. */
    private void sendQueued(Connection current, long deadline) {
        if (current.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        // at least 1 ms: the client's flush waits for ever for 0
        Duration wait = Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(),
                Math.min(settings.connectTimeout().toNanos(), deadline - System.nanoTime())));
        try {
            current.flush(wait);
        } catch (TimeoutException | RuntimeException e) { // or closed meanwhile (the client gave it up): it fails so
            log.warn("closing: NATS at {} did not take what was still queued to send within {} ms (connect-timeout,"
                    + " within the {} s closing waits in all): it is lost", settings.address(), wait.toMillis(),
                    closeWait.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Logs what the client reports asynchronously: server errors as warnings; client exceptions at
     * debug level (failed reconnection attempts come this way, and the outage is logged already), but
     * a failed TLS after the first connection, which no outage line explains: a reconnection refused
     * so goes on failing, to the end of the outage.
     */
    private final class Errors implements ErrorListener {

        /** The client's latest exception, to explain a failed start. */
        private volatile Exception last;
        /** The server's latest error, to explain a connection the client gave up. */
        private volatile String lastError;

        /** Each error once a minute at most: one may come again at every reconnection attempt, or publish. */
        private final KeyedLogThrottle lines = new KeyedLogThrottle(Duration.ofMinutes(1), 16);

        /**
         * Logs a server error, but a refusal of the credentials before the first connection: the
         * failed start says so, with the settings to check.
         */
        @Override
        public void errorOccurred(Connection source, String reported) {
            String error = String.valueOf(reported);
            lastError = error;
            if (!connected && isAuthorization(error)) {
                return;
            }
            long times = lines.occurred(error);
            if (times > 0) {
                log.warn("NATS server error: {}{}{}", LogSafe.text(error), isAuthorization(error) ? ": "
                        + CHECK_CREDENTIALS : "", timesSince(times));
            }
        }

        @Override
        public void exceptionOccurred(Connection source, Exception exception) {
            last = exception;
            Optional<SSLException> tls = connected ? PemTls.handshakeFailure(exception) : Optional.empty();
            if (tls.isEmpty()) {
                log.debug("NATS client: {}", LogSafe.text(exception));
                return;
            }
            String reason = LogSafe.text(IoFailures.reason(tls.get()));
            long times = lines.occurred(reason);
            if (times > 0) {
                log.warn("NATS: a connection to {} failed: {}{}", LogSafe.text(lastTlsServer()), reason,
                        timesSince(times));
            }
        }

        /** The server TLS was last begun with, as the client tries one at a time, else the configured ones. */
        private String lastTlsServer() {
            String server = options.getSslContext() instanceof HostCheckedTls.Context tls ? tls.lastServer() : null;
            return server != null ? server : settings.address();
        }

        private static String timesSince(long times) {
            return times == 1 ? "" : " (" + times + " times since the last such line)";
        }

        /** The client began to drop messages for the dispatcher: counted now, and from then on at each message. */
        @Override
        public void slowConsumerDetected(Connection source, Consumer consumer) {
            Drops current = drops;
            if (current != null && current.dispatcher == consumer) {
                current.count();
            }
        }

        /**
         * The client's queue to the server was full: a publish of ours (this thread is in
         * {@link #publish}, which makes the bus unable to carry messages until the client writes one),
         * a JetStream acknowledgement (a reply to its message's {@code $JS.ACK} subject), or the
         * client's own traffic (fetches, which are sent again).
         */
        @Override
        public void messageDiscarded(Connection source, Message message) {
            Publishing publishing = threadsPublishing.get();
            if (publishing.active) {
                publishing.discarded = true;
            } else if (discardedAcks != null && message.getSubject().startsWith("$JS.ACK.")) {
                discardedAck();
            } else {
                log.debug("NATS client discarded a message on '{}': its queue to the server is full",
                        LogSafe.text(message.getSubject()));
            }
        }
    }

    /** The {@code nats} bus, configured in {@code msight.nats}. */
    public static final class Provider implements BusProvider {

        @Override
        public String name() {
            return "nats";
        }

        @Override
        public String description() {
            return "NATS in MSight's wire format, queue group = group-id; at most once, or at least once with JetStream";
        }

        @Override
        public List<Setting> settings() {
            return NatsSettings.SETTINGS;
        }

        @Override
        public Bus create(BusContext context) {
            return new NatsBus(NatsSettings.from(context.config()), context);
        }
    }
}

package org.msight.plugins.natsbus;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamStatusException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.msight.api.Backoff;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.OutageLog;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * Topics as JetStream streams, for at-least-once delivery across a subscriber restart: each
 * topic is stored in a stream {@code MSIGHT_<topic>} (created when missing, by its first
 * publisher or subscriber, kept for {@code max-age}), which {@link JetStreamPublisher} fills; each
 * subscription reads through a durable pull consumer named after its group (else its node and
 * device), so the members of a group share the messages and a restarted one resumes where its
 * group stood. A message is acknowledged when the runtime is done with it
 * ({@link Delivery#done()}); until then the server is told every third of {@code ack-wait} that
 * it is in progress, so one is delivered again only when its subscriber stopped holding it (it
 * left its group, its process died, or its connection was made anew: acknowledgements go by the
 * connection that fetched). One thread per subscription pulls only as many messages as its node's
 * queue has room for, and hands each on as it arrives.
 */
final class JetStreamTopics implements AutoCloseable {

    private static final int MAX_BATCH = 64;
    private static final Duration PULL_WAIT = Duration.ofMillis(500);
    /** How often a fetcher asks for its consumer: whether it is there, and where its group stands. */
    private static final Duration ASK_EVERY = Duration.ofSeconds(1);
    /** JetStream's API error code for "stream not found" (jnats names only the consumer's). */
    private static final int STREAM_NOT_FOUND = 10059;
    /** The longest name of a consumer JetStream takes. */
    private static final int MAX_CONSUMER_NAME = 255;

    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final NatsSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final String deviceName;
    private final Counter resubscribed;
    private final OutOfMemoryLines outOfMemoryLines;
    private final Map<Subscription, Fetcher> fetchers = new ConcurrentHashMap<>();
    /** Fetchers of nodes that stopped for good, still handing back what they had. */
    private final Set<Fetcher> leaving = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param deviceName names the consumers of nodes without a group
     * @param resubscribed counts the outages of a consumer that ended: subscribed again
     */
    JetStreamTopics(Connection connection, NatsSettings settings, MsightFormats formats, Logger log,
            String deviceName, Counter resubscribed, OutOfMemoryLines outOfMemoryLines) throws IOException {
        this.jetStream = connection.jetStream();
        this.management = connection.jetStreamManagement();
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.deviceName = deviceName;
        this.resubscribed = resubscribed;
        this.outOfMemoryLines = outOfMemoryLines;
    }

    /**
     * The durable consumer of a group (and, before nodes had their own, of a node): its name where
     * JetStream takes it; each byte it does not ({@code . * > / \}, spaces, other than printable
     * ASCII) written as {@code _} and two hex digits, so group {@code team.uploaders} has consumer
     * {@code team_2Euploaders}.
     *
     * @throws IllegalArgumentException when it is past the length JetStream takes
     */
    static String consumerOf(String group) {
        String consumer = escaped(group, '_', "");
        if (consumer.length() > MAX_CONSUMER_NAME) {
            throw new IllegalArgumentException("group-id '" + LogSafe.text(group) + "' names the group's JetStream"
                    + " consumer: " + consumer.length() + " characters (a space, '.', and a byte past ASCII, among"
                    + " others, written as 3 each), past the " + MAX_CONSUMER_NAME + " JetStream takes; give the"
                    + " group a shorter group-id, on each of its nodes");
        }
        return consumer;
    }

    /**
     * The durable consumer of a node without a group, {@code <node>@<device>}: its own, where one
     * named after the node alone was shared with a group of that name and with the node of that
     * name on every other device. In each part a byte JetStream takes in no name, {@code %} and
     * {@code @} are written as {@code %} and two hex digits, so no two nodes or devices share one;
     * a group has it only if its name is of that form (a group's escaping keeps every character the
     * client takes in a name: none is left to set nodes apart).
     */
    static String consumerOf(String node, String device) {
        String consumer = escaped(node, '%', "%@") + "@" + escaped(device, '%', "%@");
        if (consumer.length() > MAX_CONSUMER_NAME) {
            throw new IllegalArgumentException("node " + LogSafe.text(node) + " has no group, so with JetStream its"
                    + " consumer is named after it and msight.device-name '" + LogSafe.text(device) + "': "
                    + consumer.length() + " characters (a space, '.', '%', '@', and a byte past ASCII, among others,"
                    + " written as 3 each), past the " + MAX_CONSUMER_NAME + " JetStream takes; give the node a"
                    + " group-id, or the device a shorter msight.device-name (MSIGHT_EDGE_DEVICE_NAME)");
        }
        return consumer;
    }

    /**
     * The durable consumer of the subscription: its group's, else its node's on {@code device}.
     *
     * @throws IllegalArgumentException when it is past the length JetStream takes
     */
    static String consumerOf(Subscription subscription, String device) {
        return subscription.group().map(JetStreamTopics::consumerOf)
                .orElseGet(() -> consumerOf(subscription.nodeName(), device));
    }

    /** {@code name} with each byte JetStream takes in no consumer's name, and each of {@code reserved}, escaped. */
    private static String escaped(String name, char escape, String reserved) {
        StringBuilder escaped = new StringBuilder(name.length());
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > ' ' && c < 0x7f && ".*>/\\".indexOf(c) < 0 && reserved.indexOf(c) < 0) {
                escaped.append((char) c);
            } else {
                escaped.append(escape).append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return escaped.toString();
    }

    /** The stream name of a topic: JetStream allows letters, digits, {@code -} and {@code _}. */
    static String streamOf(String topic) {
        return "MSIGHT_" + topic.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /**
     * The creation time of the topic's stream, which is created when missing: the one way
     * publishers and subscribers make streams. An existing stream takes this process's
     * {@code max-age}.
     *
     * @throws StreamClash when the stream of the topic's name carries another topic ({@code a.b}
     *     and {@code a_b} are both {@code MSIGHT_a_b})
     */
    static ZonedDateTime ensureStream(JetStreamManagement management, String topic, NatsSettings settings, Logger log)
            throws IOException, JetStreamApiException {
        String stream = streamOf(topic);
        StreamInfo existing;
        try {
            existing = management.getStreamInfo(stream);
        } catch (JetStreamApiException missing) {
            ZonedDateTime created = management.addStream(StreamConfiguration.builder().name(stream).subjects(topic)
                    .storageType(StorageType.File).maxAge(settings.maxAge()).build()).getCreateTime();
            log.info("created JetStream stream {} for topic '{}'", stream, LogSafe.text(topic));
            return created;
        }
        StreamConfiguration config = existing.getConfiguration();
        if (!config.getSubjects().contains(topic)) {
            throw new StreamClash("topic '" + LogSafe.text(topic) + "' has JetStream stream " + stream
                    + ", which carries topic(s) " + LogSafe.text(String.join(", ", config.getSubjects()))
                    + " (a stream's name has '_' for what a topic's may have else): rename one of the topics");
        }
        if (!config.getMaxAge().equals(settings.maxAge())) {
            management.updateStream(StreamConfiguration.builder(config).maxAge(settings.maxAge()).build());
            log.info("JetStream stream {} of topic '{}': max-age set to {} s (was {} s)", stream, LogSafe.text(topic),
                    settings.maxAge().toSeconds(), config.getMaxAge().toSeconds());
        }
        return existing.getCreateTime();
    }

    /** Where a consumer started: the stream sequence before its first message. */
    private record Start(String consumer, ZonedDateTime created, long after) {}

    /** A topic whose stream, by its name, is another topic's: the settings' problem, not the server's. */
    static final class StreamClash extends IllegalStateException {

        StreamClash(String message) {
            super(message);
        }
    }

    /** Creates the topic's stream when missing, subscribes a durable consumer and starts its fetcher. */
    void subscribe(Subscription subscription) {
        Fetcher fetcher = new Fetcher(subscription);
        try {
            fetcher.subscribe(false);
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException("JetStream on topic '" + subscription.topic() + "': " + e.getMessage(), e);
        }
        fetcher.thread = DaemonThreads.start("msight-nats-fetch-" + subscription.nodeName(), fetcher);
        fetchers.put(subscription, fetcher);
    }

    /**
     * Stops the subscription's fetcher once its pull under way has ended (within a pull's wait, or
     * a backoff's, or a JetStream request's timeout: connect-timeout); it hands what it still fetches, and what its node held, back to the group and
     * unsubscribes. The pull is not cut short: the server would go on sending it messages until it
     * expired, which would come again only after ack-wait. Its durable consumer stays, for its
     * group and the next run.
     */
    void unsubscribe(Subscription subscription) {
        Fetcher fetcher = fetchers.remove(subscription);
        if (fetcher != null) {
            leaving.add(fetcher);
            fetcher.left = true;
        }
    }

    /** One subscription's consumer: subscribes it, fetches from it, and subscribes it again when it is gone. */
    private final class Fetcher implements Runnable {

        private final Subscription subscription;
        private final String stream;
        private final String durable;
        private final String name;
        private JetStreamSubscription pull;
        /** When the stream the consumer reads was created: a stream created again numbers its messages anew. */
        private ZonedDateTime streamCreated;
        /** The stream sequence up to which the group acknowledged every message, as last asked. */
        private long ackFloor;
        private long askedAt;
        private Thread thread;
        /** Set when its node stopped for good: the fetcher ends. */
        private volatile boolean left;
        /**
         * Messages handed to the node and not done with (queued, or being handled: an upload
         * retried), with when the server last heard of each: System.nanoTime() of the hand-over or
         * of its last word of progress.
         */
        private final Map<Message, Long> held = new ConcurrentHashMap<>();
        private long heldLookedAt = System.nanoTime();
        /** The payload bytes of the last message handed over; 0 before the first. */
        private int lastSize;
        /** Where the consumer last asked for by {@link #startedAfter} started, which holds while it is there. */
        private Start lastStart;
        /** How long a pull waits for messages: at most a sixth of ack-wait, so that words of progress keep pace. */
        private final Duration pullWait = PULL_WAIT.compareTo(settings.ackWait().dividedBy(6)) <= 0 ? PULL_WAIT
                : Duration.ofMillis(Math.max(10, settings.ackWait().dividedBy(6).toMillis()));
        /** When a pull of this fetcher's has surely ended on the server, which would send it what is given back. */
        private final Duration afterThisPull = pullWait.multipliedBy(2);
        /** Down while the consumer fails, until it is subscribed again. */
        private final OutageLog outage;

        Fetcher(Subscription subscription) {
            this.subscription = subscription;
            this.stream = streamOf(subscription.topic());
            this.durable = consumerOf(subscription, deviceName);
            this.name = "JetStream consumer '" + LogSafe.text(durable) + "' of topic '"
                    + LogSafe.text(subscription.topic()) + "'";
            this.outage = new OutageLog(log, name + " works again", resubscribed);
        }

        /**
         * Subscribes the durable consumer, created (with the stream) when missing: at start for new
         * messages, but for a node whose consumer had its name alone (its group's name) after the
         * first message that one had not acknowledged, so that what was stored during the upgrade
         * arrives (whenever that one is there: also on a device added later, or renamed, which so
         * gets again what was stored since it was last read); {@code again}, after an outage, from
         * the first message the group had not acknowledged (all of the stream, when the stream is
         * new), so that what was stored while the consumer was gone arrives, and what was delivered
         * but not done arrives again. A consumer that exists is used as it is (another member of the
         * group may have created it, and its start holds), with this member's {@code ack-wait}.
         */
        void subscribe(boolean again) throws IOException, JetStreamApiException {
            ZonedDateTime created = ensureStream(management, subscription.topic(), settings, log);
            ConsumerInfo existing = consumer(durable);
            if (existing == null) {
                ConsumerConfiguration.Builder consumer = settled().ackWait(settings.ackWait());
                ConsumerInfo before = again || subscription.group().isPresent() ? null
                        : consumer(consumerOf(subscription.nodeName()));
                String start;
                if (before != null) {
                    long first = acknowledgedUpTo(before) + 1;
                    consumer.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(first);
                    String node = LogSafe.text(subscription.nodeName());
                    start = "at stream sequence " + first + ", after what its node acknowledged through consumer '"
                            + LogSafe.text(before.getName()) + "'; so does each consumer of a node " + node
                            + " made while that one is there (on a device added later, or after a change of"
                            + " device-name), which then gets again what was stored since that one was last read"
                            + " (up to max-age): delete it once node " + node + " runs this version on every device"
                            + " and no group '" + node + "' reads it: nats consumer rm " + stream + " "
                            + LogSafe.text(before.getName());
                } else if (!again) {
                    consumer.deliverPolicy(DeliverPolicy.New);
                    start = "with new messages (what the stream holds already is not delivered to it)";
                } else if (created.equals(streamCreated)) {
                    consumer.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(ackFloor + 1);
                    start = "at stream sequence " + (ackFloor + 1) + ", the first its group had not acknowledged";
                } else {
                    consumer.deliverPolicy(DeliverPolicy.All);
                    start = "with the whole stream, made anew";
                }
                try {
                    management.createConsumer(stream, consumer.build());
                    log.info("created {}: it starts {}", name, start);
                } catch (JetStreamApiException e) {
                    if (consumer(durable) == null) {
                        throw e;
                    } // else another member created it first
                }
            } else if (!settings.ackWait().equals(existing.getConsumerConfiguration().getAckWait())) {
                management.updateConsumer(stream, ConsumerConfiguration.builder(existing.getConsumerConfiguration())
                        .ackWait(settings.ackWait()).build());
                log.info("{}: ack-wait set to {} s (was {} s)", name, settings.ackWait().toMillis() / 1e3,
                        existing.getConsumerConfiguration().getAckWait().toMillis() / 1e3);
            }
            ask(); // before subscribing: a failure leaves no subscription behind
            try {
                pull = jetStream.subscribe(subscription.topic(), PullSubscribeOptions.builder().stream(stream)
                        .bind(true).configuration(settled().build()).build());
            } catch (IllegalArgumentException e) { // the client's checks, such as a consumer gone again
                throw new IOException(e.getMessage(), e);
            }
        }

        /** What the client checks against the consumer on the server: the same for every member of a group. */
        private ConsumerConfiguration.Builder settled() {
            return ConsumerConfiguration.builder().durable(durable).filterSubject(subscription.topic())
                    .ackPolicy(AckPolicy.Explicit);
        }

        /** The stream's consumer {@code name} on the server; {@code null} when it has none. */
        private ConsumerInfo consumer(String name) throws IOException, JetStreamApiException {
            try {
                return management.getConsumerInfo(stream, name);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == NatsJetStreamConstants.JS_CONSUMER_NOT_FOUND_ERR) {
                    return null;
                }
                throw e;
            }
        }

        /**
         * The stream sequence up to which the consumer's messages are all acknowledged: what it
         * delivered, when none awaits its acknowledgement; else its floor, once it has one. Until the
         * acknowledgement of its first delivery the server's floor is 0, and what it delivered tells
         * nothing of where it started (a redelivery raises its own sequence, not the stream's): then
         * the stream sequence before its start.
         */
        private long acknowledgedUpTo(ConsumerInfo consumer) throws IOException, JetStreamApiException {
            if (consumer.getNumAckPending() == 0) {
                return consumer.getDelivered().getStreamSequence();
            }
            return consumer.getAckFloor().getConsumerSequence() > 0 ? consumer.getAckFloor().getStreamSequence()
                    : startedAfter(consumer);
        }

        /**
         * The stream sequence before the consumer's first message, by how it was made: before its
         * start sequence; before the first message stored at or after its creation (new messages) or
         * its start time; 0 for the whole stream (and for the last message, or each subject's, which
         * the bus never makes: it started there or later). Known once for each consumer.
         */
        private long startedAfter(ConsumerInfo consumer) throws IOException, JetStreamApiException {
            if (lastStart != null && lastStart.consumer().equals(consumer.getName())
                    && lastStart.created().isEqual(consumer.getCreationTime())) {
                return lastStart.after();
            }
            ConsumerConfiguration made = consumer.getConsumerConfiguration();
            long after = switch (made.getDeliverPolicy()) {
                case ByStartSequence -> made.getStartSequence() - 1;
                case New -> storedBefore(consumer, consumer.getCreationTime());
                case ByStartTime -> storedBefore(consumer, made.getStartTime());
                default -> 0;
            };
            lastStart = new Start(consumer.getName(), consumer.getCreationTime(), after);
            return after;
        }

        /**
         * The stream sequence before the first message stored at or after {@code time}, by the
         * server's clock (as its messages' timestamps); the stream's last when there is none. Asked as
         * the start of a consumer of {@code filter} made for the question (a server may skip on to
         * the first message of the filter: no other is delivered to the consumer asked about) and
         * deleted at once (nats-server 2.9 refuses a request for the first message at a time); one
         * left behind (the connection lost) the server deletes after a minute unused. A server that
         * makes no such consumer (a user allowed only durable ones: refused, or no answer within the
         * request timeout) is answered by an estimate from what {@code consumer} delivered, which may
         * be lower (redeliveries), never higher: messages may come again, none is skipped.
         */
        private long storedBefore(ConsumerInfo consumer, ZonedDateTime time) {
            ConsumerInfo asked;
            try {
                asked = management.addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                        .deliverPolicy(DeliverPolicy.ByStartTime).startTime(time)
                        .filterSubject(consumer.getConsumerConfiguration().getFilterSubject())
                        .ackPolicy(AckPolicy.None).inactiveThreshold(Duration.ofMinutes(1)).build());
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                log.debug("{}: making a consumer to ask where it started was refused ({}): estimated from what it"
                        + " delivered", name, LogSafe.text(e.getMessage()));
                return Math.max(0, consumer.getDelivered().getStreamSequence()
                        - consumer.getDelivered().getConsumerSequence());
            }
            try {
                management.deleteConsumer(stream, asked.getName());
            } catch (IOException | JetStreamApiException e) {
                log.debug("deleting a consumer made to ask where {} started failed: {}", name, LogSafe.text(e));
            }
            return asked.getDelivered().getStreamSequence();
        }

        /**
         * Asks for the consumer: where its group stands. Also how a consumer deleted while no pull
         * waited is noticed, as a pull from it brings nothing, with no error, for ever.
         *
         * @throws JetStreamApiException when the server no longer has it
         */
        private void ask() throws IOException, JetStreamApiException {
            // the stream first: a floor read after it is of this stream or of a newer one, never of an older one
            ZonedDateTime created = management.getStreamInfo(stream).getCreateTime();
            ackFloor = acknowledgedUpTo(management.getConsumerInfo(stream, durable));
            streamCreated = created;
            askedAt = System.nanoTime();
        }

        /**
         * Pulls while the node's queue has room; the client resubscribes by itself after a reconnect.
         * A consumer the server no longer has (deleted, or with its stream) is subscribed again
         * ({@link #subscribe}): an outage, logged once with the server's reason, until that succeeds.
         * After an Error (the heap running out: a burst of large messages) the subscription is
         * dropped and made again after the backoff too, trusting no client state it left half done;
         * what the node did not take is delivered again, being unacknowledged.
         */
        @Override
        public void run() {
            Receiver receiver = subscription.receiver();
            Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
            while (!closed && !left) {
                try {
                    keepHeldInProgress();
                    if (pull == null) {
                        subscribe(true);
                        outage.up();
                    }
                    int room = batchFor(receiver);
                    if (room == 0) {
                        TimeUnit.MILLISECONDS.sleep(10);
                        continue;
                    }
                    // each message as it arrives (a fetch would hold them until the batch is full or expires);
                    // an interrupted wait ends the iteration
                    Iterator<Message> arriving = pull.iterate(room, pullWait);
                    while (arriving.hasNext()) {
                        Message message = arriving.next();
                        if (left) {
                            giveBack(message, afterThisPull); // to another member of the group
                        } else if (receiver.remainingCapacity() == 0) {
                            // the batch's bytes filled the queue: again soon, rather than the queue dropping
                            // (and so acknowledging) a message its node never had
                            giveBack(message);
                        } else {
                            handOver(receiver, message, arriving);
                        }
                    }
                    if (System.nanoTime() - askedAt >= ASK_EVERY.toNanos()) {
                        askIfAnswered();
                    }
                    backoff.reset();
                } catch (InterruptedException e) {
                    break;
                } catch (JetStreamStatusException | IOException | JetStreamApiException | StreamClash | Error e) {
                    // the server refuses, or its stream is another topic's; or this process failed, as when its
                    // heap ran out (a burst of large messages)
                    if (closed || left) {
                        break; // an interrupted call's failure
                    }
                    if (e instanceof Error error) {
                        failed(error);
                    } else {
                        // a clash is said outside parentheses, which hold a reason's details of the moment: it is a
                        // reason of its own, as after the stream not found that comes before it
                        String why = e instanceof StreamClash ? ": " + e.getMessage()
                                : " (" + LogSafe.text(e.getMessage()) + ")";
                        outage.down(name + " fails" + why + ": no message arrives until it is subscribed again, from"
                                + " the first message its group had not acknowledged");
                    }
                    pull = dropped(pull);
                    if (!backoff.pause()) {
                        break; // interrupted: closing, or unsubscribed
                    }
                } catch (RuntimeException e) { // the connection is away: the client reconnects
                    if (closed || left) {
                        break; // an interrupted call's failure
                    }
                    log.debug("JetStream pull on '{}' failed: {}", LogSafe.text(subscription.topic()),
                            LogSafe.text(e));
                    if (!backoff.pause()) {
                        break; // interrupted: closing, or unsubscribed
                    }
                }
            }
            if (left) {
                pull = dropped(pull);
                // to another member of the group, once the server has surely ended the last pull, which it
                // would otherwise send them to: they would come again only after ack-wait
                held.keySet().forEach(message -> giveBack(message, afterThisPull));
                held.clear();
                leaving.remove(this);
            }
        }

        /**
         * Tells the server that each message the node has held for a third of ack-wait is in
         * progress: ack-wait counts from the last such word, so it is not delivered again, to be
         * handled twice, while the node still has it. One whose process dies comes again after
         * ack-wait. Looked at every sixth of ack-wait: the words are spread as the messages came.
         */
        private void keepHeldInProgress() {
            long now = System.nanoTime();
            long ackWait = settings.ackWait().toNanos();
            if (now - heldLookedAt < ackWait / 6) {
                return;
            }
            heldLookedAt = now;
            held.replaceAll((message, heard) -> now - heard < ackWait / 3 ? heard : saidInProgress(message, now));
        }

        /** @return {@code now}, when the server was told; that is when it last heard of the message */
        private long saidInProgress(Message message, long now) {
            try {
                message.inProgress();
            } catch (RuntimeException e) { // disconnected: it is delivered again after ack-wait
                log.debug("telling a message in progress failed: {}", LogSafe.text(e));
            }
            return now;
        }

        /** The message for the node: acknowledged, and no longer held, once the runtime is done with it. */
        private Delivery acknowledgedOnDone(Message message) {
            return new Delivery(message.getData().length) {
                @Override
                protected SensorData decode() {
                    return formats.fromMessagePack(message.getData());
                }

                @Override
                public void done() {
                    held.remove(message);
                    try {
                        message.ack();
                    } catch (RuntimeException e) { // disconnected: it is delivered again after ack-wait
                        log.debug("acknowledgement failed: {}", LogSafe.text(e));
                    }
                }

                /** One not acknowledged is delivered again, to the next start or another member of the group. */
                @Override
                public boolean redeliveredUnlessDone() {
                    return true;
                }
            };
        }

        /**
         * How many messages to pull: what the node's queue takes by count, and by bytes at the size
         * of the last message; a batch it cannot take whole is given back, and sent again by the
         * server: large frames pulled by count alone crossed the network several times each.
         */
        private int batchFor(Receiver receiver) {
            int room = Math.min(MAX_BATCH, receiver.remainingCapacity());
            return room == 0 || lastSize == 0 ? room
                    : (int) Math.min(room, Math.max(1, receiver.remainingBytes() / lastSize));
        }

        /**
         * Hands a message over. One the node did not take (no memory left) is delivered again at
         * once with the rest of its batch, to a subscription made anew: the batch is read to its
         * end first (the pull's wait; up to twice that if the server's end of the pull never comes)
         * and this subscription dropped, and only then are they given back; given back before, the
         * server would send them again to this one's pull, which waits on, and dropped under them,
         * they would come again only after ack-wait.
         */
        private void handOver(Receiver receiver, Message message, Iterator<Message> rest) {
            lastSize = message.getData() == null ? 0 : message.getData().length;
            held.put(message, System.nanoTime());
            try {
                receiver.deliver(acknowledgedOnDone(message));
            } catch (RuntimeException | Error e) {
                held.remove(message);
                List<Message> back = new ArrayList<>(List.of(message));
                try {
                    rest.forEachRemaining(back::add);
                } catch (RuntimeException | Error again) { // what was not read comes again after ack-wait
                    log.debug("reading the rest of a batch failed: {}", LogSafe.text(again));
                }
                pull = dropped(pull);
                back.forEach(JetStreamTopics.this::giveBack);
                throw e;
            }
        }

        /** Says why the fetcher failed for an Error; the heap running out at most once a minute. */
        private void failed(Error e) {
            if (e instanceof OutOfMemoryError outOfMemory) {
                outOfMemoryLines.occurred(subscription, outOfMemory, "what it did not take is delivered again; "
                        + name + " is subscribed again");
            } else {
                log.error("{} failed; it is subscribed again", name, e);
            }
        }

        /**
         * {@link #ask}, where only a consumer or stream the server no longer has is an outage; no
         * answer (the connection is away, and the client reconnects) or another refusal (such as a
         * cluster choosing a leader) leaves the last answer standing.
         */
        private void askIfAnswered() throws JetStreamApiException {
            try {
                ask();
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == NatsJetStreamConstants.JS_CONSUMER_NOT_FOUND_ERR
                        || e.getApiErrorCode() == STREAM_NOT_FOUND) {
                    throw e;
                }
                log.debug("asking for the {} failed: {}", name, LogSafe.text(e));
            } catch (IOException e) {
                log.debug("asking for the {} failed: {}", name, LogSafe.text(e));
            }
        }
    }

    /** Why a subscription's consumer fails, while one does: the first such one's outage. */
    Optional<String> outage() {
        return fetchers.values().stream().map(fetcher -> fetcher.outage.reason()).flatMap(Optional::stream)
                .findFirst();
    }

    /** Drops a subscription whose consumer is gone (a durable consumer stays on the server); {@code null}. */
    private JetStreamSubscription dropped(JetStreamSubscription pull) {
        if (pull != null) {
            try {
                pull.unsubscribe();
            } catch (RuntimeException e) { // disconnected: the client forgets it anyway
                log.debug("unsubscribing failed: {}", LogSafe.text(e));
            }
        }
        return null;
    }

    /** Gives a message back to the consumer at once (a negative acknowledgement), for another pull to take. */
    private void giveBack(Message message) {
        giveBack(message, Duration.ZERO);
    }

    /** Gives a message back to the consumer, for another pull to take after {@code delay}. */
    private void giveBack(Message message, Duration delay) {
        try {
            if (delay.isZero()) {
                message.nak();
            } else {
                message.nakWithDelay(delay);
            }
        } catch (RuntimeException away) { // disconnected: it is delivered again after ack-wait
            log.debug("a negative acknowledgement failed: {}", LogSafe.text(away));
        }
    }

    /** {@link #close(long)}, waiting at most until a JetStream request's timeout and a pull's end have passed. */
    @Override
    public void close() {
        close(System.nanoTime() + settings.connectTimeout().toNanos() + PULL_WAIT.multipliedBy(2).toNanos());
    }

    /**
     * Stops the fetchers, and waits, until {@code deadline} ({@link System#nanoTime()}) at most, for
     * those of nodes that stopped for good to have handed back what they had (their pull's end, or a
     * JetStream request's timeout): the connection, closed next, would drop it. What the others'
     * nodes held comes again after ack-wait.
     */
    void close(long deadline) {
        closed = true;
        fetchers.values().forEach(fetcher -> fetcher.thread.interrupt());
        for (Fetcher fetcher : leaving) {
            try {
                fetcher.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

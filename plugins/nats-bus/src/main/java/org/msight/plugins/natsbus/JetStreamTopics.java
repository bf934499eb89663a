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
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * topic is stored in a stream {@code MSIGHT_<topic>} (created when missing, kept for
 * {@code max-age}), which core publishes on the subject fill; each subscription reads through a
 * durable pull consumer named after its group (else its node), so the members of a group share
 * the messages and a restarted one resumes where its group stood. A message is acknowledged when
 * the runtime is done with it ({@link Delivery#done()}); one not acknowledged within
 * {@code ack-wait} is delivered again. One thread per subscription fetches only as many messages
 * as its node's queue has room for.
 */
final class JetStreamTopics implements AutoCloseable {

    private static final int MAX_BATCH = 64;
    private static final Duration FETCH_WAIT = Duration.ofMillis(500);

    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final NatsSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final Counter resubscribed;
    private final List<Thread> fetchers = new ArrayList<>();
    private volatile boolean closed;

    /** @param resubscribed counts the outages of a consumer that ended: subscribed again */
    JetStreamTopics(Connection connection, NatsSettings settings, MsightFormats formats, Logger log,
            Counter resubscribed) throws IOException {
        this.jetStream = connection.jetStream();
        this.management = connection.jetStreamManagement();
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.resubscribed = resubscribed;
    }

    /** The stream name of a topic: JetStream allows letters, digits, {@code -} and {@code _}. */
    static String streamOf(String topic) {
        return "MSIGHT_" + topic.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Creates the topic's stream when missing, subscribes a durable consumer and starts its fetcher. */
    void subscribe(Subscription subscription) {
        try {
            JetStreamSubscription pull = pullSubscribe(subscription, consumer -> consumer.deliverPolicy(DeliverPolicy.New));
            ZonedDateTime received = lastDelivered(pull, streamOf(subscription.topic()));
            fetchers.add(DaemonThreads.start("msight-nats-fetch-" + subscription.nodeName(),
                    () -> fetch(pull, received, subscription)));
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException("JetStream on topic '" + subscription.topic() + "': " + e.getMessage(), e);
        }
    }

    /**
     * The subscription's durable consumer, created (with the topic's stream) when missing, starting
     * where {@code start} says. One that exists is used as it is: another member of the group may
     * have created it, and its start holds.
     */
    private JetStreamSubscription pullSubscribe(Subscription subscription, UnaryOperator<ConsumerConfiguration.Builder> start)
            throws IOException, JetStreamApiException {
        String stream = ensureStream(subscription.topic());
        ConsumerConfiguration consumer = settled(subscription).build();
        if (!exists(stream, consumer.getDurable())) {
            try {
                management.createConsumer(stream, start.apply(settled(subscription)).build());
            } catch (JetStreamApiException e) {
                if (!exists(stream, consumer.getDurable())) {
                    throw e;
                } // else another member created it first
            }
        }
        return jetStream.subscribe(subscription.topic(), PullSubscribeOptions.builder().configuration(consumer).build());
    }

    /** What every member of a group sets alike, and the client checks against the consumer on the server. */
    private ConsumerConfiguration.Builder settled(Subscription subscription) {
        return ConsumerConfiguration.builder().durable(durableOf(subscription)).filterSubject(subscription.topic())
                .ackPolicy(AckPolicy.Explicit).ackWait(settings.ackWait());
    }

    /**
     * Where a consumer created again after an outage starts: at the last message this member
     * received (stored at {@code received}, delivered again), or, with none received, at the
     * first the stream holds.
     */
    private static UnaryOperator<ConsumerConfiguration.Builder> after(ZonedDateTime received) {
        return received == null ? consumer -> consumer.deliverPolicy(DeliverPolicy.All)
                : consumer -> consumer.deliverPolicy(DeliverPolicy.ByStartTime).startTime(received);
    }

    private boolean exists(String stream, String durable) throws IOException, JetStreamApiException {
        try {
            management.getConsumerInfo(stream, durable);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NatsJetStreamConstants.JS_CONSUMER_NOT_FOUND_ERR) {
                return false;
            }
            throw e;
        }
    }

    /**
     * When the last message the consumer delivered (to any member of its group) was stored; {@code null}
     * when it delivered none or that one is gone with age, as every older one: every message the
     * stream holds is then new to the group.
     */
    private ZonedDateTime lastDelivered(JetStreamSubscription pull, String stream) throws IOException,
            JetStreamApiException {
        long sequence = pull.getConsumerInfo().getDelivered().getStreamSequence();
        if (sequence == 0) {
            return null;
        }
        try {
            return management.getMessage(stream, sequence).getTime();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NatsJetStreamConstants.JS_NO_MESSAGE_FOUND_ERR) {
                return null;
            }
            throw e;
        }
    }

    private static String durableOf(Subscription subscription) {
        return subscription.group().orElse(subscription.nodeName());
    }

    /** The topic's stream, created when missing. */
    private String ensureStream(String topic) throws IOException, JetStreamApiException {
        String stream = streamOf(topic);
        try {
            management.getStreamInfo(stream);
        } catch (JetStreamApiException missing) {
            management.addStream(StreamConfiguration.builder().name(stream).subjects(topic)
                    .storageType(StorageType.File).maxAge(settings.maxAge()).build());
            log.info("created JetStream stream {} for topic '{}'", stream, topic);
        }
        return stream;
    }

    /**
     * Fetches while the node's queue has room; the client resubscribes by itself after a reconnect.
     * A consumer the server no longer has (deleted, or with its stream) is created again from the
     * last message received ({@link #after}), so that nothing stored meanwhile is missed: an outage,
     * logged once with the server's reason, until that succeeds.
     *
     * @param received when the last message the consumer delivered was stored; {@code null} for none
     */
    private void fetch(JetStreamSubscription subscribed, ZonedDateTime received, Subscription subscription) {
        Receiver receiver = subscription.receiver();
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        String consumer = "JetStream consumer '" + LogSafe.text(durableOf(subscription)) + "' of topic '"
                + LogSafe.text(subscription.topic()) + "'";
        OutageLog outage = new OutageLog(log, consumer + " works again", resubscribed);
        JetStreamSubscription pull = subscribed;
        ZonedDateTime lastReceived = received;
        while (!closed) {
            try {
                if (pull == null) {
                    pull = pullSubscribe(subscription, after(lastReceived));
                    outage.up();
                }
                int room = Math.min(MAX_BATCH, receiver.remainingCapacity());
                if (room == 0) {
                    TimeUnit.MILLISECONDS.sleep(10);
                    continue;
                }
                List<Message> messages = pull.fetch(room, FETCH_WAIT);
                for (Message message : messages) {
                    receiver.deliver(acknowledgedOnDone(message));
                }
                if (messages.isEmpty()) {
                    ensureConsumer(subscription);
                } else {
                    lastReceived = messages.get(messages.size() - 1).metaData().timestamp();
                }
                backoff.reset();
            } catch (InterruptedException e) {
                return;
            } catch (JetStreamStatusException | IOException | JetStreamApiException e) { // the server refuses
                if (!closed) {
                    outage.down(consumer + " fails (" + LogSafe.text(e.getMessage()) + "): no message arrives until"
                            + " it is subscribed again, from the last message received");
                    pull = dropped(pull);
                    pause(backoff);
                }
            } catch (RuntimeException e) { // the connection is away: the client reconnects
                if (!closed) {
                    log.debug("JetStream fetch on '{}' failed: {}", LogSafe.text(subscription.topic()),
                            LogSafe.text(e));
                    pause(backoff);
                }
            }
        }
    }

    /**
     * Asks the server for the consumer after a fetch that brought nothing: a pull from a consumer
     * deleted while no pull was waiting brings nothing, with no error, for ever.
     *
     * @throws JetStreamApiException when the server no longer has it
     */
    private void ensureConsumer(Subscription subscription) throws JetStreamApiException {
        try {
            management.getConsumerInfo(streamOf(subscription.topic()), durableOf(subscription));
        } catch (IOException e) { // no answer: the connection is away, and the client reconnects
            log.debug("asking for the JetStream consumer failed: {}", LogSafe.text(e));
        }
    }

    private void pause(Backoff backoff) {
        if (!backoff.pause()) { // interrupted: close() is under way
            closed = true;
        }
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

    private Delivery acknowledgedOnDone(Message message) {
        return new Delivery() {
            @Override
            protected SensorData decode() {
                return formats.fromMessagePack(message.getData());
            }

            @Override
            public void done() {
                try {
                    message.ack();
                } catch (RuntimeException e) { // disconnected: it is delivered again after ack-wait
                    log.debug("acknowledgement failed: {}", LogSafe.text(e));
                }
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        fetchers.forEach(Thread::interrupt);
    }
}

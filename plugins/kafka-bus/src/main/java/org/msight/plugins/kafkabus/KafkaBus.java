package org.msight.plugins.kafkabus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;

/**
 * Topics on Kafka as MSight's Kafka backend has them: the Kafka topic is the topic's name, the
 * record value MSight's MessagePack payload, byte for byte, with no key unless
 * {@code record-key = sensor_name}. One producer publishes for every node of the process
 * ({@link KafkaPublisher}), and none is made in a process whose nodes only subscribe
 * ({@link BusContext#publishes()}): an idempotent producer asks the brokers for a producer id at
 * once, which a consumer-only login may not. Each subscription has a consumer in its group
 * ({@link KafkaSubscriber}): MSight's {@code <node name>_group} unless the node names its group, so nodes of one group share
 * a topic's partitions across processes and machines, each message going to one of them, and
 * different groups each get every message. Delivery is at-least-once for subscribers and ordered
 * per partition; publishing never blocks a node.
 */
final class KafkaBus implements Bus {

    /**
     * How long closing may take: the producer sending what it holds and the subscribers committing
     * and leaving their groups, all at once; well within the 10 s the runtime gives a bus to close.
     */
    static final Duration CLOSE_LIMIT = Duration.ofSeconds(8);
    /** How often each subscriber's heartbeats are looked at. */
    private static final long WATCH_SECONDS = 1;
    /**
     * The least the admin client's check at start waits ({@code connect-timeout} if shorter), however
     * little the probe left of {@code connect-timeout}: a broker that has just answered the probe
     * answers it well within this.
     */
    private static final Duration LEAST_CHECK_WAIT = Duration.ofSeconds(2);

    private final BusContext context;
    private final KafkaSettings settings;
    private final KafkaPublisher publisher;
    private final List<KafkaSubscriber> subscribers = new ArrayList<>();
    /** The clock of the check's deadline, in nanoseconds. */
    private final LongSupplier clock;
    /** Watches the subscribers' heartbeats, apart from their poll loops; {@code null} without subscribers. */
    private ScheduledExecutorService watch;

    KafkaBus(BusContext context, KafkaSettings settings) {
        this(context, settings, System::nanoTime);
    }

    /** A bus whose check at start reads {@code nanoClock}, as tests set it. */
    KafkaBus(BusContext context, KafkaSettings settings, LongSupplier nanoClock) {
        this.context = context;
        this.settings = settings;
        this.clock = nanoClock;
        this.publisher = new KafkaPublisher(settings, context.formats(), context.logger(), context.counter("lost"),
                context.counter("too-large"), context.counter("reconnects"));
    }

    @Override
    public void subscribe(Subscription subscription) {
        subscribers.add(new KafkaSubscriber(settings, subscription, context.formats(), context.logger(),
                context.counter("reconnects"), context.counter("lost")));
    }

    /** Its consumer commits what the node finished and leaves the group: the other members take its partitions. */
    @Override
    public void unsubscribe(Subscription subscription) {
        subscribers.stream().filter(subscriber -> subscriber.serves(subscription)).forEach(KafkaSubscriber::leave);
    }

    /**
     * Checks that the brokers answer and take the credentials, then starts the producer (when a
     * node of the process publishes) and the consumers; later outages are retried by the clients.
     * The runtime calls it with the plugin's class loader as the thread's context loader, through
     * which Kafka loads the classes its properties name (assignors, partitioners, JAAS login
     * modules).
     *
     * @throws IllegalStateException when the brokers do not answer within {@code connect-timeout}
     *     (which the probe and the admin client's check share, the check waiting 2 s at least),
     *     a server answers as no broker does ({@link BrokerProbe}), or the brokers refuse the login,
     *     in one line naming the setting to check
     * @throws IllegalArgumentException when a client refuses its properties (such as acks = 0 with
     *     the idempotent producer), which it checks as a whole only when created
     */
    @Override
    public void start() {
        try {
            checkBrokers();
            String client = "msight-" + context.deviceName();
            if (context.publishes()) {
                publisher.start(client);
            }
            for (int i = 0; i < subscribers.size(); i++) {
                subscribers.get(i).start(client + "-" + i);
            }
            if (context.publishes() || !subscribers.isEmpty()) {
                watch = DaemonThreads.scheduler("msight-kafka-watch");
                watch.scheduleWithFixedDelay(() -> {
                    publisher.endOutagesNoMessageWillEnd();
                    subscribers.forEach(KafkaSubscriber::watchCoordinator);
                }, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
            }
        } catch (KafkaException e) { // creating a client: it connects only later
            close();
            throw new IllegalArgumentException("properties: " + Failures.rootCause(e));
        }
        String producer = !context.publishes() ? "no producer (no node of this process publishes)"
                : settings.sensorNameKey() ? "record key sensor_name" : "record key none";
        context.logger().info("Kafka at {}: {} subscription(s), {}, new groups start at {}", settings.describe(),
                subscribers.size(), producer, settings.startPosition());
    }

    private void checkBrokers() {
        Deadline deadline = Deadline.after(settings.connectTimeout(), clock);
        String client = "msight-" + context.deviceName() + "-check";
        if (settings.plainText()) { // over TLS, a handshake refuses what answers otherwise before a Kafka client reads it
            BrokerProbe.awaitBroker(settings, client, deadline);
        }
        // What the probe left of the deadline, reckoned before the admin client is made: its own
        // timeouts (connect-timeout from its request) end after this wait, which fails as "no answer
        // within" connect-timeout.
        long waitMillis = Math.max(deadline.left().toMillis(),
                Math.min(settings.connectTimeout().toMillis(), LEAST_CHECK_WAIT.toMillis()));
        Admin admin;
        try {
            admin = Admin.create(settings.adminProperties(client));
        } catch (KafkaException e) { // such as no server's name resolving, checked before anything connects
            boolean servers = e.getCause() instanceof ConfigException cause
                    && String.valueOf(cause.getMessage()).contains(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            throw new IllegalArgumentException((servers ? "servers: " : "properties: ") + Failures.rootCause(e));
        }
        try {
            admin.describeCluster().clusterId().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw new IllegalStateException(Failures.describe(settings, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + settings.describe());
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    @Override
    public boolean canCarry() {
        return publisher.canCarry();
    }

    @Override
    public boolean canCarry(String topic) {
        return publisher.canCarry(topic);
    }

    /** As by default, but without a producer only whether no subscriber is in an outage. */
    @Override
    public boolean connected() {
        return (!context.publishes() || canCarry()) && outage().isEmpty();
    }

    /**
     * Why the producer's buffer, a topic published to, or a subscriber is in an outage: so a
     * process that only publishes is not {@link #connected()} while its messages fail.
     */
    @Override
    public Optional<String> outage() {
        return publisher.outage().or(() -> subscribers.stream().map(KafkaSubscriber::outage).flatMap(Optional::stream)
                .findFirst());
    }

    /** @throws IllegalStateException when the context said no node publishes: there is no producer */
    @Override
    public boolean publish(String topic, SensorData data) {
        if (!context.publishes()) {
            throw new IllegalStateException("publishing to topic '" + LogSafe.text(topic) + "' on a Kafka bus made"
                    + " without a producer: its context said no node of this process publishes on it");
        }
        return publisher.publish(topic, data);
    }

    /** Closes the producer and the subscribers at once, all within {@link #CLOSE_LIMIT}. */
    @Override
    public void close() {
        Deadline end = closeDeadline();
        if (watch != null) {
            watch.shutdownNow();
        }
        subscribers.forEach(subscriber -> subscriber.stop(end)); // all leave their groups at once, on their threads
        publisher.close(end);
        subscribers.forEach(KafkaSubscriber::close);
    }

    /** {@link #CLOSE_LIMIT} from now. */
    static Deadline closeDeadline() {
        return Deadline.after(CLOSE_LIMIT, System::nanoTime);
    }

    /**
     * Refuses a topic name Kafka refuses (ASCII letters, digits, '.', '_' and '-' only, at most 249,
     * not '.' or '..'), on which a subscriber would fail for good, and every publish. Python
     * MSight's Kafka topic is the topic's name, unchanged: there is no other name to map it to.
     */
    @Override
    public void checkTopic(String topic) {
        try {
            Topic.validate(topic);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("Kafka cannot have this topic (" + LogSafe.text(e.getMessage())
                    + "): rename it");
        }
    }
}

package org.msight.runtime.testnodes;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.bus.Bus;
import org.msight.api.bus.BusContext;
import org.msight.api.bus.BusProvider;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.SensorData;
import org.msight.runtime.bus.MemoryBus;

/**
 * Test bus {@code loopback}: the memory bus behind a provider with settings of its own:
 * {@code port} (refused when created below 1, and at start when {@link #TAKEN}; a plugin's bug or
 * missing class at {@link #CREATE_FAILS}, {@link #START_FAILS}, {@link #PUBLISH_FAILS},
 * {@link #CLOSE_FAILS}; its close blocks at {@link #CLOSE_BLOCKS}, its start at
 * {@link #START_BLOCKS} and {@link #START_BLOCKS_PAST_AN_INTERRUPT}), {@code full-topic}, a topic
 * it says it cannot carry, and fails to publish on, and {@code connected}, what it says of its
 * connections. It logs its start, saying whether a node publishes on it, its close, and each
 * subscription ended, and goes on delivering to it. It counts what it publishes
 * ({@code published}). It takes no topic whose name starts with {@code bad/}
 * ({@link Bus#checkTopic}). A test puts a topic in {@link #TOPICS_AWAY} for an outage of it, in
 * {@link #TOPICS_REFUSED} to have its messages refused one by one, in
 * {@link #TOPICS_DELIVERED_AGAIN} to have them say they come again unless done, as an at-least-once
 * bus's do, and reads what its subscribers acknowledged in {@link #ACKNOWLEDGED}, as an
 * at-least-once bus learns it.
 */
public final class LoopbackBus implements BusProvider {

    /** A port the bus refuses only when it starts, as a bus finds some settings unusable. */
    public static final int TAKEN = 2;
    /** A port whose bus fails to close as a plugin missing a class does (a NoClassDefFoundError). */
    public static final int CLOSE_FAILS = 3;
    /** A port whose bus fails to start as a plugin missing a class does (a NoClassDefFoundError). */
    public static final int START_FAILS = 4;
    /** A port whose bus fails to be created as a plugin's bug does (a NullPointerException). */
    public static final int CREATE_FAILS = 5;
    /** A port whose bus's close blocks until {@link #closeReleased} is counted down. */
    public static final int CLOSE_BLOCKS = 6;

    /** A port whose bus fails every publish as a plugin missing a class does (a NoClassDefFoundError). */
    public static final int PUBLISH_FAILS = 7;

    /**
     * A port whose bus's start waits, as a bus for a server that does not answer, until
     * {@link #startReleased} is counted down, for an hour at most; an interrupt ends the wait and
     * fails the start, as the buses' waits do.
     */
    public static final int START_BLOCKS = 8;

    /**
     * A port whose bus's start waits as at {@link #START_BLOCKS}, but swallows the first interrupt,
     * as jnats takes one for its server's failure, clearing it, and waits on for its next server.
     */
    public static final int START_BLOCKS_PAST_AN_INTERRUPT = 9;

    /** Topics in an outage, as on a bus disconnected: it says it cannot carry them, and a publish returns false. */
    public static final Set<String> TOPICS_AWAY = ConcurrentHashMap.newKeySet();

    /**
     * Topics away for as many more {@link Bus#canCarry(String)} calls as counted, then back, as a
     * buffer full for a moment: it says it cannot carry them, and a publish returns false, meanwhile.
     */
    public static final Map<String, AtomicInteger> TOPICS_AWAY_FOR_CALLS = new ConcurrentHashMap<>();

    /** Topics whose each message is refused, as one too large: a publish returns false, the topic still carried. */
    public static final Set<String> TOPICS_REFUSED = ConcurrentHashMap.newKeySet();

    /** Topics whose deliveries say that the bus delivers them again unless they are done, as an at-least-once bus. */
    public static final Set<String> TOPICS_DELIVERED_AGAIN = ConcurrentHashMap.newKeySet();

    /** How many messages of each topic its subscribers acknowledged ({@link Delivery#done()}); a test clears it. */
    public static final Map<String, AtomicInteger> ACKNOWLEDGED = new ConcurrentHashMap<>();

    /** What a bus on {@link #CLOSE_BLOCKS} waits for as it closes; a test sets its own. */
    public static volatile CountDownLatch closeReleased = new CountDownLatch(0);

    /** What a bus on {@link #START_BLOCKS} (or past an interrupt) waits for as it starts; a test sets its own. */
    public static volatile CountDownLatch startReleased = new CountDownLatch(0);

    /** Counted down as a bus on {@link #START_BLOCKS} (or past an interrupt) begins to wait; a test sets its own. */
    public static volatile CountDownLatch startWaiting = new CountDownLatch(1);

    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public String description() {
        return "test bus: the memory bus, with settings";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.optional("port", SettingType.INT, "a port, read and checked"),
                Setting.optional("full-topic", SettingType.STRING, "a topic it cannot carry"),
                Setting.optional("connected", SettingType.BOOLEAN, "what it says of its connections"));
    }

    @Override
    public Bus create(BusContext context) {
        int port = context.config().getInt("port");
        if (port < 1) {
            throw new IllegalArgumentException("port: must be 1 or more, was " + port);
        }
        if (port == CREATE_FAILS) {
            throw new NullPointerException("test: a bus plugin's bug");
        }
        String full = context.config().getString("full-topic");
        boolean connected = context.config().getBoolean("connected");
        MemoryBus memory = new MemoryBus();
        return new Bus() {
            @Override
            public void subscribe(Subscription subscription) {
                memory.subscribe(new Subscription(subscription.topic(), subscription.nodeName(), subscription.group(),
                        acknowledging(subscription.topic(), subscription.receiver())));
            }

            @Override
            public void unsubscribe(Subscription subscription) {
                context.logger().info("node {} unsubscribed from topic '{}'", subscription.nodeName(),
                        subscription.topic());
            }

            @Override
            public void start() {
                if (port == TAKEN) { // found taken only when it starts
                    throw new IllegalArgumentException("port: " + TAKEN + " is taken");
                }
                if (port == START_FAILS) {
                    throw new NoClassDefFoundError("org/example/Gone (on purpose)");
                }
                if (port == START_BLOCKS || port == START_BLOCKS_PAST_AN_INTERRUPT) {
                    awaitRelease(port == START_BLOCKS ? 1 : 2);
                }
                context.logger().info("started; a node of this process publishes on it: {}", context.publishes());
            }

            @Override
            public void checkTopic(String topic) {
                if (topic.startsWith("bad/")) {
                    throw new IllegalArgumentException("the loopback bus takes no topic under bad/: rename it");
                }
            }

            @Override
            public boolean canCarry(String topic) {
                AtomicInteger awayFor = TOPICS_AWAY_FOR_CALLS.get(topic);
                return !topic.equals(full) && !TOPICS_AWAY.contains(topic)
                        && (awayFor == null || awayFor.getAndDecrement() <= 0);
            }

            @Override
            public boolean connected() {
                return connected;
            }

            @Override
            public java.util.Optional<String> outage() {
                if (!connected) {
                    return java.util.Optional.of("loopback.connected is false");
                }
                return TOPICS_AWAY.isEmpty() ? java.util.Optional.empty()
                        : java.util.Optional.of("topics away (on purpose): " + TOPICS_AWAY);
            }

            @Override
            public boolean publish(String topic, SensorData data) {
                if (topic.equals(full)) {
                    throw new IllegalStateException("published on '" + full + "', which the bus cannot carry");
                }
                if (port == PUBLISH_FAILS) {
                    throw new NoClassDefFoundError("org/example/Gone (on purpose)");
                }
                AtomicInteger awayFor = TOPICS_AWAY_FOR_CALLS.get(topic);
                if (TOPICS_AWAY.contains(topic) || TOPICS_REFUSED.contains(topic)
                        || awayFor != null && awayFor.get() > 0) {
                    return false;
                }
                context.counter("published").increment(); // asked for each time, as a bus asks per subscriber
                return memory.publish(topic, data);
            }

            @Override
            public void close() {
                context.logger().info("closing");
                memory.close();
                if (port == CLOSE_BLOCKS) {
                    try {
                        closeReleased.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (port == CLOSE_FAILS) {
                    throw new NoClassDefFoundError("org/example/Gone (on purpose)");
                }
            }
        };
    }

    /** What a bus on {@link #START_BLOCKS} does as it starts, waiting for each of its {@code servers} in turn. */
    private static void awaitRelease(int servers) {
        startWaiting.countDown();
        for (int server = 1; ; server++) {
            try {
                if (!startReleased.await(1, TimeUnit.HOURS)) {
                    throw new IllegalStateException("port " + START_BLOCKS + " does not answer within 1h");
                }
                return;
            } catch (InterruptedException e) { // cleared: taken for this server's failure but at the last
                if (server == servers) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while connecting (on purpose)");
                }
            }
        }
    }

    /**
     * {@code inbox}, its deliveries counted in {@link #ACKNOWLEDGED} when done, and delivered again unless done
     * ({@link Delivery#redeliveredUnlessDone()}) when their topic is in {@link #TOPICS_DELIVERED_AGAIN}.
     */
    private static Receiver acknowledging(String topic, Receiver inbox) {
        return new Receiver() {
            @Override
            public void deliver(Delivery delivery) {
                inbox.deliver(new Delivery() {
                    @Override
                    protected SensorData decode() {
                        return delivery.data();
                    }

                    @Override
                    public void done() {
                        ACKNOWLEDGED.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
                    }

                    @Override
                    public boolean redeliveredUnlessDone() {
                        return TOPICS_DELIVERED_AGAIN.contains(topic);
                    }
                });
            }

            @Override
            public int remainingCapacity() {
                return inbox.remainingCapacity();
            }

            @Override
            public long remainingBytes() {
                return inbox.remainingBytes();
            }

            @Override
            public void countMalformed() {
                inbox.countMalformed();
            }
        };
    }
}

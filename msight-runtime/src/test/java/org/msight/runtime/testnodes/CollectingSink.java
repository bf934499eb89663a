package org.msight.runtime.testnodes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.RetriableException;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SinkNode;
import org.msight.api.UnrecoverableException;
import org.msight.api.data.BytesData;
import org.msight.api.data.SensorData;

/** Test sink: records the sequence numbers it receives, under its node name; may be slow or fail. */
public final class CollectingSink implements SinkNode {

    /** What each sink received, by node name. */
    public static final Map<String, List<Long>> RECEIVED = new ConcurrentHashMap<>();
    /** How often each sink's put was called, by node name. */
    public static final Map<String, AtomicLong> ATTEMPTS = new ConcurrentHashMap<>();
    /** What a sink deaf to interrupts waits for in its put: a test counts it down once it has seen the stop. */
    public static volatile CountDownLatch deafUntil = new CountDownLatch(0);

    private final List<Long> received;
    private final long delayMillis;
    private final boolean deafToInterrupts;
    private final long failEvery;
    private final boolean unavailable;
    private final String unrecoverable;
    private final NodeContext context;
    private final AtomicLong attempts;
    private long calls;

    CollectingSink(NodeContext context) {
        this.received = RECEIVED.computeIfAbsent(context.nodeName(), n -> new CopyOnWriteArrayList<>());
        this.delayMillis = context.config().getDuration("delay").toMillis();
        this.deafToInterrupts = context.config().getBoolean("deaf-to-interrupts");
        this.failEvery = context.config().getLong("fail-every");
        this.unavailable = context.config().getBoolean("unavailable");
        this.unrecoverable = context.config().getString("unrecoverable");
        this.context = context;
        this.attempts = ATTEMPTS.computeIfAbsent(context.nodeName(), n -> new AtomicLong());
    }

    @Override
    public void open() throws InterruptedException {
        Duration delay = context.config().getDuration("open-delay");
        if (!delay.isZero() && !context.pauseUnlessStopping(delay)) {
            context.logger().info("open-delay cut short: stopping");
        }
    }

    @Override
    public void put(SensorData data) throws InterruptedException, RetriableException, UnrecoverableException {
        attempts.incrementAndGet();
        if (!unrecoverable.isEmpty()) {
            throw new UnrecoverableException(unrecoverable);
        }
        String missing = context.config().getString("missing-class");
        if (!missing.isEmpty()) { // as a plugin without a jar it needs
            throw new NoClassDefFoundError(missing);
        }
        if (unavailable) {
            throw new RetriableException("destination unavailable (on purpose)");
        }
        calls++;
        if (failEvery > 0 && calls % failEvery == 0) {
            throw new IllegalStateException("failing on purpose (call " + calls + ")");
        }
        if (deafToInterrupts) {
            waitThroughInterrupts();
        } else if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        received.add(SequenceSource.sequenceOf((BytesData) data));
    }

    /** Waits for {@link #deafUntil}, as a node stuck in a call that takes no interrupt; keeps the interrupt. */
    private static void waitThroughInterrupts() {
        boolean interrupted = false;
        while (true) {
            try {
                deafUntil.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Its provider, type {@code test-collector}. */
    public static final class Provider implements NodeProvider {
        @Override
        public String type() {
            return "test-collector";
        }

        @Override
        public NodeKind kind() {
            return NodeKind.SINK;
        }

        @Override
        public String description() {
            return "records what it receives (tests)";
        }

        @Override
        public List<Setting> settings() {
            return List.of(Setting.optional("delay", SettingType.DURATION, "time spent on each message"),
                    Setting.optional("deaf-to-interrupts", SettingType.BOOLEAN, "wait, though interrupted, until the test counts deafUntil down"),
                    Setting.optional("fail-every", SettingType.INT, "throw on every n-th message; 0 never"),
                    Setting.optional("unavailable", SettingType.BOOLEAN, "throw RetriableException on every message"),
                    Setting.optional("open-delay", SettingType.DURATION, "wait in open(), less when stopping"),
                    Setting.optional("unrecoverable", SettingType.STRING, "stop for good with this at the first message"),
                    Setting.optional("missing-class", SettingType.STRING, "fail with NoClassDefFoundError(this) at each message"));
        }

        @Override
        public Node create(NodeContext context) {
            return new CollectingSink(context);
        }
    }
}

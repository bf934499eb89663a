package org.msight.runtime.testnodes;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msight.api.EndOfInputException;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SourceNode;
import org.msight.api.UnrecoverableException;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;

/**
 * Test source: publishes BytesData carrying 1, 2, 3, ... up to {@code count}, at {@code interval};
 * then finishes, or idles. May fail to open for good.
 */
public final class SequenceSource implements SourceNode {

    /** What each source's context said of {@code nodesOfType()}, by node name. */
    public static final Map<String, Integer> NODES_OF_TYPE = new ConcurrentHashMap<>();

    private final NodeContext context;
    private final long count;
    private final long intervalNanos;
    private final boolean finish;
    private final String unrecoverable;
    private long next = 1;

    SequenceSource(NodeContext context) {
        this.context = context;
        this.count = context.config().getLong("count");
        if (count < 0) {
            throw new IllegalArgumentException("count: must be 0 or more, was " + count);
        }
        this.intervalNanos = context.config().getDuration("interval").toNanos();
        this.finish = context.config().getBoolean("finish");
        this.unrecoverable = context.config().getString("unrecoverable");
        NODES_OF_TYPE.put(context.nodeName(), context.nodesOfType());
    }

    @Override
    public void open() throws UnrecoverableException {
        if (!unrecoverable.isEmpty()) {
            throw new UnrecoverableException(unrecoverable);
        }
        String missing = context.config().getString("missing-method");
        if (!missing.isEmpty()) { // as a plugin built against another msight-api
            throw new NoSuchMethodError(missing);
        }
    }

    /** The sequence number a message carries. */
    public static long sequenceOf(BytesData data) {
        return ByteBuffer.wrap(data.data()).getLong();
    }

    @Override
    public void poll() throws InterruptedException, EndOfInputException {
        if (next > count && finish) {
            throw new EndOfInputException("the sequence ended after " + count);
        }
        if (next > count) {
            Thread.sleep(20);
            return;
        }
        long sequence = next++;
        context.publish(() -> new BytesData(context.newMetadata(Metadata.now()),
                ByteBuffer.allocate(8).putLong(sequence).array()));
        if (intervalNanos > 0) {
            Thread.sleep(intervalNanos / 1_000_000, (int) (intervalNanos % 1_000_000));
        }
    }

    /** Its provider, type {@code test-sequence}. */
    public static final class Provider implements NodeProvider {
        @Override
        public String type() {
            return "test-sequence";
        }

        @Override
        public NodeKind kind() {
            return NodeKind.SOURCE;
        }

        @Override
        public String description() {
            return "publishes numbered BytesData (tests)";
        }

        @Override
        public List<Setting> settings() {
            return List.of(Setting.optional("count", SettingType.INT, "how many messages"),
                    Setting.optional("interval", SettingType.DURATION, "pause between messages"),
                    Setting.optional("finish", SettingType.BOOLEAN, "end after the last message"),
                    Setting.optional("unrecoverable", SettingType.STRING, "fail to open for good with this"),
                    Setting.optional("missing-method", SettingType.STRING, "fail to open with NoSuchMethodError(this)"));
        }

        @Override
        public Node create(NodeContext context) {
            return new SequenceSource(context);
        }
    }
}

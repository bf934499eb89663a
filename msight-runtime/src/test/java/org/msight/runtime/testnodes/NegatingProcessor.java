package org.msight.runtime.testnodes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.ProcessorNode;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/**
 * Test processor: republishes each sequence number negated, keeping the metadata; with
 * {@code fail-unpublished}, throws when a result was not published, and with
 * {@code publish-at-open-and-close} publishes 0 as it opens and closes, as a batching processor flushes.
 */
public final class NegatingProcessor implements ProcessorNode {

    private final NodeContext context;
    private final long delayMillis;
    private final boolean failUnpublished;
    private final boolean publishAtOpenAndClose;

    NegatingProcessor(NodeContext context) {
        this.context = context;
        this.delayMillis = context.config().getDuration("delay").toMillis();
        this.failUnpublished = context.config().getBoolean("fail-unpublished");
        this.publishAtOpenAndClose = context.config().getBoolean("publish-at-open-and-close");
    }

    @Override
    public void open() {
        if (publishAtOpenAndClose) {
            publish(new Metadata("negate", 0, 0, 0, "open"), 0);
        }
    }

    @Override
    public void process(SensorData data) throws InterruptedException, IOException {
        Thread.sleep(delayMillis);
        if (!publish(data.metadata(), -SequenceSource.sequenceOf((BytesData) data)) && failUnpublished) {
            throw new IOException("publish failed");
        }
    }

    @Override
    public void close() {
        if (publishAtOpenAndClose) {
            publish(new Metadata("negate", 0, 0, 0, "close"), 0);
        }
    }

    private boolean publish(Metadata metadata, long number) {
        return context.publish(() -> new BytesData(metadata, ByteBuffer.allocate(8).putLong(number).array()));
    }

    /** Its provider, type {@code test-negate}. */
    public static final class Provider implements NodeProvider {
        @Override
        public String type() {
            return "test-negate";
        }

        @Override
        public NodeKind kind() {
            return NodeKind.PROCESSOR;
        }

        @Override
        public String description() {
            return "negates sequence numbers (tests)";
        }

        @Override
        public List<Setting> settings() {
            return List.of(Setting.optional("fail-to-create", SettingType.BOOLEAN,
                    "throw an unexpected exception from create, as a buggy plugin would"),
                    Setting.optional("delay", SettingType.DURATION, "time spent on each message"),
                    Setting.optional("fail-unpublished", SettingType.BOOLEAN,
                            "throw an IOException when a result was not published"),
                    Setting.optional("publish-at-open-and-close", SettingType.BOOLEAN,
                            "publish 0 as it opens and as it closes"));
        }

        @Override
        public Node create(NodeContext context) {
            if (context.config().getBoolean("fail-to-create")) {
                throw new IllegalStateException("a bug in the plugin");
            }
            return new NegatingProcessor(context);
        }
    }
}

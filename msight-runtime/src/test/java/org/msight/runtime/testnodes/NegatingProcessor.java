package org.msight.runtime.testnodes;

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
import org.msight.api.data.SensorData;

/** Test processor: republishes each sequence number negated, keeping the metadata. */
public final class NegatingProcessor implements ProcessorNode {

    private final NodeContext context;
    private final long delayMillis;

    NegatingProcessor(NodeContext context) {
        this.context = context;
        this.delayMillis = context.config().getDuration("delay").toMillis();
    }

    @Override
    public void process(SensorData data) throws InterruptedException {
        Thread.sleep(delayMillis);
        long negated = -SequenceSource.sequenceOf((BytesData) data);
        context.publish(() -> new BytesData(data.metadata(), ByteBuffer.allocate(8).putLong(negated).array()));
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
                    Setting.optional("delay", SettingType.DURATION, "time spent on each message"));
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

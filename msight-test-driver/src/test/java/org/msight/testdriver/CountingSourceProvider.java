package org.msight.testdriver;

import java.util.List;
import org.msight.api.EndOfInputException;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SourceNode;
import org.msight.api.data.BytesData;
import org.msight.api.data.Metadata;

/** A source of {@code count} messages, frame ids 1 to count, then the end of its input. */
public final class CountingSourceProvider implements NodeProvider {

    @Override
    public String type() {
        return "test-counting-source";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SOURCE;
    }

    @Override
    public String description() {
        return "counts";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.required("count", SettingType.INT, "messages to offer").atLeast(1));
    }

    @Override
    public Node create(NodeContext context) {
        int count = context.config().getInt("count");
        return new SourceNode() {
            private long frame;

            @Override
            public void poll() throws EndOfInputException {
                if (frame == count) {
                    throw new EndOfInputException("counted to " + count);
                }
                long id = ++frame;
                context.publish(() -> new BytesData(new Metadata("s", id, id, id, "d"), new byte[] {(byte) id}));
            }
        };
    }
}

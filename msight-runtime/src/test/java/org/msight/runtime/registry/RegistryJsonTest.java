package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RegistryJsonTest {

    @Test
    void heartbeatsAreWrittenAsPythonWritesFloats() throws IOException {
        NodeRecord node = new NodeRecord("rtsp_node", "edge-01", "rtsp_topic", null, "rtsp-receiver", 1763353393.0,
                NodeStatus.RUNNING);
        assertThat(RegistryJson.write(node)).contains("\"last_heartbeat\":1763353393.0,");
        NodeRecord later = node.beat(1763353393.866798, NodeStatus.RUNNING);
        assertThat(RegistryJson.write(later)).contains("\"last_heartbeat\":1763353393.866798,");
        assertThat(RegistryJson.node("rtsp_node", RegistryJson.write(later))).isEqualTo(later);
    }
}

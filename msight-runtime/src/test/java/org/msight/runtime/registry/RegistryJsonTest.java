package org.msight.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RegistryJsonTest {

    @Test
    void entriesAreWrittenAsPythonsJsonDumpsWritesThem() throws IOException {
        NodeRecord node = new NodeRecord("rtsp_node", "edge-01", "rtsp_topic", null, "RTSPSourceNode", 1763353393.0,
                NodeStatus.RUNNING, null, Double.NaN);
        assertThat(RegistryJson.write(node)).isEqualTo("{\"name\": \"rtsp_node\", \"device\": \"edge-01\","
                + " \"publish_topic\": \"rtsp_topic\", \"subscribe_topic\": null, \"type\": \"RTSPSourceNode\","
                + " \"last_heartbeat\": 1763353393.0, \"status\": \"RUNNING\"}");
        NodeRecord later = node.beat(1763353393.866798, NodeStatus.RUNNING).writtenBy("abc", 10);
        assertThat(RegistryJson.write(later)).endsWith(" \"last_heartbeat\": 1763353393.866798, \"status\": \"RUNNING\","
                + " \"instance_id\": \"abc\", \"stale_after\": 10.0}");
        assertThat(RegistryJson.node("rtsp_node", RegistryJson.write(later))).isEqualTo(later);
        assertThat(RegistryJson.write(new TopicRecord("caf\u00e9", "d", null)))
                .isEqualTo("{\"name\": \"caf\\u00e9\", \"description\": \"d\", \"data_type\": null}");
    }
}

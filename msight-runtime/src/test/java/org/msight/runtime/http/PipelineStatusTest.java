package org.msight.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.msight.runtime.registry.NodeRecord;
import org.msight.runtime.registry.NodeStatus;
import org.msight.runtime.registry.TopicRecord;

class PipelineStatusTest {

    @Test
    void theRegistryReadsAsTheShapeOfNodes() throws Exception {
        PipelineStatus status = PipelineStatus.ofRegistry(
                List.of(new NodeRecord("rtsp_node", "edge-01", "rtsp_topic", null, "rtsp-receiver", 1764600000.5,
                        NodeStatus.RUNNING, null, Double.NaN)),
                List.of(new TopicRecord("rtsp_topic", "published by rtsp_node", "msight_core.data.image.ImageData")));
        assertThat(PipelineStatus.JSON.writeValueAsString(status)).isEqualTo("{\"nodes\":[{\"name\":\"rtsp_node\","
                + "\"type\":\"rtsp-receiver\",\"state\":\"RUNNING\",\"publish_topic\":\"rtsp_topic\","
                + "\"last_heartbeat\":1.7646000005E9,\"device\":\"edge-01\",\"stale\":true,"
                + "\"this_runtime\":false}],\"topics\":[{\"name\":\"rtsp_topic\","
                + "\"data_type\":\"msight_core.data.image.ImageData\",\"description\":\"published by rtsp_node\"}]}");
    }
}

package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.msight.plugins.natsbus.JetStreamTopics.consumerOf;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The names of JetStream's durable consumers. */
class JetStreamTopicsTest {

    /** A group's name is as it was: a group resumes where it stood. */
    @Test
    void aGroupsConsumerHasItsNameEscaped() {
        assertThat(consumerOf("uploaders")).isEqualTo("uploaders");
        assertThat(consumerOf("team.uploaders v2")).isEqualTo("team_2Euploaders_20v2");
    }

    /** A node without a group has a consumer of its own on each device, which no other node or device has. */
    @Test
    void aNodeWithoutAGroupHasAConsumerOfItsOwnOnItsDevice() {
        assertThat(consumerOf("archiver", "edge-01")).isEqualTo("archiver@edge-01");
        assertThat(consumerOf("rtsp_uploader", "edge_01")).isEqualTo("rtsp_uploader@edge_01");
        assertThat(consumerOf("team uploader", "edge.01")).isEqualTo("team%20uploader@edge%2E01");
        assertThat(Set.of(consumerOf("a.b", "d"), consumerOf("a_2Eb", "d"), consumerOf("a%2Eb", "d"),
                consumerOf("a@b", "c"), consumerOf("a", "b@c"), consumerOf("a"))).hasSize(6);
    }
}

package org.msight.plugins.natsbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.msight.plugins.natsbus.JetStreamTopics.consumerOf;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.msight.api.bus.Subscription;
import org.msight.runtime.bus.Inbox;

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

    /**
     * A node's consumer past the 255 characters JetStream takes (device-name may have 256, each
     * escaped byte 3) is refused where it is named, saying whose it is and what to do: the server
     * refused it only at start, naming neither.
     */
    @Test
    void aNodesConsumerPastTheLengthJetStreamTakesIsRefusedNamingTheNodeAndTheDevice() {
        assertThat(consumerOf("n", "d".repeat(253))).hasSize(255);
        assertThatThrownBy(() -> consumerOf("n", "d".repeat(254))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(": 256 characters (");
        String device = "\u00e9dge".repeat(30); // é is 2 bytes, each written as 3 characters
        assertThatThrownBy(() -> consumerOf("uploader", device)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node uploader has no group, so with JetStream its consumer is named after it and"
                        + " msight.device-name '" + device + "': 279 characters (a space, '.', '%', '@', and a byte past"
                        + " ASCII, among others, written as 3 each), past the 255 JetStream takes; give the node a"
                        + " group-id, or the device a shorter msight.device-name (MSIGHT_EDGE_DEVICE_NAME)");
    }

    /**
     * A group's consumer past the 255 characters JetStream takes is refused where it is named,
     * saying which group-id and what to do: the server refused it only at start, naming no group.
     */
    @Test
    void aGroupsConsumerPastTheLengthJetStreamTakesIsRefusedNamingTheGroupId() {
        assertThat(consumerOf("g".repeat(255))).hasSize(255);
        String group = "team." + "g".repeat(250); // 255 characters, '.' written as 3
        assertThatThrownBy(() -> consumerOf(group)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("group-id '" + group + "' names the group's JetStream consumer: 257 characters (a space,"
                        + " '.', and a byte past ASCII, among others, written as 3 each), past the 255 JetStream takes;"
                        + " give the group a shorter group-id, on each of its nodes");
        Subscription member = new Subscription("t", "uploader", Optional.of(group), new Inbox(1));
        assertThatThrownBy(() -> consumerOf(member, "d")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("group-id '" + group + "'");
    }
}

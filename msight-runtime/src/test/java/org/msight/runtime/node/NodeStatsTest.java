package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.msight.api.NodeKind;

class NodeStatsTest {

    @Test
    void attemptsOfAnAsynchronousSinkAreTimedPerNode() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, registry);
        assertThat(registry.find("msight.sink.attempt").timer()).as("made on the first attempt only").isNull();

        stats.attemptTook(TimeUnit.MILLISECONDS.toNanos(3));
        stats.attemptTook(TimeUnit.MILLISECONDS.toNanos(7));

        Timer attempts = registry.get("msight.sink.attempt").tag("node", "upload").timer();
        assertThat(attempts.count()).isEqualTo(2);
        assertThat(attempts.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(10.0);
    }

    /** A delivery settling after its node ended (abandoned at stop, say) does not bring the node back. */
    @Test
    void aNodeThatEndedStaysEnded() {
        NodeStats stats = new NodeStats("upload", NodeKind.SINK, new SimpleMeterRegistry());
        stats.outage("away");
        stats.ended(NodeStats.State.STOPPED, null);
        stats.running();
        stats.outage("away again");
        assertThat(stats.state()).isEqualTo(NodeStats.State.STOPPED);
        assertThat(stats.outageSince()).isNull();
        assertThat(stats.lastError()).isEqualTo("away");
    }
}

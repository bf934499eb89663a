package org.msight.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.slf4j.event.Level;

class TestNodeContextTest {

    @Test
    void configIsTheResolvedBlockOverTheTypesDefaults() {
        TestNodeContext context = TestNodeContext.of("test-type",
                "name = ${?MSIGHT_TESTKIT_NEVER_SET}, path = ${PATH}, extra = 1");
        assertThat(context.config().getInt("size")).isEqualTo(3);
        assertThat(context.config().getString("name")).isEqualTo("default");
        assertThat(context.config().getString("path")).isEqualTo(System.getenv("PATH"));
        assertThat(context.config().getInt("extra")).isEqualTo(1);
    }

    @Test
    void everyOfferIsBuiltAndKeptInOrderButNull() throws Exception {
        // gap is the runtime's business: a block's gap changes nothing here
        TestNodeContext context = TestNodeContext.of("test-type", "gap = 2");
        for (long frame = 1; frame <= 3; frame++) {
            long id = frame;
            assertThat(context.publish(() -> message(id))).as("offer %d", frame).isTrue();
        }
        assertThat(context.publish(() -> null)).isFalse();
        assertThat(context.published()).extracting(data -> data.metadata().frameId()).containsExactly(1L, 2L, 3L);
        assertThat(context.awaitPublished(SensorData.class, 3, Duration.ZERO)).isEqualTo(context.published());
    }

    @Test
    void awaitPublishedWaitsForAnotherThreadAndFailsNamingTheShortfall() throws Exception {
        TestNodeContext context = TestNodeContext.of("test-type", "");
        Thread publisher = new Thread(() -> context.publish(() -> message(1)));
        publisher.start();
        assertThat(context.awaitPublished(SensorData.class, 1, Waits.GENEROUS)).hasSize(1);
        publisher.join();
        assertThatThrownBy(() -> context.awaitPublished(SensorData.class, 2, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("expected 2 published messages within PT0.05S, got 1");
    }

    @Test
    void countersAreKeptByNameAndLinesRecordedFormatted() {
        RecordingLogger log = new RecordingLogger("node");
        TestNodeContext context = TestNodeContext.of("test-type", "").withLogger(log);
        context.counter("sent").increment();
        context.counter("sent").increment(2);
        context.logger().debug("sent {} of {}", 3, 4);
        context.logger().warn("lost", new IllegalStateException("away"));
        assertThat(context.count("sent")).isEqualTo(3);
        assertThat(context.count("never")).isZero();
        assertThat(log.lines()).containsExactly(new RecordingLogger.Line(Level.DEBUG, "sent 3 of 4"),
                new RecordingLogger.Line(Level.WARN, "lost java.lang.IllegalStateException: away"));
        assertThat(log.all()).isEqualTo("DEBUG sent 3 of 4\nWARN lost java.lang.IllegalStateException: away");
    }

    private static SensorData message(long frameId) {
        return new SensorData(new Metadata("cam", 1.0, 2.0, frameId, "edge"));
    }
}

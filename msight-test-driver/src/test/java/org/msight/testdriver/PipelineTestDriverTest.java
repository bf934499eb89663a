package org.msight.testdriver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.msight.api.data.BytesData;
import org.msight.api.data.SensorData;
import org.msight.runtime.config.PipelineConfigException;
import org.msight.testkit.Waits;

class PipelineTestDriverTest {

    @Test
    void runsTheNodesOnTheRuntimesLoopsWithGapAndKeepsWhatTheListenedTopicCarries() throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start(
                "nodes.source { type = test-counting-source, count = 30, publish-topic = numbers, gap = 2 }", "numbers")) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
            List<BytesData> messages = driver.await("numbers", BytesData.class, 10, Waits.GENEROUS);
            assertThat(messages).extracting(m -> m.metadata().frameId()).containsExactly(3L, 6L, 9L, 12L, 15L, 18L,
                    21L, 24L, 27L, 30L);
            assertThat(driver.totals("source")).containsEntry("in", 30L).containsEntry("out", 10L);
        }
    }

    @Test
    void listenersSeeEveryMessageWithoutKeepingIt() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (PipelineTestDriver driver = PipelineTestDriver.start(
                "nodes.source { type = test-counting-source, count = 5, publish-topic = numbers }",
                Map.of("numbers", (SensorData message) -> seen.incrementAndGet()))) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
        }
        assertThat(seen).hasValue(5); // closing drains the listener's inbox
    }

    @Test
    void aBadBlockIsTheLoadersProblemWithTheLineOfTheTestsText() {
        assertThatThrownBy(() -> PipelineTestDriver.start("""
                nodes.source {
                  type = test-counting-source, publish-topic = numbers
                  count = 0
                }""", "numbers"))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("pipeline.conf:3: nodes.source.count");
    }

    @Test
    void waitingForMoreThanCameFailsWithTheCount() throws Exception {
        try (PipelineTestDriver driver = PipelineTestDriver.start(
                "nodes.source { type = test-counting-source, count = 2, publish-topic = numbers }", "numbers")) {
            driver.awaitSourcesFinished(Waits.GENEROUS);
            driver.await("numbers", SensorData.class, 2, Waits.GENEROUS);
            assertThatThrownBy(() -> driver.await("numbers", SensorData.class, 3, Duration.ofMillis(200)))
                    .isInstanceOf(AssertionError.class).hasMessage("expected 3 messages on 'numbers' within PT0.2S, got 2");
        }
    }
}

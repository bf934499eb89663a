package org.msight.runtime.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.PipelineSpec;

class BusesTest {

    @TempDir
    Path dir;

    /** A bus asks for a counter by name where it counts (each subscriber its own): all of them reach the metrics. */
    @Test
    void aBusCounterAskedForAgainIsTheOneInTheMetrics() throws Exception {
        PipelineSpec spec = TestPipelines.load(TestPipelines.write(dir, "pipeline.conf", """
                msight { bus = loopback, registry.enabled = false }
                nodes.src { type = test-sequence, publish-topic = t, count = 1 }
                """)).spec();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<ConfigProblem> problems = new ArrayList<>();
        try (Buses buses = Buses.create(spec, MsightCodec.withBuiltInTypes(), meters, problems)) {
            assertThat(problems).isEmpty();
            for (int i = 0; i < 3; i++) {
                buses.of("t").publish("t", new SensorData(Metadata.create("cam", "edge", Metadata.now())));
            }
            // while the bus holds its counters: the meter holds them weakly
            assertThat(meters.get("msight.bus.published").tag("bus", "loopback").functionCounter().count())
                    .isEqualTo(3);
        }
    }
}

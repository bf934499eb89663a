package org.msight.runtime.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.bus.Delivery;
import org.msight.api.bus.Receiver;
import org.msight.api.bus.Subscription;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.codec.MsightCodec;
import org.msight.runtime.TestPipelines;
import org.msight.runtime.config.ConfigProblem;
import org.msight.runtime.config.PipelineSpec;
import org.msight.runtime.testnodes.LoopbackBus;
import org.msight.testkit.LogCapture;
import org.slf4j.event.Level;

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
        Buses buses = Buses.create(spec, MsightCodec.withBuiltInTypes(), meters, problems);
        try {
            assertThat(problems).isEmpty();
            for (int i = 0; i < 3; i++) {
                buses.of("t").publish("t", new SensorData(Metadata.create("cam", "edge", Metadata.now())));
            }
            // while the bus holds its counters: the meter holds them weakly
            assertThat(meters.get("msight.bus.published").tag("bus", "loopback").functionCounter().count())
                    .isEqualTo(3);
        } finally {
            buses.close();
        }
    }

    /**
     * A bus whose close fails as a plugin missing a class does (a NoClassDefFoundError) is said,
     * and the buses after it are closed: the error ended the close, and the pipeline's stop with
     * it, before the registry and the meters were closed.
     */
    @Test
    void aBusWhoseCloseThrowsALinkageErrorIsSaidAndTheOthersAreClosed() throws Exception {
        PipelineSpec spec = TestPipelines.load(TestPipelines.write(dir, "pipeline.conf", """
                msight {
                  topics { frames { bus = loopback } }
                  loopback.port = %d
                  registry.enabled = false
                }
                nodes {
                  src { type = test-sequence, publish-topic = frames }
                  neg { type = test-negate, subscribe-topic = frames, publish-topic = local }
                  sink { type = test-collector, subscribe-topic = local }
                }
                """.formatted(LoopbackBus.CLOSE_FAILS))).spec();
        assertThat(spec.buses().keySet()).as("closed in this order").containsExactly("loopback", "memory");
        Buses buses = Buses.create(spec, MsightCodec.withBuiltInTypes(), new SimpleMeterRegistry(), new ArrayList<>());
        List<Delivery> received = new CopyOnWriteArrayList<>();
        buses.subscribe(new Subscription("local", "sink", Optional.empty(), new Receiver() {
            @Override
            public void deliver(Delivery delivery) {
                received.add(delivery);
            }

            @Override
            public int remainingCapacity() {
                return 1;
            }

            @Override
            public void countMalformed() {
            }
        }));
        try (LogCapture log = LogCapture.of(Buses.LOGGER_PREFIX + "loopback")) {
            buses.close();
            assertThat(log.messages(Level.WARN)).containsExactly(
                    "close failed: java.lang.NoClassDefFoundError: org/example/Gone (on purpose)");
        }
        buses.of("local").publish("local", new SensorData(Metadata.create("cam", "edge", Metadata.now())));
        assertThat(received).as("the memory bus, closed, has no subscriber left").isEmpty();
    }
}

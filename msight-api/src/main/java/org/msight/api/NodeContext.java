package org.msight.api;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.msight.api.data.Metadata;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/** What the runtime hands a node: who it is, its settings, and the way to publish. */
public interface NodeContext {

    /** The node's name: its key under {@code nodes} in the pipeline file. */
    String nodeName();

    /** The edge device this runs on ({@code msight.device-name}). */
    String deviceName();

    /** The sensor name of a source ({@code sensor-name}); empty for processors and sinks. */
    Optional<String> sensorName();

    /**
     * The node's block, with the plugin's defaults filled in; validated against
     * {@link NodeProvider#settings()} before the node is created.
     */
    Config config();

    /** A logger whose lines carry the node's name. */
    Logger logger();

    /**
     * MSight's MessagePack and JSON forms of a message, with every data type of the pipeline's
     * plugins: what a sink writes when its destination expects MSight's bytes.
     */
    MsightFormats formats();

    /**
     * How many nodes of this node's type the pipeline runs in this process, this one included: for
     * nodes that share the machine's cores with their peers, such as video decoders choosing their
     * threads. This default, for a context of one node alone, is 1.
     */
    default int nodesOfType() {
        return 1;
    }

    /** A counter of the node's own, reported in its throughput line under {@code name}. */
    Counter counter(String name);

    /**
     * Offers one message to the node's publish topic. For sources the offer counts against
     * {@code gap}: {@code message} is called, and its result published, only for the offers gap
     * lets through, so expensive work (JPEG encoding) is done only for published messages.
     * Processors publish every result. A message the bus cannot take now (its server away, its
     * buffer full) is lost, counted, for a source; for a processor publishing in {@code process}, on
     * its thread, the runtime keeps the input, unacknowledged whatever {@code process} then does, and
     * hands it over again once the bus can take messages (after a backoff if it cannot for a second),
     * so the results published before that one are published again: at least once. A message the bus
     * refuses alone (too large for its server), or one a processor publishes from {@code open},
     * {@code close} or another thread, is lost, counted. The input is kept only while the bus says
     * it cannot take more: a result it took into its buffer and lost later, or whose publish failed
     * for a reason it does not report so, is counted as lost, its input done.
     *
     * @return whether the message was built and published; in {@code process}, {@code false} without
     *     trying for every later result of an input once one found the bus unable to take it
     */
    boolean publish(Supplier<? extends SensorData> message);

    /**
     * Waits {@code duration}, or less once the pipeline is stopping: for a node's own waits, such
     * as a delay before its first message, which must not hold up a stop. This default, for
     * contexts that never stop, waits the whole duration.
     *
     * @return whether the whole duration passed; {@code false} when the pipeline is stopping
     * @throws InterruptedException when the node's thread is interrupted
     */
    default boolean pauseUnlessStopping(Duration duration) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        return true;
    }

    /**
     * Metadata for a new message of this node: its sensor name (none for a processor, which
     * usually keeps its input's metadata instead) and device name, the given capture time, the
     * creation time now and a fresh frame id.
     *
     * @param captureTimestamp POSIX seconds when the data was captured
     */
    default Metadata newMetadata(double captureTimestamp) {
        return Metadata.create(sensorName().orElse(null), deviceName(), captureTimestamp);
    }
}

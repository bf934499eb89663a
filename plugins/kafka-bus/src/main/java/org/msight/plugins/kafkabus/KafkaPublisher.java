package org.msight.plugins.kafkabus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.msight.api.Counter;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * The producer every publishing node of the process shares: asynchronous and batched (the
 * producer's I/O thread sends while node threads go on). Messages wait for the brokers in the
 * producer's buffer of {@code buffer-size} bytes; a message is handed over only while the buffer
 * has room for one more batch, so a publishing thread never waits for brokers that are away or
 * slow: {@link #canCarry()} says no, sources skip encoding, and what is refused is lost. Messages
 * the brokers never acknowledge (past {@code delivery-timeout}) or refuse are counted as
 * {@code lost} or {@code too-large}.
 */
final class KafkaPublisher implements AutoCloseable {

    private final KafkaSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final Outage outage;
    private final Counter lost;
    private final Counter tooLarge;
    private final Set<String> tooLargeLogged = ConcurrentHashMap.newKeySet();
    private volatile Producer<byte[], byte[]> producer;
    private volatile Metric bufferAvailable;

    KafkaPublisher(KafkaSettings settings, MsightFormats formats, Logger log, Counter lost, Counter tooLarge) {
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.lost = lost;
        this.tooLarge = tooLarge;
        this.outage = new Outage(log, "Publishing to Kafka at " + settings.describe());
    }

    /** Creates the producer; it connects in the background. */
    void start(String clientId) {
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(settings.producerProperties(clientId),
                new ByteArraySerializer(), new ByteArraySerializer());
        bufferAvailable = created.metrics().entrySet().stream()
                .filter(metric -> metric.getKey().name().equals("buffer-available-bytes"))
                .map(java.util.Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("the Kafka producer has no buffer-available-bytes"));
        producer = created;
    }

    /**
     * Whether the buffer has room for another batch. The producer takes a batch's whole size from
     * its buffer for a batch of one message, and waits when there is none: only a free batch
     * keeps a publish from waiting.
     */
    boolean canCarry() {
        return producer != null && available() >= settings.batchSize();
    }

    private long available() {
        return ((Number) bufferAvailable.metricValue()).longValue();
    }

    /** Hands the message to the producer; {@code false} when the buffer is full (or not started). */
    boolean publish(String topic, SensorData data) {
        Producer<byte[], byte[]> current = producer;
        if (current == null) {
            return false;
        }
        if (!canCarry()) {
            outage.down("its buffer of " + settings.bufferSize() + " bytes is full: the brokers are away or slower"
                    + " than the sources; messages are lost until they catch up");
            return false;
        }
        byte[] value = formats.toMessagePack(data);
        String sensor = data.metadata().sensorName();
        byte[] key = settings.sensorNameKey() && sensor != null ? sensor.getBytes(StandardCharsets.UTF_8) : null;
        try {
            current.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> completed(topic, value.length,
                    failure));
            return true;
        } catch (KafkaException | IllegalStateException e) { // closed meanwhile
            return false;
        }
    }

    /** On the producer's I/O thread: keep it short. */
    private void completed(String topic, int bytes, Exception failure) {
        if (failure == null) {
            if (available() > settings.bufferSize() / 2) { // not at every acknowledgement of a buffer that stays full
                outage.up();
            }
        } else if (failure instanceof RecordTooLargeException) {
            tooLarge.increment();
            if (tooLargeLogged.add(topic)) {
                log.warn(Failures.tooLarge(topic, bytes, settings.maxRequestSize()));
            }
        } else {
            lost.increment();
            outage.down(Failures.describe(settings, failure));
        }
    }

    /** Sends what is waiting, at most {@code timeout}, then closes; what is left is lost. */
    void close(Duration timeout) {
        Producer<byte[], byte[]> current = producer;
        producer = null;
        if (current != null) {
            current.close(timeout);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}

package org.msight.plugins.kafkabus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.msight.api.Counter;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * The producer every publishing node of the process shares: asynchronous and batched (the
 * producer's I/O thread sends while node threads go on). The bus counts the bytes handed over
 * and not yet acknowledged; at {@code buffer-size} it takes no more, so a publishing thread
 * never waits for brokers that are away or slow: {@link #canCarry()} says no, sources skip
 * encoding, and what is refused is lost. Messages the brokers never acknowledge (past
 * {@code delivery-timeout}) or refuse are counted as {@code lost} or {@code too-large}.
 */
final class KafkaPublisher implements AutoCloseable {

    private final KafkaSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final Outage outage;
    private final Counter lost;
    private final Counter tooLarge;
    private final AtomicLong waitingBytes = new AtomicLong();
    private final Set<String> tooLargeLogged = ConcurrentHashMap.newKeySet();
    private volatile Producer<byte[], byte[]> producer;

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
        producer = new KafkaProducer<>(settings.producerProperties(clientId), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Whether the buffer takes another message now. */
    boolean canCarry() {
        return producer != null && waitingBytes.get() < settings.bufferSize();
    }

    /** Hands the message to the producer; {@code false} when the buffer is full (or not started). */
    boolean publish(String topic, SensorData data) {
        Producer<byte[], byte[]> current = producer;
        if (current == null || waitingBytes.get() >= settings.bufferSize()) {
            if (current != null) {
                outage.down("its buffer of " + settings.bufferSize() + " bytes is full: the brokers are away or"
                        + " slower than the sources; messages are lost until they catch up");
            }
            return false;
        }
        byte[] value = formats.toMessagePack(data);
        String sensor = data.metadata().sensorName();
        byte[] key = settings.sensorNameKey() && sensor != null ? sensor.getBytes(StandardCharsets.UTF_8) : null;
        waitingBytes.addAndGet(value.length);
        try {
            current.send(new ProducerRecord<>(topic, key, value),
                    (metadata, failure) -> completed(topic, value.length, failure));
            return true;
        } catch (KafkaException | IllegalStateException e) { // closed, or a serialization problem
            waitingBytes.addAndGet(-value.length);
            return false;
        }
    }

    /** On the producer's I/O thread: keep it short. */
    private void completed(String topic, int bytes, Exception failure) {
        long waiting = waitingBytes.addAndGet(-bytes);
        if (failure == null) {
            if (waiting < settings.bufferSize() / 2) { // not at every acknowledgement of a buffer that stays full
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

package org.msight.plugins.kafkabus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.msight.api.Counter;
import org.msight.api.DaemonThreads;
import org.msight.api.OutageLog;
import org.msight.api.data.MsightFormats;
import org.msight.api.data.SensorData;
import org.slf4j.Logger;

/**
 * The producer every publishing node of the process shares: asynchronous and batched (the
 * producer's I/O thread sends while node threads go on). A publishing thread never waits for
 * brokers that are away or slow: it leaves each message in a short queue, from which one thread
 * of the bus hands messages to the producer, the only one to wait when the producer does (for a
 * topic's partitions, which it asks the brokers for again after losing them). Messages then wait
 * for the brokers in the producer's buffer of {@code buffer-size} bytes. While the queue is full,
 * or the buffer has no room for one more batch, {@link #canCarry()} says no, sources skip
 * encoding, and what is refused is lost. Messages the brokers never acknowledge (past
 * {@code delivery-timeout}) or refuse are counted as {@code lost} or {@code too-large}.
 */
final class KafkaPublisher implements AutoCloseable {

    private static final int QUEUE = 64;

    private final KafkaSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final String side;
    private final OutageLog outage;
    private final Counter lost;
    private final Counter tooLarge;
    private final Set<String> tooLargeLogged = ConcurrentHashMap.newKeySet();
    /**
     * About 2 s of frames at 30/s: what comes while the producer asks for a new topic's partitions
     * (100-300 ms on an idle broker, seconds on a loaded one) waits rather than being lost.
     */
    private final BlockingQueue<ProducerRecord<byte[], byte[]>> queue = new ArrayBlockingQueue<>(QUEUE);
    private Thread sender;
    /** Set by the sender when closing stopped it with a message in hand, which the producer never took. */
    private volatile boolean senderDropped;
    private volatile Producer<byte[], byte[]> producer;
    private volatile Metric bufferAvailable;

    KafkaPublisher(KafkaSettings settings, MsightFormats formats, Logger log, Counter lost, Counter tooLarge,
            Counter reconnects) {
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.lost = lost;
        this.tooLarge = tooLarge;
        this.side = "Publishing to Kafka at " + settings.describe();
        this.outage = new OutageLog(log, side + " works again", reconnects);
    }

    /** Creates the producer; it connects in the background. */
    void start(String clientId) {
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(settings.producerProperties(clientId),
                new ByteArraySerializer(), new ByteArraySerializer());
        bufferAvailable = ClientMetrics.find(created.metrics(), "producer-metrics", "buffer-available-bytes")
                .orElseThrow(() -> new IllegalStateException("the Kafka producer has no buffer-available-bytes"));
        producer = created;
        sender = DaemonThreads.start("msight-kafka-producer", () -> sendQueued(created));
    }

    private void sendQueued(Producer<byte[], byte[]> producer) {
        try {
            while (true) {
                ProducerRecord<byte[], byte[]> record = queue.take();
                int bytes = record.value().length;
                try {
                    producer.send(record, (metadata, failure) -> completed(record.topic(), bytes, failure));
                } catch (KafkaException | IllegalStateException e) {
                    if (this.producer == null) { // closed (or interrupted) meanwhile
                        senderDropped = true;
                        return;
                    }
                    completed(record.topic(), bytes, e); // refused by the producer itself: lost, and the sender goes on
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /**
     * Whether the queue takes a message and the buffer has room for another batch; when not, an
     * outage starts (logged once). The producer takes a batch's whole size from
     * its buffer for a batch of one message, and waits when there is none: only a free batch
     * keeps a publish from waiting.
     */
    boolean canCarry() {
        if (producer == null) {
            return false;
        }
        if (queue.remainingCapacity() > 0 && available() >= settings.batchSize()) {
            return true;
        }
        full();
        return false;
    }

    private long available() {
        return ((Number) bufferAvailable.metricValue()).longValue();
    }

    /** Hands the message to the producer; {@code false} when the buffer is full (or not started). */
    boolean publish(String topic, SensorData data) {
        if (!canCarry()) {
            return false;
        }
        byte[] value = formats.toMessagePack(data);
        String sensor = data.metadata().sensorName();
        byte[] key = settings.sensorNameKey() && sensor != null ? sensor.getBytes(StandardCharsets.UTF_8) : null;
        if (!queue.offer(new ProducerRecord<>(topic, key, value))) {
            full();
            return false;
        }
        return true;
    }

    private void full() {
        outage.down(side + " fails: " + (queue.remainingCapacity() == 0 ? "its queue of " + QUEUE + " messages for the"
                + " producer is full: the producer waits (up to max-block) for room or for a topic's partitions (a"
                + " topic the brokers do not have and do not create?)" : "its buffer of " + settings.bufferSize()
                + " bytes is full: the brokers are away or slower than the sources") + "; messages are lost until it"
                + " catches up");
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
            outage.down(side + " fails: " + Failures.describe(settings, failure));
        }
    }

    /**
     * Sends what waits in the producer, at most {@code timeout}, then closes; what is left is
     * lost, and what never reached the producer is counted as lost, with a line.
     */
    void close(Duration timeout) {
        Producer<byte[], byte[]> current = producer;
        producer = null;
        if (current != null) {
            sender.interrupt();
            try {
                sender.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int unsent = queue.size() + (senderDropped ? 1 : 0);
            queue.clear();
            if (unsent > 0) {
                lost.increment(unsent);
                log.warn("{} message(s) still queued for the Kafka producer at close were not sent (counted as lost)",
                        unsent);
            }
            current.close(timeout);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}

package org.msight.plugins.kafkabus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
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
 * brokers that are away or slow: it leaves each message in a short queue of its topic, from which
 * a thread of the bus for that topic hands messages to the producer, the only one to wait when
 * the producer does (for the topic's partitions, which it asks the brokers for again after losing
 * them). So a topic the brokers do not have holds up only its own messages. Messages then wait
 * for the brokers in the producer's buffer of {@code buffer-size} bytes. While the buffer has no
 * room for one more batch {@link #canCarry()} says no, and while a topic's queue is full
 * {@link #canCarry(String)} says no for that topic: sources skip encoding, and what they would
 * publish is refused. What is refused is lost. Messages the brokers never
 * acknowledge (past {@code delivery-timeout}) or refuse are counted as {@code lost} or
 * {@code too-large}.
 */
final class KafkaPublisher implements AutoCloseable {

    private static final int QUEUE = 64;
    /** Queued by close behind a topic's messages: its sender ends once it has handed them to the producer. */
    private static final ProducerRecord<byte[], byte[]> END = new ProducerRecord<>("", new byte[0]);
    /**
     * What close keeps for the producer to send what the senders handed it, after they stop (a
     * topic's sender may wait for its partitions until then) and they notice the interrupt.
     */
    private static final Duration SEND_AT_CLOSE = Duration.ofSeconds(3);
    /**
     * What close keeps for the producer alone, however long a sender takes to notice the interrupt
     * (one may never: a send held up in an interceptor the properties name that ignores it).
     */
    private static final Duration PRODUCER_AT_CLOSE = Duration.ofSeconds(1);
    /** How long a topic's sender pauses after a failure its handling did not survive: the heap a moment to empty. */
    private static final long LAST_RESORT_PAUSE_MILLIS = 1000;

    private final KafkaSettings settings;
    private final MsightFormats formats;
    private final Logger log;
    private final String side;
    /** The buffer's outage; each topic has its own, so that one topic failing for good hides no other outage. */
    private final OutageLog outage;
    private final Counter reconnects;
    private final Counter lost;
    private final Counter tooLarge;
    private final Set<String> tooLargeLogged = ConcurrentHashMap.newKeySet();
    /** The sender of each topic published to so far; one thread each, as many as the pipeline's topics. */
    private final Map<String, TopicSender> senders = new ConcurrentHashMap<>();
    private volatile Producer<byte[], byte[]> producer;
    private volatile Metric bufferAvailable;
    /** The answers the producer has had from the brokers, of any request. */
    private volatile Metric responses;
    /** {@link #responses()} when the buffer was last found full. */
    private volatile long responsesWhenFull;

    KafkaPublisher(KafkaSettings settings, MsightFormats formats, Logger log, Counter lost, Counter tooLarge,
            Counter reconnects) {
        this.settings = settings;
        this.formats = formats;
        this.log = log;
        this.lost = lost;
        this.tooLarge = tooLarge;
        this.side = "Publishing to Kafka at " + settings.describe();
        this.outage = new OutageLog(log, side + " works again", reconnects);
        this.reconnects = reconnects;
    }

    /** Creates the producer; it connects in the background. */
    void start(String clientId) {
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(settings.producerProperties(clientId),
                new ByteArraySerializer(), new ByteArraySerializer());
        bufferAvailable = ClientMetrics.find(created.metrics(), "producer-metrics", "buffer-available-bytes")
                .orElseThrow(() -> new IllegalStateException("the Kafka producer has no buffer-available-bytes"));
        responses = ClientMetrics.find(created.metrics(), "producer-metrics", "response-total")
                .orElseThrow(() -> new IllegalStateException("the Kafka producer has no response-total"));
        producer = created;
    }

    /**
     * Whether the buffer has room for another batch; when not, an outage starts (logged once).
     * The producer takes a batch's whole size from its buffer for a batch of one message, and
     * waits when there is none: only a free batch keeps a publish from waiting.
     */
    boolean canCarry() {
        if (producer == null) {
            return false;
        }
        if (available() >= settings.batchSize()) {
            return true;
        }
        responsesWhenFull = responses();
        outage.down(side + " fails: its buffer of " + settings.bufferSize() + " bytes is full: the brokers are away"
                + " or slower than the sources; messages are lost until it catches up");
        return false;
    }

    /** Whether the buffer has room for another batch and {@code topic}'s queue for another message. */
    boolean canCarry(String topic) {
        TopicSender sender = senders.get(topic);
        return canCarry() && (sender == null || sender.hasRoom());
    }

    /** Why the buffer, or else a topic, is in an outage. */
    Optional<String> outage() {
        return outage.reason().or(() -> senders.values().stream().map(sender -> sender.outage.reason())
                .flatMap(Optional::stream).findFirst());
    }

    /**
     * Ends the outages that only a message's success would end, where none is coming: a topic's
     * whose messages failed in a way the brokers' return may end (given up after delivery-timeout,
     * or max-block without its partitions) and that nothing was published to since (an events
     * topic, a node stopped), and the buffer's, emptied by messages given up; once the producer has
     * heard from the brokers since (an answer to any request: its metadata's after a reconnection).
     * A topic the brokers refuse, or do not have, stays in its outage until a message to it
     * succeeds. Called by the bus every second.
     */
    void endOutagesNoMessageWillEnd() {
        if (producer == null) {
            return;
        }
        long answered = responses();
        for (TopicSender sender : senders.values()) {
            if (sender.unfinished.get() == 0 && sender.awaitsBrokers && answered > sender.responsesWhenFailed) {
                sender.outage.up();
            }
        }
        if (available() > settings.bufferSize() / 2 && answered > responsesWhenFull) {
            outage.up();
        }
    }

    /** How many answers the producer has had from the brokers so far (its metadata's, its sends'). */
    private long responses() {
        return ((Number) responses.metricValue()).longValue();
    }

    private long available() {
        return ((Number) bufferAvailable.metricValue()).longValue();
    }

    /** Queues the message for the producer; {@code false} when the buffer or the topic's queue is full (or closed). */
    boolean publish(String topic, SensorData data) {
        if (!canCarry()) {
            return false;
        }
        TopicSender sender = senders.get(topic);
        if (sender == null && (sender = newSender(topic)) == null) {
            return false;
        }
        if (!sender.hasRoom()) { // refused before its bytes are made
            return false;
        }
        byte[] value = formats.toMessagePack(data);
        String sensor = data.metadata().sensorName();
        byte[] key = settings.sensorNameKey() && sensor != null ? sensor.getBytes(StandardCharsets.UTF_8) : null;
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value);
        sender.unfinished.incrementAndGet(); // counted off by its outcome
        if (!sender.queue.offer(record)) { // filled by another node meanwhile
            sender.unfinished.decrementAndGet();
            return sender.full();
        }
        // closed meanwhile, after its queue was emptied: refused, not silently left there
        return producer != null || !sender.queue.remove(record);
    }

    /** The topic's sender, started now; {@code null} once closed. Locked so that close sees every sender. */
    private synchronized TopicSender newSender(String topic) {
        Producer<byte[], byte[]> current = producer;
        return current == null ? null : senders.computeIfAbsent(topic, name -> new TopicSender(name, current));
    }

    /**
     * A message's outcome, on the producer's I/O thread: keep it short. Failures and successes
     * are the topic's outage; a buffer no longer full ends the buffer's.
     */
    private void completed(TopicSender sender, int bytes, long responsesAtSend, Throwable failure) {
        try {
            if (failure != null && !(failure instanceof RecordTooLargeException)) { // before the count: then it is idle
                long answered = responses();
                // the brokers away; not a topic whose partitions they did not give while they answered (a
                // topic they lack), but one the producer forgot (idle 5 min) while they answered nothing
                sender.awaitsBrokers = failure instanceof RetriableException
                        && !(Failures.noPartitions(failure) && answered > responsesAtSend);
                sender.responsesWhenFailed = answered;
            }
        } finally { // counted though the heap ran out above: a message never counted kept its topic's outage for good
            sender.unfinished.decrementAndGet();
            if (failure != null) {
                (failure instanceof RecordTooLargeException ? tooLarge : lost).increment();
            }
        }
        if (failure == null) {
            sender.outage.up();
            if (available() > settings.bufferSize() / 2) { // not at every acknowledgement of a buffer that stays full
                outage.up();
            }
        } else if (failure instanceof RecordTooLargeException) {
            if (tooLargeLogged.add(sender.topic)) {
                log.warn(Failures.tooLarge(sender.topic, bytes, settings.maxRequestSize()));
            }
        } else {
            sender.outage.down(side + " fails for topic '" + sender.topic + "': "
                    + Failures.describe(settings, failure));
        }
    }

    /**
     * Refuses new messages, lets each topic's sender hand what its queue holds to the producer
     * until {@link #SEND_AT_CLOSE} before {@code end}, then stops those still at it, waiting for
     * them until {@link #PRODUCER_AT_CLOSE} before {@code end} at most, and the producer sends what
     * it holds until {@code end} and closes: what it could not send is lost, and what never reached
     * it is counted as lost, with a line.
     */
    void close(Deadline end) {
        Producer<byte[], byte[]> current;
        List<TopicSender> stopping;
        synchronized (this) {
            current = producer;
            producer = null;
            stopping = List.copyOf(senders.values());
        }
        if (current == null) {
            return;
        }
        stopping.forEach(sender -> sender.queue.offer(END)); // a full queue: its sender sees the producer gone
        joinAll(stopping, end.before(SEND_AT_CLOSE));
        stopping.forEach(sender -> sender.thread.interrupt()); // still waiting for a topic's partitions, or for room
        joinAll(stopping, end.before(PRODUCER_AT_CLOSE));
        current.close(end.left());
        int unsent = 0;
        for (TopicSender sender : stopping) { // counted once the producer is closed: a send it refused has said so
            List<ProducerRecord<byte[], byte[]>> left = new ArrayList<>();
            sender.queue.drainTo(left); // taken at once: a sender released meanwhile finds none of them to send
            left.remove(END); // left by a sender that ended on its queue emptied first
            Outcome inHand = sender.inHand;
            // the message a sender held as it stopped, or holds still (past the interrupt), unless it was told
            unsent += left.size() + (inHand != null && inHand.claim() ? 1 : 0);
        }
        if (unsent > 0) {
            lost.increment(unsent);
            log.warn("{} message(s) still queued for the Kafka producer at close were not sent (counted as lost)",
                    unsent);
        }
    }

    /** Waits for the senders' threads to end, until {@code end}. */
    private static void joinAll(List<TopicSender> senders, Deadline end) {
        for (TopicSender sender : senders) {
            try {
                sender.thread.join(Math.max(1, end.left().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        close(KafkaBus.closeDeadline());
    }

    /**
     * A message's outcome, told once: by the producer, or by its sender when the send threw (it
     * may have told the producer's callback first), or counted as lost by close when the producer
     * never took the message.
     */
    private final class Outcome extends AtomicBoolean implements Callback {
        private final TopicSender sender;
        private final int bytes;
        /** {@link #responses()} as the message was handed to the producer. */
        private final long responsesAtSend = responses();

        Outcome(TopicSender sender, int bytes) {
            this.sender = sender;
            this.bytes = bytes;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception failure) {
            told(failure);
        }

        void told(Throwable failure) {
            if (claim()) {
                completed(sender, bytes, responsesAtSend, failure);
            }
        }

        /** Whether the caller is the one to tell the outcome: the first to ask, the producer, its sender or close. */
        boolean claim() {
            return compareAndSet(false, true);
        }
    }

    /**
     * One topic's queue, and the thread that hands its messages to the producer and alone waits
     * when the producer does.
     */
    private final class TopicSender {

        /**
         * About 2 s of frames at 30/s: what comes while the producer asks for the topic's partitions
         * (100-300 ms on an idle broker, seconds on a loaded one) waits rather than being lost.
         */
        final BlockingQueue<ProducerRecord<byte[], byte[]>> queue = new ArrayBlockingQueue<>(QUEUE);
        final String topic;
        /** This topic's outage: its queue full, or its messages failing. */
        final OutageLog outage;
        final Thread thread;
        private final LastResort lastResort;
        /**
         * The outcome of the message last taken from the queue. Not told yet once the producer is
         * closed, the producer never took it (the close interrupted its send, or the send is held
         * up still): close counts it as lost, and told later it counts nothing more.
         */
        volatile Outcome inHand;
        /** Messages queued or handed to the producer, without an outcome yet. */
        final AtomicInteger unfinished = new AtomicInteger();
        /** {@link #responses()} when a message last failed, or the queue was last full. */
        volatile long responsesWhenFailed;
        /** Whether the last failure was the brokers' absence, which their answering again ends. */
        volatile boolean awaitsBrokers;

        TopicSender(String topic, Producer<byte[], byte[]> producer) {
            this.topic = topic;
            this.outage = new OutageLog(log, side + " works again for topic '" + topic + "'", reconnects);
            String lastLine = side + " fails for topic '" + topic + "': a message is lost, its sender failing as it"
                    + " handled it (the heap running out?)";
            this.lastResort = new LastResort(() -> outage.down(lastLine));
            this.thread = DaemonThreads.start("msight-kafka-producer-" + topic, () -> sendQueued(producer));
        }

        /** Whether the queue has room for a message; when not, the topic's outage starts (logged once). */
        boolean hasRoom() {
            return queue.remainingCapacity() > 0 || full();
        }

        /**
         * Starts (or goes on with) the topic's outage: its queue is full.
         *
         * @return {@code false}: the message is refused
         */
        boolean full() {
            awaitsBrokers = false; // the producer waits for the topic's partitions: its messages say how that ends
            responsesWhenFailed = responses();
            outage.down(side + " fails for topic '" + topic + "': its queue of " + QUEUE + " messages is full: the"
                    + " producer waits (up to max-block) for the topic's partitions (a topic the brokers do not have"
                    + " and do not create?) or for room; messages to it are lost until it catches up");
            return false;
        }

        private void sendQueued(Producer<byte[], byte[]> producer) {
            while (true) {
                ProducerRecord<byte[], byte[]> record = null;
                Outcome outcome = null;
                try {
                    // closing: what is queued, then it ends, at END or at a queue emptied first
                    record = KafkaPublisher.this.producer == null ? queue.poll() : queue.take();
                    if (record == null || record == END) {
                        return;
                    }
                    outcome = new Outcome(this, record.value().length);
                    inHand = outcome;
                    try {
                        producer.send(record, outcome);
                    } catch (RuntimeException | Error e) { // the producer's refusals, the heap running out
                        if (Thread.currentThread().isInterrupted()) { // stopped by close: counted there, as inHand
                            return;
                        }
                        outcome.told(e); // lost, and the sender goes on: this topic's only thread
                    }
                } catch (InterruptedException e) {
                    return; // closing
                } catch (Throwable e) { // making the outcome or telling it failed (the heap running out again): lost
                    if (record != null && outcome == null) { // no outcome to count it: counted here
                        unfinished.decrementAndGet();
                        lost.increment();
                    }
                    lastResort.failed();
                    try {
                        Thread.sleep(LAST_RESORT_PAUSE_MILLIS);
                    } catch (InterruptedException closing) {
                        return;
                    }
                }
            }
        }
    }
}

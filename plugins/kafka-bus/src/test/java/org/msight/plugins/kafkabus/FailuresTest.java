package org.msight.plugins.kafkabus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketException;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.DisconnectException;
import org.junit.jupiter.api.Test;
import org.msight.testkit.TestBusContext;

class FailuresTest {

    /** A broker's or client's message can neither forge a log line nor send escape sequences to a terminal. */
    @Test
    void aFailureIsOneEscapedLine() {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "").config());
        KafkaException failure = new KafkaException("refused\r\u001b[2Jforged\nsecond line");
        assertThat(Failures.describe(settings, failure)).endsWith("KafkaException: refused\\r\\u001b[2Jforged");
        assertThat(Failures.rootCause(new KafkaException("Failed to construct kafka producer", failure)))
                .isEqualTo("refused\\r\\u001b[2Jforged");
    }

    /** A failure of the JDK's (a connection reset, a file it may not read) is said in its words, without its class. */
    @Test
    void anIoFailureIsSaidInWords() {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "").config());
        assertThat(Failures.describe(settings, new ExecutionException(new SocketException("Connection reset"))))
                .isEqualTo("Kafka at [localhost:9092]: Connection reset");
        assertThat(Failures.describe(settings, new AccessDeniedException("/etc/msight/ca.pem")))
                .isEqualTo("Kafka at [localhost:9092]: /etc/msight/ca.pem: permission denied");
    }

    /** A commit that failed as the coordinator went away names why, not the client's advice to retry. */
    @Test
    void aRetriableFailureSaysTheBrokersAreUnavailableAndWhy() {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "").config());
        assertThat(Failures.describe(settings, new RetriableCommitFailedException(
                new DisconnectException("Node 1 disconnected."))))
                .isEqualTo("Kafka at [localhost:9092] is unavailable (Node 1 disconnected.)");
    }

    /** A broker restarting failed a commit with an exception without a message: its class says what, not "null". */
    @Test
    void aRetriableFailureWithoutAMessageIsNamedByItsClass() {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "").config());
        assertThat(Failures.describe(settings, new RetriableCommitFailedException(new DisconnectException())))
                .isEqualTo("Kafka at [localhost:9092] is unavailable (DisconnectException)");
    }

    /** A topic's partitions not coming is the brokers away, or a topic they do not have: not only "does not answer". */
    @Test
    void aTopicWithoutPartitionsNamesBothCauses() {
        KafkaSettings settings = KafkaSettings.from(TestBusContext.of("kafka", "").config());
        assertThat(Failures.describe(settings, new org.apache.kafka.common.errors.TimeoutException(
                "Topic frames not present in metadata after 5000 ms.")))
                .isEqualTo("Kafka at [localhost:9092] gives no partitions for the topic (Topic frames not present in"
                        + " metadata after 5000 ms.): the brokers are away, or do not have the topic and do not create"
                        + " it (auto.create.topics.enable)");
    }
}

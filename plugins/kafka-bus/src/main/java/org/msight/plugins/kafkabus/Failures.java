package org.msight.plugins.kafkabus;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.InvalidSessionTimeoutException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.PemTls;
import org.msight.api.Setting;

/** Kafka client failures as one line each, naming the setting that fixes them. */
final class Failures {

    private Failures() {
    }

    /** Why the brokers cannot be used, from the check at start or a failed request. */
    static String describe(KafkaSettings settings, Throwable failure) {
        Throwable cause = failure instanceof ExecutionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String brokers = "Kafka at " + settings.describe();
        if (cause instanceof SaslAuthenticationException) { // without msight.kafka.sasl, the login is the properties'
            return brokers + " refused the SASL login (" + firstLine(cause) + "): check " + (settings.saslMechanism()
                    .isEmpty() ? "sasl.jaas.config and sasl.mechanism in msight.kafka.properties"
                    : "msight.kafka.sasl (MSIGHT_KAFKA_SASL_MECHANISM, MSIGHT_KAFKA_SASL_USERNAME,"
                    + " MSIGHT_KAFKA_SASL_PASSWORD, MSIGHT_KAFKA_SASL_OAUTH_TOKEN)");
        }
        if (cause instanceof SslAuthenticationException) { // its reason starts "TLS: ": the servers alone, as NATS and Redis
            return "Kafka at " + settings.servers() + ": "
                    + PemTls.handshakeFailure(cause).map(tls -> LogSafe.text(IoFailures.reason(tls)))
                    .orElse("TLS: " + firstLine(cause))
                    + "; check msight.kafka.tls (MSIGHT_KAFKA_USE_TLS, MSIGHT_KAFKA_TLS_*)";
        }
        if (cause instanceof InvalidSessionTimeoutException) { // the brokers' range, 6 s to 30 min unless set otherwise
            return brokers + " refuses session-timeout " + Setting.written(settings.sessionTimeout()) + " ("
                    + firstLine(cause) + "): set msight.kafka.session-timeout within the brokers' range (6s to 30m by"
                    + " default)";
        }
        if (noPartitions(cause)) {
            return brokers + " gives no partitions for the topic (" + firstLine(cause) + "): the brokers are away,"
                    + " or do not have the topic and do not create it (auto.create.topics.enable)";
        }
        if (cause instanceof TimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
            String detail = cause.getMessage() == null ? "no answer within "
                    + Setting.written(settings.connectTimeout()) : firstLine(cause);
            return doesNotAnswer(settings, detail);
        }
        if (cause instanceof RetriableException) { // a coordinator or leader away or moving: a broker outage
            return brokers + " is unavailable (" + rootCause(cause) + ")";
        }
        if (cause instanceof IOException io) { // the JDK's: its words, without its class (SocketException: ...)
            return brokers + ": " + LogSafe.text(IoFailures.describe(io));
        }
        return brokers + ": " + cause.getClass().getSimpleName() + ": " + firstLine(cause);
    }

    /** Whether a message failed for want of its topic's partitions: the brokers away, or without the topic. */
    static boolean noPartitions(Throwable failure) {
        return failure instanceof UnknownTopicOrPartitionException || failure instanceof TimeoutException
                && String.valueOf(failure.getMessage()).contains("not present in metadata");
    }

    /** No broker answered at start: {@code failure} is why the last server tried could not be connected to. */
    static String unreachable(KafkaSettings settings, IOException failure) {
        return doesNotAnswer(settings, LogSafe.text(IoFailures.reason(failure)));
    }

    private static String doesNotAnswer(KafkaSettings settings, String detail) {
        return "Kafka at " + settings.describe() + " does not answer (" + detail + "): check msight.kafka.servers"
                + " (MSIGHT_KAFKA_SERVERS) and that the brokers run";
    }

    /**
     * A server at a bootstrap address that does not answer a Kafka request as a broker does
     * ({@code detail}): another kind of server at a mistyped port, or a broker's TLS listener.
     */
    static String notABroker(String server, String detail) {
        return "The server at " + server + " does not answer as a Kafka broker (" + detail + "): check the port in"
                + " msight.kafka.servers (MSIGHT_KAFKA_SERVERS), or set msight.kafka.tls.enabled"
                + " (MSIGHT_KAFKA_USE_TLS) if it is a broker's TLS listener";
    }

    /**
     * A message the brokers refuse for its size: what to raise. {@code maxRequestSize} is the
     * producer's limit; the brokers' is {@code message.max.bytes}.
     */
    static String tooLarge(String topic, int bytes, int maxRequestSize) {
        return "A message of " + bytes + " bytes on topic '" + topic + "' is larger than Kafka takes:"
                + " raise msight.kafka.max-request-size (the producer's max.request.size, now " + maxRequestSize
                + ") and the brokers' message.max.bytes (or the topic's max.message.bytes), 1 MB by default;"
                + " such messages are lost and counted as too-large";
    }

    /**
     * Why a client could not be created, or the brokers are away: the innermost cause, one line
     * ({@link IoFailures#rootReason}).
     */
    static String rootCause(Throwable failure) {
        return firstLine(IoFailures.rootReason(failure));
    }

    /** The first line of a failure's message, fit to be logged ({@link LogSafe}); its class's name when it has none. */
    private static String firstLine(Throwable failure) {
        return firstLine(failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName());
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return LogSafe.text(end < 0 ? text : text.substring(0, end));
    }
}

package org.msight.plugins.kafkabus;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.RecordMetadata;

/** A producer interceptor of the tests, which act in {@code onSend} only. */
abstract class SendInterceptor implements ProducerInterceptor<byte[], byte[]> {

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}

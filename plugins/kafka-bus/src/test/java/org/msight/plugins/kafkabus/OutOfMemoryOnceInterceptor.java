package org.msight.plugins.kafkabus;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A producer interceptor that throws an {@link OutOfMemoryError} at the first send once
 * {@link #ARMED}, as the heap running out inside the producer's send does: the producer's own
 * wrapper of interceptors catches exceptions only, so the error reaches the caller of send.
 */
public final class OutOfMemoryOnceInterceptor extends SendInterceptor {

    /** Whether the next send throws. */
    static final AtomicBoolean ARMED = new AtomicBoolean();

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (ARMED.compareAndSet(true, false)) {
            throw new OutOfMemoryError("Java heap space (on purpose, in a test)");
        }
        return record;
    }
}

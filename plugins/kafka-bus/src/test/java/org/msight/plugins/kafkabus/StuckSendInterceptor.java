package org.msight.plugins.kafkabus;

import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A producer interceptor that holds up a send to the topic {@link #holdUp} names until
 * {@link #release}, ignoring interrupts (it interrupts itself again once released): a topic's
 * sender that does not stop when the close interrupts it.
 */
public final class StuckSendInterceptor extends SendInterceptor {

    private static volatile String topic;
    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch released = new CountDownLatch(1);

    /** Holds up the sends to {@code held} from now on. */
    static void holdUp(String held) {
        entered = new CountDownLatch(1);
        released = new CountDownLatch(1);
        topic = held;
    }

    /** Whether a send is held up. */
    static boolean holding() {
        return entered.getCount() == 0;
    }

    /** Lets the sends held up go on. */
    static void release() {
        released.countDown();
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (record.topic().equals(topic)) {
            entered.countDown();
            boolean interrupted = false;
            while (released.getCount() > 0) {
                try {
                    released.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return record;
    }
}

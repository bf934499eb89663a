package org.msight.plugins.kafkabus;

import java.util.Locale;
import org.msight.api.Counter;
import org.slf4j.Logger;

/**
 * One side of the bus (publishing, or one subscription's commits) that can lose the brokers:
 * logs the first failure of an outage with its reason, and its duration when it ends, counting a
 * reconnect. Thread-safe.
 */
final class Outage {

    private final Logger log;
    private final String what;
    private final Counter reconnects;
    private long since = -1;

    /**
     * @param what the side, as it starts a log line: {@code Publishing to Kafka [h:9092]}
     * @param reconnects counts the outages that ended
     */
    Outage(Logger log, String what, Counter reconnects) {
        this.log = log;
        this.what = what;
        this.reconnects = reconnects;
    }

    /** Notes a failure; logs it when it starts an outage. */
    synchronized void down(String reason) {
        if (since < 0) {
            since = System.nanoTime();
            log.warn("{} fails: {}; retrying", what, reason);
        }
    }

    /** Notes a success; logs the outage's duration when one ends. */
    synchronized void up() {
        if (since >= 0) {
            log.info("{} works again after {} s", what,
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9));
            since = -1;
            reconnects.increment();
        }
    }
}

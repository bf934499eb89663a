package org.msight.plugins.natsbus;

import java.time.Duration;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.bus.Subscription;
import org.slf4j.Logger;

/**
 * Says that the process ran out of memory handing a message to a subscription (a burst of large
 * messages on a small heap), and what to change: at most once a minute, with how many times since
 * the last line.
 */
final class OutOfMemoryLines {

    private final Logger log;
    private final LogThrottle lines = new LogThrottle(Duration.ofMinutes(1));

    OutOfMemoryLines(Logger log) {
        this.log = log;
    }

    /** @param outcome what became of the message, and of the subscription */
    void occurred(Subscription subscription, OutOfMemoryError e, String outcome) {
        long times = lines.occurred();
        if (times > 0) {
            log.warn("this process ran out of memory ({}) handing a message of topic '{}' to node {}{}: {}. Give the"
                    + " process a larger heap (MSIGHT_JAVA_OPTS=-Xmx512m), or lower node {}'s queue-max-bytes,"
                    + " queue-capacity or max-in-flight", LogSafe.text(e.getMessage()),
                    LogSafe.text(subscription.topic()), subscription.nodeName(),
                    times == 1 ? "" : " (" + times + " times since the last such line)", outcome,
                    subscription.nodeName());
        }
    }
}

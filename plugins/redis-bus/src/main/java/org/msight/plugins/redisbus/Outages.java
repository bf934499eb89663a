package org.msight.plugins.redisbus;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.msight.api.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs Redis outages once: the first connection of a bus that loses Redis logs why, and the last
 * one to get it back logs how long it was gone and counts a reconnect.
 */
final class Outages {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);

    private final Set<String> down = new HashSet<>();
    private final Counter reconnects;
    private long since;

    /** @param reconnects counts the outages that ended */
    Outages(Counter reconnects) {
        this.reconnects = reconnects;
    }

    /** @param connection which connection lost Redis, such as {@code publisher} */
    synchronized void down(String connection, String reason) {
        if (down.isEmpty()) {
            since = System.nanoTime();
            LOG.warn("{}; retrying", reason);
        }
        down.add(connection);
    }

    synchronized void up(String connection) {
        if (down.remove(connection) && down.isEmpty()) {
            reconnects.increment();
            LOG.info("Redis connection restored after {} s",
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9));
        }
    }
}

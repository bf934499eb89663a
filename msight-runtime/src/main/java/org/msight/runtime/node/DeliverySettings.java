package org.msight.runtime.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.msight.api.Backoff;

/**
 * How the runtime delivers the messages of an asynchronous sink, from the node's block over
 * {@code msight.async-sink-defaults}.
 *
 * @param maxInFlight attempts under way at once, 1 to {@link #MAX_IN_FLIGHT}
 * @param retries attempts after the first for a retriable failure
 * @param backoff the wait before each retry, jittered
 * @param attemptTimeout the deadline of one whole attempt
 * @param spool where messages wait on disk while the destination is away; empty for no spool
 * @param spoolMaxBytes the spool's size limit
 */
public record DeliverySettings(int maxInFlight, int retries, Backoff backoff, Duration attemptTimeout,
        Optional<Path> spool, long spoolMaxBytes) {

    /** The most attempts under way a node may ask for (2147483647 once meant 1470 threads and 735 MB). */
    public static final int MAX_IN_FLIGHT = org.msight.api.AsyncSinkNode.MAX_IN_FLIGHT;

    /** The smallest spool: one segment of a few frames. */
    public static final long MIN_SPOOL_BYTES = 1 << 20;

    /** The same settings without a spool: a pipeline only checked leaves the spool's directory alone. */
    public DeliverySettings withoutSpool() {
        return new DeliverySettings(maxInFlight, retries, backoff, attemptTimeout, Optional.empty(), spoolMaxBytes);
    }

    /**
     * Reads and checks the settings.
     *
     * @throws IllegalArgumentException naming the key of a bad value
     */
    public static DeliverySettings from(Config block) {
        try {
            int maxInFlight = block.getInt("max-in-flight");
            if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
                throw new IllegalArgumentException("max-in-flight: must be 1 to " + MAX_IN_FLIGHT + ", was " + maxInFlight);
            }
            int retries = block.getInt("retries");
            if (retries < 0) {
                throw new IllegalArgumentException("retries: must be 0 or more, was " + retries);
            }
            Duration initial = positive(block, "retry-backoff.initial");
            Duration max = positive(block, "retry-backoff.max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("retry-backoff.max: must not be below retry-backoff.initial");
            }
            String spool = block.getString("spool.path").trim();
            long spoolMaxBytes = block.getBytes("spool.max-size");
            if (spoolMaxBytes < MIN_SPOOL_BYTES) {
                throw new IllegalArgumentException("spool.max-size: must be at least 1 MiB");
            }
            return new DeliverySettings(maxInFlight, retries, Backoff.jittered(initial, max),
                    positive(block, "attempt-timeout"), spool.isEmpty() ? Optional.empty() : Optional.of(Path.of(spool)),
                    spoolMaxBytes);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^.*?: \\d+: ", ""), e);
        }
    }

    private static Duration positive(Config block, String key) {
        Duration value = block.getDuration(key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + ": must be more than 0");
        }
        return value;
    }
}

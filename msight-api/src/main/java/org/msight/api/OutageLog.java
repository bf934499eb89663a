package org.msight.api;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The outages of a connection, or of connections that share one (a bus's publisher and
 * subscriber): one warning when an outage starts, with why, and one line when it ends, with how
 * long it lasted, however many retries it took; every outage that ended is counted. The one way
 * buses (and the runtime's registry) log a server that goes away and comes back; a node's own
 * failures and a sink's deliveries have lines of their own, with attempts and messages given up.
 *
 * <pre>{@code
 * OutageLog outages = new OutageLog(log, "Redis connection restored", reconnects);
 * outages.down("publisher", "Redis unreachable at 127.0.0.1:6379 (Connection refused)");
 * // WARN  Redis unreachable at 127.0.0.1:6379 (Connection refused); retrying
 * outages.up("publisher");
 * // INFO  Redis connection restored after 4.2 s
 * }</pre>
 */
public final class OutageLog {

    private static final String ONLY = "";

    private final Logger log;
    private final String restored;
    private final Counter ended;
    /** The parts down, each with its latest reason, the latest last. */
    private final Map<String, String> down = new LinkedHashMap<>();
    private long since;

    /**
     * @param restored the start of the line an outage's end logs, completed with {@code after <s> s}
     * @param ended counts the outages that ended (a bus's reconnects)
     */
    public OutageLog(Logger log, String restored, Counter ended) {
        this.log = log;
        this.restored = restored;
        this.ended = ended;
    }

    /** Notes that the connection failed; logs {@code <reason>; retrying} when that starts an outage. */
    public void down(String reason) {
        down(ONLY, reason);
    }

    /** Notes that the connection works; logs the outage's end and duration when one ends. */
    public void up() {
        up(ONLY);
    }

    /**
     * Notes that connection {@code part} failed; logs {@code <reason>; retrying} when no other
     * part was down already.
     */
    public synchronized void down(String part, String reason) {
        if (down.isEmpty()) {
            since = System.nanoTime();
            log.warn("{}; retrying", reason);
        }
        down.remove(part); // put again: its reason becomes the latest
        down.put(part, String.valueOf(reason));
    }

    /**
     * Notes that connection {@code part} is closed for good, down or not (nothing needs it any
     * more): an outage it was in goes on while another part is down, and otherwise ends without a
     * line or a count, as nothing was restored.
     */
    public synchronized void forget(String part) {
        down.remove(part);
    }

    /** The latest reason of a part still down, for status output; empty when no part is. */
    public synchronized Optional<String> reason() {
        String latest = null;
        for (String reason : down.values()) {
            latest = reason;
        }
        return Optional.ofNullable(latest);
    }

    /** Whether an outage is under way: a part is down. */
    public synchronized boolean inOutage() {
        return !down.isEmpty();
    }

    /** Notes that connection {@code part} works; the outage ends when no part is down any more. */
    public synchronized void up(String part) {
        if (down.remove(part) != null && down.isEmpty()) {
            ended.increment();
            log.info("{} after {} s", restored, String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9));
        }
    }
}

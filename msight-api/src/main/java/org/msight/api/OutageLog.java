package org.msight.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The outages of a connection, or of connections that share one (a bus's publisher and
 * subscriber): one warning when an outage starts, with why, and one line when it ends, with how
 * long it lasted, however many retries it took; every outage that ended is counted. The one way
 * buses (and the runtime's registry) log a server that goes away and comes back; a node's own
 * failures and a sink's deliveries have lines of their own, with attempts and messages given up.
 *
 * <p>A reason that changes while the outage lasts (the server is back but refuses the password)
 * gets a line too, {@code <reason>; still retrying}, at most once a minute per outage (a change
 * within the minute is said after it, if it still holds), so a reason that flaps is no flood.
 * Numbers and what a reason says in parentheses are its details of the moment (which error the
 * socket gave, how long a request waited): a reason that differs from the one logged only in those
 * is no change, so a caller puts there what varies from retry to retry. Connections down for
 * reasons of their own have each reason said once, not in turns.
 *
 * <pre>{@code
 * OutageLog outages = new OutageLog(log, "Redis connection restored", reconnects);
 * outages.down("publisher", "Redis unreachable at 127.0.0.1:6379 (Connection refused)");
 * // WARN  Redis unreachable at 127.0.0.1:6379 (Connection refused); retrying
 * outages.down("publisher", "Redis at 127.0.0.1:6379 requires a password: set msight.redis.password ...");
 * // WARN  Redis at 127.0.0.1:6379 requires a password: set msight.redis.password ...; still retrying
 * outages.up("publisher");
 * // INFO  Redis connection restored after 4.2 s
 * }</pre>
 */
public final class OutageLog {

    private static final String ONLY = "";
    /** The least time between two lines of an outage's changed reason. */
    private static final Duration CHANGES = Duration.ofMinutes(1);

    private final Logger log;
    private final String restored;
    private final Counter ended;
    private final LongSupplier clock;
    /** The parts down, each with its latest reason, the latest last. */
    private final Map<String, String> down = new LinkedHashMap<>();
    /** The gist of each part's reason the latest line told, if one did. */
    private final Map<String, String> told = new HashMap<>();
    /** The gist of the reason the outage's latest line gave. */
    private String lastLine;
    private LogThrottle changes;
    private long since;

    /**
     * @param restored the start of the line an outage's end logs, completed with {@code after <s> s}
     * @param ended counts the outages that ended (a bus's reconnects)
     */
    public OutageLog(Logger log, String restored, Counter ended) {
        this(log, restored, ended, System::nanoTime);
    }

    OutageLog(Logger log, String restored, Counter ended, LongSupplier nanoClock) {
        this.log = log;
        this.restored = restored;
        this.ended = ended;
        this.clock = nanoClock;
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
     * part was down already, and {@code <reason>; still retrying} when the reason is new to the
     * outage's lines (at most once a minute).
     */
    public synchronized void down(String part, String reason) {
        String text = String.valueOf(reason);
        String gist = gist(text);
        if (down.isEmpty()) {
            since = clock.getAsLong();
            changes = new LogThrottle(CHANGES, clock);
            lastLine = gist;
            log.warn("{}; retrying", text);
        } else if (!gist.equals(lastLine) && !gist.equals(told.get(part)) && changes.occurred() > 0) {
            lastLine = gist;
            log.warn("{}; still retrying", text);
        }
        if (gist.equals(lastLine)) {
            told.put(part, gist);
        }
        down.remove(part); // put again: its reason becomes the latest
        down.put(part, text);
    }

    /** {@code reason} without its details of the moment: what it says in parentheses, and its numbers. */
    static String gist(String reason) {
        StringBuilder gist = new StringBuilder();
        int depth = 0;
        for (char c : reason.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0 && !Character.isDigit(c)) {
                gist.append(c);
            } else if (depth == 0 && (gist.isEmpty() || gist.charAt(gist.length() - 1) != '#')) {
                gist.append('#'); // a number, however many digits
            }
        }
        return gist.toString();
    }

    /**
     * Notes that connection {@code part} is closed for good, down or not (nothing needs it any
     * more): an outage it was in goes on while another part is down, and otherwise ends without a
     * line or a count, as nothing was restored.
     */
    public synchronized void forget(String part) {
        down.remove(part);
        told.remove(part);
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
        told.remove(part);
        if (down.remove(part) != null && down.isEmpty()) {
            ended.increment();
            log.info("{} after {} s", restored, String.format(Locale.ROOT, "%.1f", (clock.getAsLong() - since) / 1e9));
        }
    }
}

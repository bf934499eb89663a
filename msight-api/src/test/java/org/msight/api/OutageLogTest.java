package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

class OutageLogTest {

    private final List<String> lines = new ArrayList<>();
    private final AtomicLong ended = new AtomicLong();
    private final Counter reconnects = new Counter() {
        @Override
        public void increment(long amount) {
            ended.addAndGet(amount);
        }

        @Override
        public long count() {
            return ended.get();
        }
    };

    /** A logger that keeps {@code LEVEL message} lines of its warn and info calls. */
    private Logger recording() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if ((method.getName().equals("warn") || method.getName().equals("info")) && args.length >= 1) {
                        Object[] rest = args.length == 1 ? new Object[0]
                                : args.length == 2 && args[1] instanceof Object[] array ? array
                                : java.util.Arrays.copyOfRange(args, 1, args.length);
                        lines.add(method.getName().toUpperCase() + " "
                                + MessageFormatter.arrayFormat((String) args[0], rest).getMessage());
                    }
                    return method.getReturnType() == boolean.class ? true : null;
                });
    }

    @Test
    void anOutageOfSeveralConnectionsIsOneWarningAndOneLineWithItsDurationAndCountsOnce() {
        OutageLog outages = new OutageLog(recording(), "Redis connection restored", reconnects);
        outages.up("publisher"); // not down: nothing
        outages.down("publisher", "Redis unreachable at 127.0.0.1:6379 (Connection refused)");
        outages.down("subscriber", "Redis unreachable at 127.0.0.1:6379 (Connection refused)");
        outages.down("publisher", "Redis unreachable at 127.0.0.1:6379 (Connection reset)"); // a detail: no line
        outages.up("publisher");
        assertThat(reconnects.count()).as("the subscriber is still down").isZero();
        assertThat(outages.inOutage()).isTrue();
        outages.up("subscriber");
        outages.up("subscriber");
        assertThat(outages.inOutage()).isFalse();

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("WARN Redis unreachable at 127.0.0.1:6379 (Connection refused); retrying");
        assertThat(lines.get(1)).matches("INFO Redis connection restored after [0-9]+\\.[0-9] s");
        assertThat(reconnects.count()).isOne();
    }

    @Test
    void aConnectionClosedForGoodNoLongerHoldsAnOutageOpen() {
        OutageLog outages = new OutageLog(recording(), "Redis connection restored", reconnects);
        outages.down("subscriber", "Redis unreachable (Connection refused)");
        outages.down("publisher", "Redis unreachable (Connection refused)");
        outages.forget("subscriber");
        outages.up("publisher"); // the outage ends with the part still needed
        outages.down("subscriber", "Redis unreachable (Connection reset)");
        outages.forget("subscriber"); // ends quietly: nothing was restored
        outages.down("publisher", "Redis unreachable (Connection refused)"); // a new outage, said anew

        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).matches("INFO Redis connection restored after [0-9]+\\.[0-9] s");
        assertThat(lines.get(2)).isEqualTo("WARN Redis unreachable (Connection reset); retrying");
        assertThat(lines.get(3)).isEqualTo("WARN Redis unreachable (Connection refused); retrying");
        assertThat(reconnects.count()).isOne();
    }

    @Test
    void oneConnectionsOutagesAreEachCounted() {
        OutageLog outages = new OutageLog(recording(), "Publishing to Kafka works again", reconnects);
        for (int outage = 0; outage < 2; outage++) {
            outages.down("broker away");
            outages.up();
        }
        assertThat(lines).hasSize(4).filteredOn(line -> line.startsWith("WARN"))
                .containsExactly("WARN broker away; retrying", "WARN broker away; retrying");
        assertThat(reconnects.count()).isEqualTo(2);
    }

    /** What status output shows beside a bus: the latest reason while an outage lasts. */
    @Test
    void theReasonIsTheLatestWhileAnOutageLasts() {
        OutageLog outages = new OutageLog(recording(), "Redis connection restored", reconnects);
        assertThat(outages.reason()).isEmpty();
        outages.down("publisher", "Redis unreachable (Connection refused)");
        outages.down("subscriber", "Redis unreachable (Connection reset)");
        assertThat(outages.reason()).contains("Redis unreachable (Connection reset)");
        outages.up("subscriber");
        assertThat(outages.reason()).as("the publisher's, still down").contains("Redis unreachable (Connection refused)");
        outages.up("publisher");
        assertThat(outages.reason()).isEmpty();
    }

    /**
     * Redis restarted with a password during an outage: the new reason is said once, while what
     * only differs in its details of the moment (numbers, what is in parentheses) is said not at
     * all; a change within a minute of the latest line waits for the minute's end, so a reason
     * flapping back and forth is a line a minute at most.
     */
    @Test
    void aChangedReasonIsOneLineAtMostOnceAMinute() {
        AtomicLong now = new AtomicLong();
        OutageLog outages = new OutageLog(recording(), "Redis connection restored", reconnects, now::get);
        String refused = "Redis unreachable at 127.0.0.1:6379 (Connection refused)";
        String frozen = "Redis at 127.0.0.1:6379 stopped taking messages (a publish waited 999 ms)";
        String password = "Redis at 127.0.0.1:6379 requires a password: set msight.redis.password";
        outages.down("publisher", refused);
        outages.down("publisher", "Redis unreachable at 127.0.0.1:6379 (Connect timed out)");
        outages.down("publisher", frozen);
        outages.down("publisher", "Redis at 127.0.0.1:6379 stopped taking messages (a publish waited 1024 ms)");
        outages.down("publisher", password); // within the minute: not yet
        outages.down("subscriber", password);
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        outages.down("publisher", password);
        outages.down("subscriber", password); // told by the publisher's line
        outages.down("publisher", refused); // flapping: not within the minute
        outages.down("publisher", password);
        outages.down("publisher", refused);
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        outages.down("publisher", refused); // what it came back to is said once the minute is over
        outages.down("publisher", refused);
        outages.up("publisher");
        outages.up("subscriber");

        assertThat(lines).containsExactly("WARN " + refused + "; retrying", "WARN " + frozen + "; still retrying",
                "WARN " + password + "; still retrying", "WARN " + refused + "; still retrying",
                "INFO Redis connection restored after 122.0 s");
    }

    /** Two connections down for reasons of their own: each reason is said once, not in turns. */
    @Test
    void twoConnectionsDownForDifferentReasonsAreEachSaidOnce() {
        AtomicLong now = new AtomicLong();
        OutageLog outages = new OutageLog(recording(), "Kafka works again", reconnects, now::get);
        for (int minute = 0; minute < 3; minute++) {
            outages.down("coordinator", "no heartbeat to the coordinator for " + (30 + 60 * minute) + " s");
            outages.down("polling", "Kafka refused the SASL login (bad password)");
            now.addAndGet(Duration.ofMinutes(1).toNanos());
        }
        assertThat(lines).containsExactly("WARN no heartbeat to the coordinator for 30 s; retrying",
                "WARN Kafka refused the SASL login (bad password); still retrying");
    }

    @Test
    void theGistOfAReasonLeavesOutNumbersAndWhatIsInParentheses() {
        assertThat(OutageLog.gist("Redis unreachable at 10.0.0.12:6379 (Connection refused (at connect)): check"))
                .isEqualTo("Redis unreachable at #.#.#.#:# : check");
        assertThat(OutageLog.gist("a) stray (parenthesis")).isEqualTo("a stray ");
    }
}

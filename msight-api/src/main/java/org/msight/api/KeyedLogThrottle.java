package org.msight.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link LogThrottle} for each kind of a recurring warning (its reason, say), so that a flood
 * of one kind never hides the first line of another. The kinds seen most recently are kept, up
 * to a bound; a kind forgotten is let through again when it comes back.
 *
 * <pre>{@code
 * long times = throttle.occurred(reason);
 * if (times > 0) {
 *     log.warn("gave up on a frame: {} ({} since the last such line)", reason, times);
 * }
 * }</pre>
 */
public final class KeyedLogThrottle {

    private final Duration interval;
    private final Map<String, LogThrottle> byKind;

    /**
     * @param interval the least time between two lines of one kind
     * @param maxKinds how many kinds are kept at most
     */
    public KeyedLogThrottle(Duration interval, int maxKinds) {
        this.interval = LogThrottle.checked(interval);
        this.byKind = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LogThrottle> eldest) {
                return size() > maxKinds;
            }
        };
    }

    /**
     * Counts one occurrence of {@code kind}.
     *
     * @return as {@link LogThrottle#occurred()}, for that kind alone
     */
    public synchronized long occurred(String kind) {
        return byKind.computeIfAbsent(kind, ignored -> new LogThrottle(interval)).occurred();
    }
}

package org.msight.runtime.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Locale;
import org.msight.api.Setting;

/**
 * MSight's heartbeat settings: the {@code msight.registry.heartbeat} block, or the launchers'
 * {@code --heartbeat-*} and {@code --action-on-error} flags.
 *
 * @param updateInterval how often each node writes its {@code last_heartbeat} and {@code status}; on a
 *     timer, whether or not messages flow (MSight beats every N messages instead)
 * @param tolerance as MSight's: a node whose heartbeat Redis has refused for longer than this while
 *     serving reads (writes refused) applies the action on error; Redis unreachable or refusing reads
 *     too never does, however long (an outage, as MSight's nodes run on without Redis); zero or
 *     negative turns this check off
 * @param checkingDuration how often each node checks its own entry, as MSight's monitor does
 * @param staleAfter written in each entry: another process of this runtime may take the name of a
 *     node whose heartbeat is older than this (it cannot be live: it beats every update interval)
 * @param actionOnError what a node does when its entry is gone to another process, or its
 *     heartbeat's writes are refused beyond the tolerance
 */
public record HeartbeatSettings(Duration updateInterval, Duration tolerance, Duration checkingDuration,
        Duration staleAfter, ActionOnError actionOnError) {

    /** What a heartbeat error does. */
    public enum ActionOnError {
        /** Stop the node (MSight's default). */
        STOP,
        /** Log it and keep running. */
        CONTINUE
    }

    /** The defaults: 1 s interval, MSight's 60 s tolerance and 15 s checks, stale after 10 s, stop. */
    public static final HeartbeatSettings DEFAULTS = new HeartbeatSettings(Duration.ofSeconds(1),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(10), ActionOnError.STOP);

    /** @throws IllegalArgumentException for a zero or negative interval, checking duration or stale-after */
    public HeartbeatSettings {
        for (Duration duration : new Duration[] {updateInterval, checkingDuration, staleAfter}) {
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("update-interval, checking-duration and stale-after must be"
                        + " positive, got " + Setting.written(duration));
            }
        }
        if (staleAfter.compareTo(updateInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("stale-after: " + Setting.written(staleAfter) + " must be at least"
                    + " twice update-interval (" + Setting.written(updateInterval) + "), or live nodes would look dead");
        }
    }

    /** Whether the node checks its own heartbeat's age (a positive tolerance, as MSight). */
    public boolean checksStaleness() {
        return !tolerance.isZero() && !tolerance.isNegative();
    }

    /** Settings from a {@code msight.registry.heartbeat} block. */
    public static HeartbeatSettings from(Config heartbeat) {
        String action = heartbeat.getString("action-on-error");
        ActionOnError actionOnError = switch (action.toLowerCase(Locale.ROOT)) {
            case "stop" -> ActionOnError.STOP;
            case "continue" -> ActionOnError.CONTINUE;
            default -> throw new ConfigException.BadValue(heartbeat.getValue("action-on-error").origin(), "action-on-error",
                    "'" + action + "': use stop or continue");
        };
        return new HeartbeatSettings(heartbeat.getDuration("update-interval"), heartbeat.getDuration("tolerance"),
                heartbeat.getDuration("checking-duration"), heartbeat.getDuration("stale-after"), actionOnError);
    }
}

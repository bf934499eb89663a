package org.msight.runtime.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Locale;

/**
 * MSight's heartbeat settings: the {@code msight.registry.heartbeat} block, or the launchers'
 * {@code --heartbeat-*} and {@code --action-on-error} flags.
 *
 * @param updateInterval how often each node writes its {@code last_heartbeat} and {@code status}
 * @param tolerance a heartbeat older than this means the node is dead; a newer one that it is live
 * @param checkingDuration how long heartbeat updates may keep failing before that is an error
 * @param actionOnError what a heartbeat error does
 */
public record HeartbeatSettings(Duration updateInterval, Duration tolerance, Duration checkingDuration,
        ActionOnError actionOnError) {

    /** What a heartbeat error does. */
    public enum ActionOnError {
        /** Stop the node. */
        STOP,
        /** Log it and keep running; the heartbeat resumes when Redis is back. */
        CONTINUE
    }

    /** The defaults: 1 s interval, 5 s tolerance, 10 s checking duration, continue. */
    public static final HeartbeatSettings DEFAULTS = new HeartbeatSettings(Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(10), ActionOnError.CONTINUE);

    /** @throws IllegalArgumentException for a zero or negative duration */
    public HeartbeatSettings {
        for (Duration duration : new Duration[] {updateInterval, tolerance, checkingDuration}) {
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("heartbeat durations must be positive, got " + duration);
            }
        }
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
                heartbeat.getDuration("checking-duration"), actionOnError);
    }
}

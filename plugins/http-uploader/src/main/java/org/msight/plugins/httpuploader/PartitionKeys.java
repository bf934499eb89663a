package org.msight.plugins.httpuploader;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.msight.api.data.SensorData;
import org.msight.api.data.MsightFormats;

/** Makes the partition key of each upload as MSight does. Thread-safe. */
final class PartitionKeys {

    /** The {@code partition-key-mode} values. */
    enum Mode {
        /** The current POSIX time as Python's {@code str(time.time())}. */
        RANDOM("random"),
        /** {@code <sensor_name><n>}, n cycling through the shards. */
        SENSOR_NAME("sensor_name");

        private final String configName;

        Mode(String configName) {
            this.configName = configName;
        }

        static Mode parse(String value) {
            for (Mode mode : values()) {
                if (mode.configName.equals(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("partition-key-mode: use random or sensor_name, was '" + value + "'");
        }
    }

    private final Mode mode;
    private final int shards;
    private final Clock clock;
    private final MsightFormats formats;
    private final AtomicLong uploads = new AtomicLong();

    PartitionKeys(Mode mode, int shards, Clock clock, MsightFormats formats) {
        this.mode = mode;
        this.shards = shards;
        this.clock = clock;
        this.formats = formats;
    }

    /** The key of the next upload of {@code data}. */
    String next(SensorData data) {
        return switch (mode) {
            case RANDOM -> posixSeconds(clock.instant(), formats);
            // Python formats a missing sensor name as "None".
            case SENSOR_NAME -> Objects.requireNonNullElse(data.metadata().sensorName(), "None")
                    + Math.floorMod(uploads.getAndIncrement(), shards);
        };
    }

    /**
     * The instant as Python's {@code str(time.time())}: the shortest decimal that reads back as
     * the same double, with a fractional part ({@code 1763353393.866798}, {@code 1763353393.0}).
     */
    static String posixSeconds(Instant instant, MsightFormats formats) {
        return formats.pythonFloat(instant.getEpochSecond() + instant.getNano() / 1e9);
    }
}

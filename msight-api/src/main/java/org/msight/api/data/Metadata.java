package org.msight.api.data;

/**
 * The fields every MSight message carries.
 *
 * @param sensorName the sensor that produced the data, or {@code null}
 * @param captureTimestamp POSIX seconds when the data was captured
 * @param creationTimestamp POSIX seconds when the message was created
 * @param frameId a 64-bit id unique per message (see {@link FrameIds})
 * @param deviceName the edge device, or {@code null}
 */
public record Metadata(String sensorName, double captureTimestamp, double creationTimestamp, long frameId,
        String deviceName) {

    /** Metadata created now, with a fresh frame id. */
    public static Metadata create(String sensorName, String deviceName, double captureTimestamp) {
        return new Metadata(sensorName, captureTimestamp, now(), FrameIds.next(), deviceName);
    }

    /** The current time in POSIX seconds, with microsecond resolution. */
    public static double now() {
        java.time.Instant instant = java.time.Instant.now();
        return instant.getEpochSecond() + (instant.getNano() / 1000) / 1e6;
    }
}

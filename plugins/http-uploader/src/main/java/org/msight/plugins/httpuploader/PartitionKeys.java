package org.msight.plugins.httpuploader;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.msight.api.data.SensorData;
import org.msight.api.data.MsightFormats;

/**
 * Makes the partition key of each message as MSight does, once: the runtime's retries of a
 * message (send() again with the same object) go with the key of its first attempt, as MSight
 * sends each message once, so a retry neither moves it to another shard nor shifts the keys of
 * the messages after it off MSight's cycle. Thread-safe.
 */
final class PartitionKeys {

    /** The {@code partition-key-mode} values. */
    enum Mode {
        /** The current POSIX time as Python's {@code str(time.time())}. */
        RANDOM("random"),
        /** {@code <sensor_name><n>}, n cycling through the shards from 1 as MSight's: 1, 2, 0 for 3 shards. */
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
    /**
     * The key of each message sent whose upload has not ended here, by identity. A message is held
     * weakly: one the runtime lets go of with no end here (given up after its retries, spooled,
     * abandoned at a stop) loses its key at the first send after the collector took it. So the keys
     * are those of the messages under way or waiting for a retry, and no message is kept for its key.
     */
    private final Map<Sent, String> given = new ConcurrentHashMap<>();
    private final ReferenceQueue<SensorData> collected = new ReferenceQueue<>();

    PartitionKeys(Mode mode, int shards, Clock clock, MsightFormats formats) {
        this.mode = mode;
        this.shards = shards;
        this.clock = clock;
        this.formats = formats;
    }

    /** The key of {@code data}: a new one at its first attempt, the same at each retry. */
    String of(SensorData data) {
        for (Reference<?> gone = collected.poll(); gone != null; gone = collected.poll()) {
            given.remove(gone);
        }
        return given.computeIfAbsent(new Sent(data, collected), sent -> next(data));
    }

    /** Forgets the key of {@code data}, whose upload has ended (delivered or refused): the runtime sends it no more. */
    void ended(SensorData data) {
        given.remove(new Sent(data, null));
    }

    /** How many messages have a key now: for tests. */
    int held() {
        return given.size();
    }

    /**
     * Why {@code key} cannot be the {@code X-Partition-Key} header, or {@code null}: MSight's
     * requests refuses a character beyond Latin-1 (UnicodeEncodeError), a line break, and
     * whitespace at the start (InvalidHeader), so it uploads no such message; HttpCore would send
     * a '?' for the first and a space for a line break, a key its query does not have. It also
     * writes '?' for the other control characters but the tab (C0, DEL and C1), which requests
     * sends as they are: such a key is refused too, rather than sent other than its query's.
     */
    static String unsendable(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c > 0xFF) {
                return "a character beyond Latin-1, which a header cannot carry";
            }
            if (c == '\r' || c == '\n') {
                return "a line break";
            }
            if (c < ' ' && c != '\t' || c >= 0x7F && c <= 0x9F) {
                return "a control character, which HttpClient cannot send as it is";
            }
        }
        char first = key.charAt(0); // Python's isspace() within Latin-1: Java's, with NEL and a no-break space
        return Character.isWhitespace(first) || first == 0x85 || first == 0xA0 ? "whitespace at its start" : null;
    }

    /** The key of the next message: {@link #of} takes one for each message. */
    String next(SensorData data) {
        return switch (mode) {
            case RANDOM -> posixSeconds(clock.instant(), formats);
            // Python formats a missing sensor name as "None"; MSight counts the upload before the modulo.
            case SENSOR_NAME -> Objects.requireNonNullElse(data.metadata().sensorName(), "None")
                    + Math.floorMod(uploads.incrementAndGet(), shards);
        };
    }

    /**
     * The instant as Python's {@code str(time.time())}: the shortest decimal that reads back as
     * the same double, with a fractional part ({@code 1763353393.866798}, {@code 1763353393.0}).
     */
    static String posixSeconds(Instant instant, MsightFormats formats) {
        return formats.pythonFloat(instant.getEpochSecond() + instant.getNano() / 1e9);
    }

    /** A message as a key of {@link #given}: by identity, held weakly. */
    private static final class Sent extends WeakReference<SensorData> {
        private final int hash;

        Sent(SensorData data, ReferenceQueue<SensorData> queue) {
            super(data, queue);
            this.hash = System.identityHashCode(data);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        /** The same message; a cleared one is equal to itself only, which {@link #of} removes it as. */
        @Override
        public boolean equals(Object other) {
            return other == this || other instanceof Sent sent && get() != null && get() == sent.get();
        }
    }
}

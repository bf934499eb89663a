package org.msight.plugins.imagedumper;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.data.Metadata;

/**
 * A file name pattern with placeholders: {@code {sensor}} (the sensor name, characters other
 * than letters, digits, dot, dash and underscore replaced by {@code _}), {@code {time}} (the
 * capture time in UTC, {@code 20251116-232315.913}) and {@code {frame}} (the frame id).
 */
final class FileNamePattern {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(sensor|time|frame)}");
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    /**
     * {@code 20251116-232315.913}; a year past 9999 (a timestamp in milliseconds taken for seconds)
     * in more digits, without the {@code +} that {@code yyyy} would put before it.
     */
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.YEAR, 4, 10, SignStyle.NORMAL).appendPattern("MMdd-HHmmss.SSS")
            .toFormatter(Locale.ROOT).withZone(ZoneOffset.UTC);

    private final String pattern;
    private final Pattern written;

    /** @throws IllegalArgumentException naming {@code file-name} when the pattern is unusable */
    FileNamePattern(String pattern) {
        if (pattern.isBlank() || pattern.contains("/") || pattern.contains("\\") || pattern.startsWith(".")) {
            throw new IllegalArgumentException("file-name: must be a plain file name, not '" + pattern + "'");
        }
        if (pattern.indexOf('\0') >= 0) { // besides '/', the one character a Linux file name cannot hold
            throw new IllegalArgumentException("file-name: must not hold a NUL character (\\u0000)");
        }
        if (!pattern.contains("{frame}") && !pattern.contains("{time}")) {
            throw new IllegalArgumentException("file-name: must hold {frame} or {time} so files get distinct names, not '"
                    + pattern + "'");
        }
        String leftover = PLACEHOLDER.matcher(pattern).replaceAll("");
        if (leftover.contains("{") || leftover.contains("}")) {
            throw new IllegalArgumentException("file-name: knows only {sensor}, {time} and {frame}: '" + pattern + "'");
        }
        this.pattern = pattern;
        Matcher placeholder = PLACEHOLDER.matcher(pattern);
        StringBuilder written = new StringBuilder();
        int end = 0;
        while (placeholder.find()) {
            written.append(Pattern.quote(pattern.substring(end, placeholder.start())));
            written.append(switch (placeholder.group(1)) {
                case "sensor" -> "[A-Za-z0-9._-]*"; // what UNSAFE leaves
                case "time" -> "[+-]?\\d{8,}-\\d{6}\\.\\d{3}"; // TIME's; '+' as earlier versions wrote a year past 9999
                default -> "-?\\d+";
            });
            end = placeholder.end();
        }
        this.written = Pattern.compile(written.append(Pattern.quote(pattern.substring(end))).toString());
    }

    /** The file name of a message with {@code metadata}. */
    String nameFor(Metadata metadata) {
        Matcher placeholder = PLACEHOLDER.matcher(pattern);
        StringBuilder name = new StringBuilder();
        while (placeholder.find()) {
            String value = switch (placeholder.group(1)) {
                case "sensor" -> metadata.sensorName() == null ? "unknown" : UNSAFE.matcher(metadata.sensorName()).replaceAll("_");
                case "time" -> TIME.format(Instant.ofEpochMilli(Math.round(metadata.captureTimestamp() * 1000)));
                default -> Long.toString(metadata.frameId());
            };
            placeholder.appendReplacement(name, Matcher.quoteReplacement(value));
        }
        placeholder.appendTail(name);
        return name.toString();
    }

    /** Whether every image gets a name of its own: the pattern holds {@code {frame}}, unique per image. */
    boolean uniquePerImage() {
        return pattern.contains("{frame}");
    }

    /**
     * Whether a file name is one this pattern makes: each placeholder stands for what it is
     * written as (a frame id for digits only), so that a cap deletes none of the folder's other
     * files, such as a camera's {@code IMG_20240101_123456.jpg}.
     */
    boolean matches(String fileName) {
        return written.matcher(fileName).matches();
    }
}

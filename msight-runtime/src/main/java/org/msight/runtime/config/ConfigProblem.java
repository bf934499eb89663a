package org.msight.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.Secrets;

/**
 * One thing wrong with a pipeline file, shown as {@code file:line: key: problem}.
 *
 * @param location {@code file:line}, or the file alone when the line is unknown
 * @param key the HOCON path, such as {@code nodes.camera.url}
 * @param message what is wrong and, where possible, what to write instead
 */
public record ConfigProblem(String location, String key, String message) {

    private static final Pattern FILE_LINE = Pattern.compile("^(.*?)(?::(\\d+))?$");
    /** A message that starts with the key it is about: {@code tls.cert-file: no such file}. */
    private static final Pattern KEYED = Pattern.compile("(?s)([A-Za-z0-9_\"-]+(?:\\.[A-Za-z0-9_\"-]+)*): (.*)");

    /** By file, then line; problems without a line first. */
    public static final Comparator<ConfigProblem> IN_FILE_ORDER =
            Comparator.comparing(ConfigProblem::file).thenComparingInt(ConfigProblem::line);

    /** A problem at a value's origin. */
    public static ConfigProblem at(ConfigOrigin origin, String fallbackFile, String key, String message) {
        return new ConfigProblem(location(origin, fallbackFile), key, message);
    }

    /**
     * A problem with the value at {@code key} of a block merged with its defaults, at the line the
     * user's file gives it when it does; for a default, at the nearest block around it that the file
     * gives ({@code tls} for {@code tls.key-file}); else at the file (a value from the environment).
     *
     * @param path the block's HOCON path, such as {@code msight.nats}
     */
    public static ConfigProblem ofValue(Config block, String path, String key, String fallbackFile, String message) {
        List<String> parts = ConfigUtil.splitPath(key);
        for (int depth = parts.size(); depth > 0; depth--) {
            ConfigOrigin origin = located(block.getValue(ConfigUtil.joinPath(parts.subList(0, depth))));
            if (!isDefault(origin)) {
                return at(origin, fallbackFile, path + "." + key, message);
            }
        }
        return new ConfigProblem(fallbackFile, path + "." + key, message);
    }

    /**
     * Whether a value is a default of a jar's {@code reference.conf} (the runtime's or a plugin's),
     * rather than the user's: from the pipeline file, its includes, the environment or a launcher's flags.
     */
    static boolean isDefault(ConfigOrigin origin) {
        return origin.resource() != null || origin.url() != null && origin.url().getProtocol().equals("jar");
    }

    /**
     * A problem a plugin found in its block (a node's or a bus's), at the line of the key its
     * message starts with ({@code tls.cert-file: ...}, or {@code msight.nats.tls: ...}) when the
     * file sets it, else at {@code fallbackLocation}; user info in URLs masked.
     *
     * @param path the block's HOCON path, such as {@code msight.nats} or {@code nodes.camera}
     */
    public static ConfigProblem reported(Config block, String path, String fallbackLocation, String message) {
        String shown = Secrets.redactUrl(String.valueOf(message));
        Matcher keyed = KEYED.matcher(shown.startsWith(path + ".") ? shown.substring(path.length() + 1) : shown);
        if (keyed.matches() && isKey(block, keyed.group(1))) {
            return ofValue(block, path, keyed.group(1), fallbackLocation, keyed.group(2));
        }
        return new ConfigProblem(fallbackLocation, path, shown);
    }

    private static boolean isKey(Config config, String path) {
        try {
            return config.hasPath(path);
        } catch (com.typesafe.config.ConfigException.BadPath notAPath) {
            return false;
        }
    }

    /**
     * Where a value is. A block merged with its defaults has lost the line the user wrote it on:
     * then the first line of a value in it that the user's file gives, if any.
     */
    static ConfigOrigin located(ConfigValue value) {
        if (value.origin().lineNumber() > 0 || !(value instanceof ConfigObject block)) {
            return value.origin();
        }
        return block.values().stream().map(ConfigProblem::located)
                .filter(origin -> origin.lineNumber() > 0 && !isDefault(origin))
                .min(Comparator.comparingInt(ConfigOrigin::lineNumber)).orElse(value.origin());
    }

    /** {@code file:line} of the first value the file gives a block merged with its defaults; the file when none. */
    public static String locationOf(Config block, String fallbackFile) {
        ConfigOrigin origin = located(block.root());
        return location(isDefault(origin) ? null : origin, fallbackFile);
    }

    /** {@code file:line} of an origin (an included url's user info masked); the fallback file when the origin has none. */
    public static String location(ConfigOrigin origin, String fallbackFile) {
        if (origin == null) {
            return fallbackFile;
        }
        String file = origin.filename() != null ? origin.filename()
                : origin.url() != null ? Secrets.redactUrl(origin.url().toString()) : fallbackFile;
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    /** A key as it appears in a HOCON path: quoted (a '"' or '\\' in it escaped) unless plain. */
    public static String quoted(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : ConfigUtil.quoteString(key);
    }

    private String file() {
        Matcher matcher = FILE_LINE.matcher(location);
        return matcher.matches() ? matcher.group(1) : location;
    }

    private int line() {
        Matcher matcher = FILE_LINE.matcher(location);
        return matcher.matches() && matcher.group(2) != null ? Integer.parseInt(matcher.group(2)) : 0;
    }

    @Override
    public String toString() {
        return location + ": " + key + ": " + message;
    }
}

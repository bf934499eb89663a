package org.msight.runtime.config;

import com.typesafe.config.ConfigOrigin;

/**
 * One thing wrong with a pipeline file, shown as {@code file:line: key: problem}.
 *
 * @param location {@code file:line}, or the file alone when the line is unknown
 * @param key the HOCON path, such as {@code nodes.camera.url}
 * @param message what is wrong and, where possible, what to write instead
 */
public record ConfigProblem(String location, String key, String message) {

    /** A problem at a value's origin. */
    public static ConfigProblem at(ConfigOrigin origin, String fallbackFile, String key, String message) {
        return new ConfigProblem(location(origin, fallbackFile), key, message);
    }

    /** {@code file:line} of an origin; the fallback file when the origin has none. */
    public static String location(ConfigOrigin origin, String fallbackFile) {
        if (origin == null) {
            return fallbackFile;
        }
        String file = origin.filename() != null ? origin.filename()
                : origin.url() != null ? origin.url().toString() : fallbackFile;
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    @Override
    public String toString() {
        return location + ": " + key + ": " + message;
    }
}

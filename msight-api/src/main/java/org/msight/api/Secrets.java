package org.msight.api;

import java.util.regex.Pattern;

/** Keeps secrets out of logs. */
public final class Secrets {

    /** user:password@ after a scheme; the password runs to the last '@' before the path (it may hold '@'). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?<=://)([^/@:\\s]*):[^/\\s]*@");

    private Secrets() {
    }

    /**
     * A URL safe to log: {@code rtsp://user:pass@host/x} becomes {@code rtsp://user:***@host/x}.
     * Text that holds no URL credentials is returned unchanged.
     */
    public static String redactUrl(String text) {
        return text == null ? null : URL_PASSWORD.matcher(text).replaceAll("$1:***@");
    }
}

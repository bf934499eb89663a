package org.msight.api;

/**
 * Makes values that come from messages ({@code data_type}, {@code sensor_name}, any field, a
 * payload quoted in an error message) fit to be logged: a value can neither forge a log line nor
 * show the user info of a URL, nor (through {@link #text}) make one huge. Use it wherever such a value, or an error
 * message that may quote one, reaches a log or an exception message.
 */
public final class LogSafe {

    /** Characters of a value kept at most; the rest is cut and counted. */
    public static final int MAX_LENGTH = 256;

    private LogSafe() {
    }

    /**
     * {@code value} as one bounded piece of a log line: the user info of URLs masked as
     * {@link Secrets#redactUrl} does, then line breaks, tabs and other control
     * characters (the ESC that starts ANSI escapes included), Unicode format characters (such as
     * bidirectional overrides) and line separators are escaped as {@code \n}, {@code \r},
     * {@code \t} or {@code \}{@code uXXXX}; beyond {@link #MAX_LENGTH} characters the text is cut
     * and ends with {@code ... (N chars)}, N being the length of the whole value.
     *
     * @param value any value; {@code null} gives {@code "null"}
     */
    public static String text(Object value) {
        return escaped(value, MAX_LENGTH);
    }

    /**
     * {@code value} as {@link #text} makes it, but whole: for long diagnostics of a library
     * (FFmpeg's) that may quote what a camera or server sent, where every part may matter.
     *
     * @param value any value; {@code null} gives {@code "null"}
     */
    public static String whole(Object value) {
        return escaped(value, Integer.MAX_VALUE);
    }

    private static String escaped(Object value, int maxLength) {
        String text = Secrets.redactUrl(String.valueOf(value));
        if (text.length() <= maxLength && text.codePoints().noneMatch(LogSafe::isUnsafe)) {
            return text;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxLength) + 32);
        for (int i = 0; i < text.length(); ) {
            if (out.length() >= maxLength) {
                return out.append("... (").append(text.length()).append(" chars)").toString();
            }
            int codePoint = text.codePointAt(i);
            if (isUnsafe(codePoint)) {
                escape(codePoint, out);
            } else {
                out.appendCodePoint(codePoint);
            }
            i += Character.charCount(codePoint);
        }
        return out.toString();
    }

    private static boolean isUnsafe(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    private static void escape(int codePoint, StringBuilder out) {
        switch (codePoint) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                for (char c : Character.toChars(codePoint)) {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
    }
}

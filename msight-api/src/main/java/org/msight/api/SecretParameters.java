package org.msight.api;

import java.util.Set;

/**
 * Masks the value of every {@code name=value} whose name says it is a secret, in one pass over
 * the text (linear: a name is read back from its {@code =}, never past the previous one). A name
 * is a secret when its last word (words split at {@code _ . -} and at camelCase) is one of
 * {@link #SECRET_WORDS} or ends as one of {@link #SECRET_ENDINGS}, or is {@code key} after a word
 * of {@link #KEY_OWNERS}: {@code api_key}, {@code apiKey}, {@code access_token},
 * {@code X-Amz-Signature}, {@code admin_password}; not {@code partition_key},
 * {@code keyframe} or {@code session.timeout.ms}. A value runs to the next {@code & ;} {@code #},
 * quote, angle bracket or white space; a quoted one ({@code password="p"}) to its closing quote.
 */
final class SecretParameters {

    private static final Set<String> SECRET_WORDS = Set.of("pass", "pwd", "pw", "sig", "auth", "authorization",
            "session", "sessionid", "jwt");
    private static final Set<String> SECRET_ENDINGS = Set.of("password", "passwd", "token", "secret", "signature",
            "credential", "credentials", "apikey", "accesskey", "secretkey", "privatekey");
    private static final Set<String> KEY_OWNERS = Set.of("api", "access", "secret", "private", "client", "app",
            "auth", "subscription", "sas");
    private static final String VALUE_ENDS = "&;#\"'<>";
    private static final String MASK = "***";

    private SecretParameters() {
    }

    static String mask(String text) {
        int equals = text.indexOf('=');
        StringBuilder out = null;
        int copied = 0;
        int floor = 0; // a name is read back no further than this
        while (equals >= 0) {
            int start = equals;
            while (start > floor && isNameChar(text.charAt(start - 1))) {
                start--;
            }
            int valueStart = equals + 1;
            int end = valueStart;
            if (start < equals && isSecret(text, start, equals)) {
                char quote = valueStart < text.length() ? text.charAt(valueStart) : 0;
                int closing = quote == '"' || quote == '\'' ? text.indexOf(quote, valueStart + 1) : -1;
                if (closing > 0) { // password="p", as in a JAAS configuration
                    valueStart++;
                    end = closing;
                } else {
                    while (end < text.length() && VALUE_ENDS.indexOf(text.charAt(end)) < 0
                            && !Character.isWhitespace(text.charAt(end))) {
                        end++;
                    }
                }
                if (end > valueStart) {
                    if (out == null) {
                        out = new StringBuilder(text.length());
                    }
                    out.append(text, copied, valueStart).append(MASK);
                    copied = end;
                }
            }
            floor = end;
            equals = text.indexOf('=', end);
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private static boolean isNameChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-');
    }

    /** Whether the name in [start, end) of {@code text} is a secret's, by its last word (and the one before). */
    private static boolean isSecret(String text, int start, int end) {
        int lastStart = wordStart(text, start, end);
        String last = text.substring(lastStart, end).toLowerCase(java.util.Locale.ROOT);
        if (SECRET_WORDS.contains(last) || SECRET_ENDINGS.stream().anyMatch(last::endsWith)) {
            return true;
        }
        if (!last.equals("key")) {
            return false;
        }
        int previousEnd = lastStart;
        while (previousEnd > start && !Character.isLetterOrDigit(text.charAt(previousEnd - 1))) {
            previousEnd--;
        }
        return previousEnd > start && KEY_OWNERS.contains(
                text.substring(wordStart(text, start, previousEnd), previousEnd).toLowerCase(java.util.Locale.ROOT));
    }

    /** Where the word that ends at {@code end} starts: after a {@code _ . -}, or at a camelCase capital. */
    private static int wordStart(String text, int floor, int end) {
        int i = end;
        while (i > floor && Character.isLetterOrDigit(text.charAt(i - 1))) {
            i--;
            if (i > floor && Character.isUpperCase(text.charAt(i)) && Character.isLowerCase(text.charAt(i - 1))) {
                break;
            }
        }
        return i;
    }
}

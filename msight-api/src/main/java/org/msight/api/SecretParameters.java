package org.msight.api;

import java.util.List;

/**
 * Masks the value of every {@code name=value} whose name says it is a secret, in one pass over
 * the text: each {@code =} is looked at once, its name read back from it. Spaces, tabs and line
 * breaks around the {@code =} are allowed, escaped ({@code \n}) or not, as JAAS options take them
 * ({@code password = "p"}). A name, in lower case
 * without its {@code _ . -} and its trailing digits, is a secret's when it holds {@code pass},
 * {@code pwd}, {@code token}, {@code secret}, {@code credential}, {@code signature}, {@code jwt}
 * or {@code auth} (not {@code author}, {@code authority}); when it ends in {@code pw},
 * {@code psw}, {@code pas}, {@code sig}, {@code session} or {@code sessionid}; or when it is
 * {@code key} or ends in one of {@link #SECRET_KEYS}:
 * {@code api_key}, {@code streamKey}, {@code access_token}, {@code X-Amz-Signature},
 * {@code admin_password}, {@code passphrase}, {@code JSESSIONID}, {@code password2}, IP cameras'
 * {@code loginpas} and {@code psw}; not {@code partition_key}, {@code keyframe},
 * {@code session.timeout.ms} or {@code gpsweek}. A value runs to the
 * next {@code & ;} {@code #}, quote, angle bracket or white space (a URL query's value, past its
 * blanks as {@link #queryValueEnd} tells); a quoted one
 * ({@code password="p w"}) to its closing quote, which a backslash escapes ({@code password="p\"w"});
 * an authorization scheme's ({@code Authorization=Bearer t}) over its credentials too.
 */
final class SecretParameters {

    private static final List<String> SECRET_PARTS = List.of("pass", "pwd", "token", "secret", "credential",
            "signature", "jwt");
    private static final List<String> SECRET_ENDINGS = List.of("pw", "psw", "pas", "sig", "session", "sessionid");
    private static final List<String> SECRET_KEYS = List.of("apikey", "accesskey", "secretkey", "privatekey",
            "streamkey", "authkey", "clientkey", "appkey", "subscriptionkey", "masterkey", "signingkey",
            "encryptionkey");
    private static final String VALUE_ENDS = "&;#\"'<>";
    /** The blanks {@link LogSafe} escapes, after their backslash. */
    private static final String ESCAPED_BLANKS = "trn";

    private SecretParameters() {
    }

    static String mask(String text) {
        int equals = text.indexOf('=');
        boolean value = equals >= 0 && Secrets.startsWithUrl(text);
        StringBuilder out = null;
        int copied = 0;
        while (equals >= 0) {
            int nameEnd = equals; // password = "p": JAAS takes blanks around '='
            for (int blank; (blank = blankBefore(text, nameEnd)) > 0; ) {
                nameEnd -= blank;
            }
            int start = nameEnd; // names hold no '=': reading back never passes the previous one
            while (start > 0 && isNameChar(text.charAt(start - 1))) {
                start--;
            }
            int next = equals + 1;
            if (start < nameEnd && isSecret(text.substring(start, nameEnd))) {
                int valueStart = equals + 1;
                while (valueStart < text.length() && isBlank(text.charAt(valueStart))) {
                    valueStart++;
                }
                int word = valueStart; // after escaped blanks too, which are masked with an unquoted value:
                for (int blank; (blank = blankAt(text, word)) > 0; ) { // password=\topsecret may be one
                    word += blank;
                }
                int end = valueEnd(text, word);
                char first = word < text.length() ? text.charAt(word) : 0;
                if (first == '"' || first == '\'') { // password="p w", or a quote never closed
                    valueStart = word + 1;
                    int closing = closingQuote(text, first, valueStart);
                    end = closing >= 0 ? closing : valueEnd(text, valueStart);
                } else if (end < text.length() && text.charAt(end) == ' '
                        && Secrets.isAuthorizationScheme(text.substring(word, end))) {
                    end = valueEnd(text, end + 1); // Authorization=Bearer t: the credentials after the scheme
                } else if (end < text.length() && (text.charAt(end) == ' ' || text.charAt(end) == '\t')
                        && !(end - word == Secrets.MASK.length() && text.startsWith(Secrets.MASK, word))) {
                    end = queryValueEnd(text, start, end, value); // ?password=p w; one masked already ends there
                }
                if (end > valueStart) {
                    if (out == null) {
                        out = new StringBuilder(text.length());
                    }
                    out.append(text, copied, valueStart).append(Secrets.MASK);
                    copied = end;
                }
                next = Math.max(next, end);
            }
            equals = text.indexOf('=', next);
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * Where a secret value of a URL's query (its name after {@code ?} or {@code &}) that a blank
     * interrupts ends: at the URL's next {@code &} or {@code #}, or the end of its
     * {@linkplain Secrets#knownEnd known extent} ({@code 'http://h/x?password=p w'}, a setting's
     * value); in running text, at the blank.
     */
    private static int queryValueEnd(String text, int name, int blank, boolean value) {
        if (name == 0 || "?&".indexOf(text.charAt(name - 1)) < 0) {
            return blank;
        }
        int separator = name; // of the URL holding the query: the last :// of the word
        while (separator > 0 && !text.startsWith("://", separator)
                && !Character.isWhitespace(text.charAt(separator - 1))) {
            separator--;
        }
        int end = text.startsWith("://", separator)
                ? Secrets.knownEnd(text, Secrets.schemeStart(text, 0, separator), blank, value, "&#") : -1;
        if (end < 0) {
            return blank;
        }
        if (end < text.length() && (text.charAt(end) == '&' || text.charAt(end) == '#')) {
            return end;
        }
        while (end > blank && (Character.isWhitespace(text.charAt(end - 1)) || text.charAt(end - 1) == ',')) {
            end--;
        }
        return end;
    }

    /**
     * The quote {@code quote} that closes a value starting at {@code from}, or -1: a quote after a
     * backslash is part of the value, as in a JAAS option ({@code password="a\"b"}).
     */
    private static int closingQuote(String text, char quote, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The length of the blank that ends at {@code end}: a space, tab or line break (JAAS takes any),
     * 1; one escaped as {@link LogSafe} escapes it ({@code \n}), 2; else 0.
     */
    private static int blankBefore(String text, int end) {
        if (end > 0 && isBlank(text.charAt(end - 1))) {
            return 1;
        }
        return end > 1 && text.charAt(end - 2) == '\\' && ESCAPED_BLANKS.indexOf(text.charAt(end - 1)) >= 0 ? 2 : 0;
    }

    /** The length of the blank that starts at {@code start}, as {@link #blankBefore} reads them. */
    private static int blankAt(String text, int start) {
        if (start < text.length() && isBlank(text.charAt(start))) {
            return 1;
        }
        return start + 1 < text.length() && text.charAt(start) == '\\'
                && ESCAPED_BLANKS.indexOf(text.charAt(start + 1)) >= 0 ? 2 : 0;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Where a value that starts at {@code from} ends. */
    private static int valueEnd(String text, int from) {
        int end = from;
        while (end < text.length() && VALUE_ENDS.indexOf(text.charAt(end)) < 0
                && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static boolean isNameChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-');
    }

    /** {@code author}, {@code authority}: not {@code authorization}. */
    private static boolean isAuthor(String joined) {
        int author = joined.indexOf("author");
        return author >= 0 && !joined.startsWith("authoriz", author);
    }

    static boolean isSecret(String name) {
        StringBuilder letters = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                letters.append(Character.toLowerCase(c));
            }
        }
        int end = letters.length();
        while (end > 0 && Character.isDigit(letters.charAt(end - 1))) {
            end--;
        }
        String joined = letters.substring(0, end);
        return SECRET_PARTS.stream().anyMatch(joined::contains)
                || joined.contains("auth") && !isAuthor(joined)
                || SECRET_ENDINGS.stream().anyMatch(joined::endsWith)
                || joined.equals("key") || SECRET_KEYS.stream().anyMatch(joined::endsWith);
    }
}

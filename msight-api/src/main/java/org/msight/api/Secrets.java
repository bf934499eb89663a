package org.msight.api;

import java.util.Locale;
import java.util.Set;

/** Keeps secrets out of logs, status output and error messages. */
public final class Secrets {

    /** What a secret is shown as. */
    public static final String MASK = "***";

    private static final Set<String> AUTHORIZATION_SCHEMES = Set.of("bearer", "basic", "digest",
            "token");

    private Secrets() {
    }

    /**
     * Text safe to show: the user info of every URL in it is masked whole, so
     * {@code rtsp://user:pass@host/x} becomes {@code rtsp://***@host/x} and
     * {@code http://TOKEN@host/x} becomes {@code http://***@host/x}. A URL's user info runs from
     * its {@code ://} to its last {@code @} before white space, a character no URL holds
     * ({@code " < >}) or the next URL: a user name may hold {@code @}, a password {@code / ? # '}.
     * A server written without a scheme ({@code user:pass@host:4222}, or {@code token@host:4222}
     * as NATS takes a token) is masked the same way; an address without a port
     * ({@code me@example.org}) is not. A text that is one URL (a setting's value) is masked up to
     * its last {@code @}, so a password holding white space or quotes is masked too; one without
     * white space from its first {@code ://}, so a password holding {@code ://} is masked too, but
     * for a list of URLs ({@code nats://a:p@h1:4222,nats://b:q@h2:4222}), each masked on its own.
     * User info with a {@code :} that a blank interrupts is masked up to the last {@code @} before a
     * host (and a port, without a scheme) only where the URL's extent is known: in a text that starts
     * with URLs (a setting's value: {@code nats://bob:x y@h1,nats://h2}), up to the next URL; in a
     * quoted URL ({@code not 'rediss://:p w@h'}, {@code ['u:p w@h:9092']}), up to its closing quote.
     * In running text it ends at the blank: what follows is the message's, so a value is masked on
     * its own before it is put in one. As a password may hold {@code /}, an {@code @} in a path is
     * taken for the end of user info:
     * {@code http://host/me@example.org} shows as {@code http://***@example.org}. Text that holds
     * no user info is returned unchanged. Linear in the length of the text.
     *
     * <p>The value of a parameter whose name says it is a secret ({@code password}, {@code pwd},
     * {@code access_token}, {@code api_key}, {@code X-Amz-Signature}...: what the name holds says
     * so) is masked too, in a URL or not:
     * {@code https://host/frames?api_key=K&cam=3} becomes {@code https://host/frames?api_key=***&cam=3},
     * {@code rtsp://cam/user=admin&password=P&channel=1} becomes
     * {@code rtsp://cam/user=admin&password=***&channel=1}; a query's value that holds a blank
     * ({@code ?password=p w}) up to its URL's next {@code &} or {@code #}, where the URL's extent
     * is known as above.
     */
    public static String redactUrl(String text) {
        return text == null ? null : SecretParameters.mask(maskUserInfo(text));
    }

    /**
     * Whether a parameter named {@code name} holds a secret ({@code password}, {@code api_key},
     * {@code access_token}...): one whose value {@link #redactUrl} masks.
     */
    public static boolean isSecretParameter(String name) {
        return SecretParameters.isSecret(name);
    }

    /**
     * Whether {@code word} is an HTTP authorization scheme whose credentials follow it in an
     * {@code Authorization} value ({@code Bearer}, {@code Basic}, {@code Digest}, {@code Token}),
     * in any case.
     */
    public static boolean isAuthorizationScheme(String word) {
        return AUTHORIZATION_SCHEMES.contains(word.toLowerCase(Locale.ROOT));
    }

    private static String maskUserInfo(String text) {
        if (text.indexOf('@') < 0) {
            return text;
        }
        int schemeEnd = schemeEnd(text, 0);
        if (schemeEnd >= 0) {
            int second = text.indexOf("://", schemeEnd);
            if (second < 0 || isOneToken(text) && isUserInfo(text, schemeEnd, second)) {
                int at = text.lastIndexOf('@');
                return at < schemeEnd ? text : text.substring(0, schemeEnd) + MASK + text.substring(at);
            }
        }
        boolean value = startsWithUrl(text);
        StringBuilder out = null;
        int copied = 0;
        int tokenStart = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i < text.length() && !endsToken(text.charAt(i))) {
                continue;
            }
            // one token, [tokenStart, i): each URL in it, or the token itself, has its user info masked
            int tokenEnd = i;
            int separator = find(text, "://", tokenStart, tokenEnd);
            int userInfo = separator >= 0 ? separator + 3 : schemelessUserInfo(text, tokenStart, tokenEnd);
            while (userInfo >= 0) {
                int next = find(text, "://", userInfo, tokenEnd);
                int end = next < 0 ? tokenEnd : schemeStart(text, userInfo, next);
                int at = lastIndexOf(text, '@', userInfo, end);
                if (at < 0 && next < 0 && isBlank(text, tokenEnd) && lastIndexOf(text, ':', userInfo, tokenEnd) >= 0) {
                    at = separator >= 0 ? userInfoEndPastBlank(text, schemeStart(text, tokenStart, userInfo - 3),
                            tokenEnd, value, true) : schemelessUserInfoEndPastBlank(text, userInfo, tokenEnd);
                }
                if (at >= 0) {
                    if (out == null) {
                        out = new StringBuilder(text.length());
                    }
                    out.append(text, copied, userInfo).append(MASK);
                    copied = at;
                    i = Math.max(i, at); // the words up to an '@' after a blank are masked, not read again
                }
                userInfo = next < 0 ? -1 : next + 3;
            }
            tokenStart = i + 1;
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * The {@code @} that ends user info a blank at {@code blank} interrupts ({@code 'rediss://:p w@h'}),
     * within the URL's {@linkplain #knownEnd known extent} that starts at {@code url}, before a host
     * (and, without a scheme, a port); else -1.
     */
    private static int userInfoEndPastBlank(String text, int url, int blank, boolean value, boolean schemed) {
        int end = knownEnd(text, url, blank, value, "");
        int at = end < 0 ? -1 : lastIndexOf(text, '@', blank, end);
        if (at < 0 || at + 1 >= end) {
            return -1;
        }
        char first = text.charAt(at + 1);
        if (!(first < 128 && Character.isLetterOrDigit(first) || first == '[')) {
            return -1;
        }
        int hostEnd = at + 1;
        while (hostEnd < end && !Character.isWhitespace(text.charAt(hostEnd))) {
            hostEnd++;
        }
        return schemed || endsInPort(text, at + 1, hostEnd) ? at : -1;
    }

    /**
     * {@link #userInfoEndPastBlank} for user info without a scheme, which only a quoted server has
     * ({@code 'u:p w@h:9092'}): in running text, or made of digits and {@code : , .} (a time,
     * {@code 17:05:04,913}), it is no user info.
     */
    private static int schemelessUserInfoEndPastBlank(String text, int from, int blank) {
        for (int i = from; i < blank; i++) {
            if ("0123456789:,.".indexOf(text.charAt(i)) < 0) {
                return userInfoEndPastBlank(text, from, blank, false, false);
            }
        }
        return -1;
    }

    /**
     * Where a secret of the URL that starts at {@code url}, which a blank at {@code blank} interrupts,
     * may run to, or -1 when the URL's extent cannot be told: for a quoted URL ({@code 'rediss://:p w@h'},
     * after {@code [} or {@code (} too), its closing quote; in a {@code value} ({@link #startsWithUrl},
     * a setting's value shown on its own), the end of the text. Either way no further than a line break,
     * the next URL (where its scheme starts) or the first of {@code stops}. In running text an unquoted
     * URL ends at its first blank: what follows is the message's.
     */
    static int knownEnd(String text, int url, int blank, boolean value, String stops) {
        char quote = openingQuote(text, url);
        if (quote == 0 && !value || quote != 0 && lastIndexOf(text, quote, url, blank) >= 0) {
            return -1; // running text, or a quote closed before the blank
        }
        for (int end = blank; end < text.length(); end++) {
            char c = text.charAt(end);
            if (c == quote && quote != 0 || c == '\r' || c == '\n' || stops.indexOf(c) >= 0) {
                return end;
            }
            if (text.startsWith("://", end)) {
                return schemeStart(text, blank, end);
            }
        }
        return value ? text.length() : -1;
    }

    /** The quote before {@code url} and any {@code [} or {@code (} there ({@code ['nats://}), or 0. */
    private static char openingQuote(String text, int url) {
        int before = url;
        while (before > 0 && (text.charAt(before - 1) == '[' || text.charAt(before - 1) == '(')) {
            before--;
        }
        char c = before > 0 ? text.charAt(before - 1) : 0;
        return c == '\'' || c == '"' ? c : 0;
    }

    /** Whether the text starts with a URL, after any quotes and brackets: a setting's value, a URL or a list. */
    static boolean startsWithUrl(String text) {
        int start = 0;
        while (start < text.length() && "'\"[(".indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        return schemeEnd(text, start) >= 0;
    }

    /** Where the {@code scheme://} that starts at {@code from} ends, or -1. */
    private static int schemeEnd(String text, int from) {
        if (from >= text.length() || !Character.isLetter(text.charAt(from)) || text.charAt(from) >= 128) {
            return -1;
        }
        int end = from;
        while (end < text.length() && isSchemeChar(text.charAt(end))) {
            end++;
        }
        return text.startsWith("://", end) ? end + 3 : -1;
    }

    private static boolean isBlank(String text, int at) {
        return at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t');
    }

    private static boolean endsToken(char c) {
        return Character.isWhitespace(c) || c == '"' || c == '<' || c == '>';
    }

    /**
     * Whether [from, to) of a URL, before a second {@code ://}, may be user info: unless it is a
     * whole URL with user info, then a list's comma ({@code a:p@h1:4222,nats}), it may be a
     * password's start ({@code u:p/a}, {@code u:p,a}).
     */
    private static boolean isUserInfo(String text, int from, int to) {
        int at = lastIndexOf(text, '@', from, to);
        return at < 0 || text.indexOf(',', at) < 0 || text.indexOf(',', at) >= to;
    }

    private static boolean isOneToken(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (endsToken(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * For a token without a scheme that holds {@code user:pass@}, or {@code token@} before a host
     * and port, or {@code user:} and no {@code @} (whose password may go on after a blank), where
     * it starts (after quotes and brackets); else -1.
     */
    private static int schemelessUserInfo(String text, int from, int to) {
        int start = from;
        while (start < to && "'[(,".indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        int colon = -1;
        for (int i = start; i < to; i++) {
            char c = text.charAt(i);
            if (c == ':' && colon < 0) {
                colon = i;
            } else if (c == '@') {
                return colon >= 0 || endsInPort(text, lastIndexOf(text, '@', i, to) + 1, to) ? start : -1;
            }
        }
        return colon >= 0 ? start : -1;
    }

    /**
     * Whether [from, to) of {@code text}, less closing quotes, brackets and punctuation, is a host
     * and a port: ends in {@code :} and digits ({@code nats1:4222'}, {@code [::1]:4222,}).
     */
    private static boolean endsInPort(String text, int from, int to) {
        int end = to;
        while (end > from && "')],.;:".indexOf(text.charAt(end - 1)) >= 0) {
            end--;
        }
        int digits = end;
        while (digits > from && text.charAt(digits - 1) >= '0' && text.charAt(digits - 1) <= '9') {
            digits--;
        }
        return digits < end && digits - 1 > from && text.charAt(digits - 1) == ':';
    }

    /** Where {@code part} starts within [from, to) of {@code text}, or -1. */
    private static int find(String text, String part, int from, int to) {
        for (int i = from; i + part.length() <= to; i++) {
            if (text.startsWith(part, i)) {
                return i;
            }
        }
        return -1;
    }

    /** The last {@code c} within [from, to) of {@code text}, or -1. */
    private static int lastIndexOf(String text, char c, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** The start of the scheme whose {@code ://} is at {@code separator}, not before {@code floor}. */
    static int schemeStart(String text, int floor, int separator) {
        int start = separator;
        while (start > floor && isSchemeChar(text.charAt(start - 1))) {
            start--;
        }
        return start;
    }

    private static boolean isSchemeChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '+' || c == '.' || c == '-');
    }
}

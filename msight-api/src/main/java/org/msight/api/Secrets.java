package org.msight.api;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Keeps secrets out of logs, status output and error messages. */
public final class Secrets {

    /** A scheme at the start of a text. */
    static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");
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
     * for a list of URLs ({@code nats://a:p@h1:4222,nats://b:q@h2:4222}), each masked on its own. In
     * longer text, user info with a {@code :} and no {@code /} that a blank interrupts
     * ({@code not 'rediss://:p w@h'}, {@code servers u:p w@h:9092}) is masked up to the {@code @}
     * before a host (and a port, without a scheme) in a later word, before the next URL, quote or line
     * break. As a password may hold {@code /}, an {@code @} in a path is taken for the end of user info:
     * {@code http://host/me@example.org} shows as {@code http://***@example.org}. Text that holds
     * no user info is returned unchanged. Linear in the length of the text.
     *
     * <p>The value of a parameter whose name says it is a secret ({@code password}, {@code pwd},
     * {@code access_token}, {@code api_key}, {@code X-Amz-Signature}...: what the name holds says
     * so) is masked too, in a URL or not:
     * {@code https://host/frames?api_key=K&cam=3} becomes {@code https://host/frames?api_key=***&cam=3},
     * {@code rtsp://cam/user=admin&password=P&channel=1} becomes
     * {@code rtsp://cam/user=admin&password=***&channel=1}; a query's value that holds a blank
     * ({@code ?password=p w}) as far as the URL can be told from the text around it.
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
        Matcher scheme = SCHEME.matcher(text);
        if (scheme.lookingAt()) {
            int second = text.indexOf("://", scheme.end());
            if (second < 0 || isOneToken(text) && isUserInfo(text, scheme.end(), second)) {
                int at = text.lastIndexOf('@');
                return at < scheme.end() ? text : text.substring(0, scheme.end()) + MASK + text.substring(at);
            }
        }
        StringBuilder out = null;
        int copied = 0;
        int tokenStart = 0;
        Ahead ahead = null; // what follows the last token that a blank ended, for user info holding a blank
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
                if (at < 0 && next < 0 && mayGoOnAfterBlank(text, userInfo, tokenEnd, separator >= 0)) {
                    ahead = ahead != null && ahead.stop() >= tokenEnd ? ahead : Ahead.of(text, tokenEnd);
                    at = ahead.userInfoEnd(text, separator >= 0);
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
     * Whether user info that starts at {@code from} may go on after the blank at {@code to}
     * ({@code rediss://:p w@h}, {@code u:p w@h:9092}): it holds a {@code :} (user and password),
     * no {@code /} (a path: its user info is over) and does not end in punctuation
     * ({@code servers:}, a list's {@code ,}); without a scheme, it is no host and port ({@code h1:9092}).
     */
    private static boolean mayGoOnAfterBlank(String text, int from, int to, boolean schemed) {
        if (to >= text.length() || text.charAt(to) != ' ' && text.charAt(to) != '\t' || to == from) {
            return false;
        }
        return lastIndexOf(text, ':', from, to) >= 0 && lastIndexOf(text, '/', from, to) < 0
                && ",;:.'\")]".indexOf(text.charAt(to - 1)) < 0 && (schemed || !endsInPort(text, from, to));
    }

    /**
     * What follows a blank, for user info that goes on after it: the first line break, quote,
     * angle bracket, {@code @} or {@code ://} ({@code stop}), and when that is an {@code @}, the
     * last {@code @} of its word ({@code at}), the word running to a blank or the next URL ({@code wordEnd}).
     */
    private record Ahead(int stop, int at, int wordEnd) {

        static Ahead of(String text, int from) {
            int stop = from;
            while (stop < text.length() && "\r\n\"'<>@".indexOf(text.charAt(stop)) < 0
                    && !text.startsWith("://", stop)) {
                stop++;
            }
            if (stop == text.length() || text.charAt(stop) != '@') {
                return new Ahead(stop, -1, -1);
            }
            int wordEnd = stop;
            while (wordEnd < text.length() && !endsToken(text.charAt(wordEnd)) && !text.startsWith("://", wordEnd)) {
                wordEnd++;
            }
            wordEnd = wordEnd < text.length() && text.charAt(wordEnd) == ':' ? schemeStart(text, stop, wordEnd) : wordEnd;
            return new Ahead(stop, lastIndexOf(text, '@', stop, wordEnd), wordEnd);
        }

        /**
         * The {@code @} that ends the user info, or -1: {@link #at} when a host follows it, and,
         * without a scheme, a port after the host ({@code w@127.0.0.1:2}).
         */
        int userInfoEnd(String text, boolean schemed) {
            if (at < 0 || at + 1 >= wordEnd) {
                return -1;
            }
            char first = text.charAt(at + 1);
            boolean host = first < 128 && Character.isLetterOrDigit(first) || first == '[';
            return host && (schemed || endsInPort(text, at + 1, wordEnd)) ? at : -1;
        }
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

package org.msight.plugins.httpuploader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** URLs quoted and unquoted as MSight's requests (with its urllib3) and Python's urllib do it. */
final class UrlQuoting {

    /** What requests leaves as it is: RFC 3986's unreserved characters and its delimiters. */
    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    private static final String KEPT = UNRESERVED + "!#$&'()*+,/:;=?@[]";
    /** What urllib3 leaves as it is in a path: the unreserved characters, RFC 3986's sub-delims, ':', '@', '/'. */
    private static final String PATH_KEPT = UNRESERVED + "!$&'()*+,;=:@/";
    /** What urllib3 leaves as it is in a query: a path's characters and '?'. */
    private static final String QUERY_KEPT = PATH_KEPT + "?";
    /** What urllib3 leaves as it is in user info: the unreserved characters, RFC 3986's sub-delims, ':'. */
    private static final String USER_INFO_KEPT = UNRESERVED + "!$&'()*+,;=:";
    private static final String HEX = "0123456789ABCDEF";
    /** A '%' and two characters that are no escape, which makes requests quote every '%' of the URL. */
    private static final Pattern NOT_AN_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})[\\p{Alnum}]{2}",
            Pattern.UNICODE_CHARACTER_CLASS); // as Python's isalnum(): letters and digits of any script
    private static final Pattern ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");
    /** A URL's parts as urllib3 takes it apart: scheme, authority, path, query; any fragment after them. */
    private static final Pattern PARTS = Pattern.compile(
            "((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?)(?://([^\\\\/?#]*))?([^?#]*)(?:\\?([^#]*))?(?:#.*)?", Pattern.DOTALL);

    private UrlQuoting() {
    }

    /**
     * A url's path and query as requests sends them: taken apart by urllib3's {@code parse_url}
     * (dot segments removed from the path: {@code /a/./b/../c} as {@code /a/c}; each part
     * {@linkplain #encoded encoded}), then {@linkplain #requoted requoted}.
     *
     * @param rawQuery the query without its {@code ?}, or {@code null} for none
     */
    static String sentPathAndQuery(String rawPath, String rawQuery) {
        String path = encoded(withoutDotSegments(rawPath), PATH_KEPT);
        return requoted(rawQuery == null ? path : path + "?" + encoded(rawQuery, QUERY_KEPT));
    }

    /**
     * A URL with its user info, path and query {@linkplain #encoded encoded} as urllib3's {@code parse_url}
     * and {@code _encode_target} encode them (the user info ending at the authority's last {@code @}:
     * {@code //cam:p@ss@h} as {@code //cam:p%40ss@h}), its dot segments left; its fragment, never sent, left out.
     */
    static String targetEncoded(String url) {
        Matcher parts = PARTS.matcher(url);
        if (!parts.matches()) { // every text matches: each part may be empty
            throw new IllegalStateException("no parts in " + url);
        }
        String authority = parts.group(2) == null ? "" : "//" + userInfoEncoded(parts.group(2));
        String path = parts.group(1) + authority + encoded(parts.group(3), PATH_KEPT);
        return parts.group(4) == null ? path : path + "?" + encoded(parts.group(4), QUERY_KEPT);
    }

    /** An authority with the user info before its last {@code @} {@linkplain #encoded encoded}, as urllib3's. */
    private static String userInfoEncoded(String authority) {
        int at = authority.lastIndexOf('@');
        return at < 0 ? authority : encoded(authority.substring(0, at), USER_INFO_KEPT) + authority.substring(at);
    }

    /**
     * A path without its {@code .} and {@code ..} segments, as urllib3 removes them
     * ({@code _remove_path_dot_segments}, after RFC 3986 5.2.4): {@code /a/./b/../c} as {@code /a/c}.
     */
    static String withoutDotSegments(String path) {
        List<String> kept = new ArrayList<>();
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
            } else if (!segment.equals(".")) {
                kept.add(segment);
            }
        }
        if (path.startsWith("/") && (kept.isEmpty() || !kept.get(0).isEmpty())) {
            kept.add(0, "");
        }
        if (path.endsWith("/.") || path.endsWith("/..")) {
            kept.add("");
        }
        return String.join("/", kept);
    }

    /**
     * A path or query with what it may not hold percent-encoded as urllib3 encodes it
     * ({@code _encode_invalid_chars}): escapes in upper case ({@code %2f} as {@code %2F}), each
     * character not {@code kept} as its UTF-8 bytes ({@code [} as {@code %5B}), and each {@code %}
     * too where one of them starts no escape ({@code 50%} as {@code 50%25}).
     */
    private static String encoded(String component, String kept) {
        String upper = ESCAPE.matcher(component).replaceAll(escape -> escape.group().toUpperCase(Locale.ROOT));
        boolean escaped = ESCAPE.matcher(upper).results().count() == upper.chars().filter(c -> c == '%').count();
        StringBuilder encoded = new StringBuilder(upper.length() + 16);
        for (byte b : upper.getBytes(StandardCharsets.UTF_8)) {
            if (b == '%' && escaped || b >= 0 && kept.indexOf(b) >= 0) {
                encoded.append((char) b);
            } else {
                appendEscape(encoded, b);
            }
        }
        return encoded.toString();
    }

    /**
     * A URL as requests requotes it ({@code requote_uri}): every character a URL cannot hold (a
     * space, a letter beyond ASCII) percent-encoded as UTF-8, escapes of unreserved characters
     * decoded, others kept.
     */
    static String requoted(String url) {
        boolean percentKept = !NOT_AN_ESCAPE.matcher(url).find();
        StringBuilder quoted = new StringBuilder(url.length() + 16);
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '%' && percentKept) {
                int code = i + 2 < url.length() ? hex(url.charAt(i + 1), url.charAt(i + 2)) : -1;
                if (code >= 0 && UNRESERVED.indexOf(code) >= 0) {
                    quoted.append((char) code);
                    i += 2;
                } else {
                    quoted.append(c);
                }
            } else if (c < 0x80 && KEPT.indexOf(c) >= 0) {
                quoted.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < url.length() ? i + 2 : i + 1;
                for (byte b : url.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    appendEscape(quoted, b);
                }
                i = end - 1;
            }
        }
        return quoted.toString();
    }

    private static void appendEscape(StringBuilder text, byte b) {
        text.append('%').append(HEX.charAt((b >> 4) & 0xF)).append(HEX.charAt(b & 0xF));
    }

    /**
     * {@code text} with its %-escapes decoded as UTF-8, as urllib's {@code unquote} does it: a
     * {@code %} without two hex digits after it is kept as it is ({@code 50%off}), bytes that are
     * no UTF-8 become U+FFFD, a {@code +} stays.
     */
    static String unquoted(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder decoded = new StringBuilder(text.length());
        ByteArrayOutputStream escapes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            int code = text.charAt(i) == '%' && i + 2 < text.length()
                    ? hex(text.charAt(i + 1), text.charAt(i + 2)) : -1;
            if (code >= 0) {
                escapes.write(code);
                i += 2;
            } else {
                decoded.append(escapes.toString(StandardCharsets.UTF_8)).append(text.charAt(i));
                escapes.reset();
            }
        }
        return decoded.append(escapes.toString(StandardCharsets.UTF_8)).toString();
    }

    /** The byte two ASCII hex digits make, or -1. */
    private static int hex(char high, char low) {
        int h = HEX.indexOf(Character.toUpperCase(high));
        int l = HEX.indexOf(Character.toUpperCase(low));
        return h < 0 || l < 0 ? -1 : h * 16 + l;
    }
}

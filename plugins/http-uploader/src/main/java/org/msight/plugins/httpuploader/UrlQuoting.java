package org.msight.plugins.httpuploader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** URLs quoted and unquoted as MSight's requests and Python's urllib do it. */
final class UrlQuoting {

    /** What requests leaves as it is: RFC 3986's unreserved characters and its delimiters. */
    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    private static final String KEPT = UNRESERVED + "!#$&'()*+,/:;=?@[]";
    private static final String HEX = "0123456789ABCDEF";
    /** A '%' and two characters that are no escape, which makes requests quote every '%' of the URL. */
    private static final Pattern NOT_AN_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})[\\p{Alnum}]{2}",
            Pattern.UNICODE_CHARACTER_CLASS); // as Python's isalnum(): letters and digits of any script

    private UrlQuoting() {
    }

    /**
     * A URL as requests sends it ({@code requote_uri}): every character a URL cannot hold (a
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
                    quoted.append('%').append(HEX.charAt((b >> 4) & 0xF)).append(HEX.charAt(b & 0xF));
                }
                i = end - 1;
            }
        }
        return quoted.toString();
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

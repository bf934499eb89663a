package org.msight.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Keeps secrets out of logs, status output and error messages. */
public final class Secrets {

    /**
     * The user info of a URL in text: everything from the scheme's {@code ://} to the last
     * {@code @} before white space or a character no URL holds ({@code " < >}). A user name may
     * hold {@code @} ({@code john@corp.example:pw@host}), a password {@code / ? # '}, and a token
     * may be the whole user info ({@code http://TOKEN@host}).
     */
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^\\s\"<>]*@");
    /** A scheme at the start of a text. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

    private Secrets() {
    }

    /**
     * Text safe to show: the user info of every URL in it is masked whole, so
     * {@code rtsp://user:pass@host/x} becomes {@code rtsp://***@host/x} and
     * {@code http://TOKEN@host/x} becomes {@code http://***@host/x}. A text that is one URL (a
     * setting's value) is masked up to its last {@code @}, so a password holding white space or
     * quotes is masked too. As a password may hold {@code /}, an {@code @} in a path is taken for
     * the end of user info: {@code http://host/me@example.org} shows as
     * {@code http://***@example.org}. Text that holds no URL user info is returned unchanged.
     */
    public static String redactUrl(String text) {
        if (text == null || !text.contains("://")) {
            return text;
        }
        Matcher scheme = SCHEME.matcher(text);
        if (scheme.lookingAt() && text.indexOf("://", scheme.end()) < 0) {
            int at = text.lastIndexOf('@');
            return at < scheme.end() ? text : text.substring(0, scheme.end()) + "***" + text.substring(at);
        }
        return URL_USER_INFO.matcher(text).replaceAll("***@");
    }
}

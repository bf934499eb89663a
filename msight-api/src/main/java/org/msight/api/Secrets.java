package org.msight.api;

import java.util.regex.Pattern;

/** Keeps secrets out of logs, status output and error messages. */
public final class Secrets {

    /**
     * The user info of a URL: everything from the scheme's {@code ://} to the last {@code @}
     * of the authority (which ends at {@code /}, {@code ?}, {@code #}, a quote or white space),
     * as URL parsers read it. A user name may hold {@code @} ({@code john@corp.example:pw@host}),
     * and a token may be the whole user info ({@code http://TOKEN@host}).
     */
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^/?#\\s\"'<>]*@");

    private Secrets() {
    }

    /**
     * Text safe to show: the user info of every URL in it is masked whole, so
     * {@code rtsp://user:pass@host/x} becomes {@code rtsp://***@host/x} and
     * {@code http://TOKEN@host/x} becomes {@code http://***@host/x}. Text that holds no URL user
     * info is returned unchanged.
     */
    public static String redactUrl(String text) {
        return text == null || !text.contains("://") ? text : URL_USER_INFO.matcher(text).replaceAll("***@");
    }
}

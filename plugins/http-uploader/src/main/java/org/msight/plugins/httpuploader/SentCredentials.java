package org.msight.plugins.httpuploader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.Secret;
import org.msight.api.Secrets;

/**
 * What the uploader sends that may be secret: its headers' values (the credentials after an
 * authorization scheme such as {@code Bearer}), the url's user info as HTTP Basic credentials,
 * and the values of the url's query parameters, any of which may be a key ({@code ?code=} of
 * Azure Functions), as sent and %-decoded; not the {@code partition_key} the uploader adds. A
 * server that echoes a request in its answer must not bring them into the log.
 */
final class SentCredentials {

    /** Shorter values are left as they are: no credentials, and masking them would garble the text. */
    private static final int SHORTEST = 4;
    /**
     * From this length a value is masked wherever it stands, inside a longer word too: a token
     * echoed as a file name ({@code TOKEN.json}) or with a suffix ({@code TOKEN-x}). Shorter ones
     * could be plain words ({@code door} in {@code doorbell}), so only whole words are masked.
     */
    private static final int ANYWHERE = 12;

    /**
     * What beside a value makes it part of a longer word, where it is left as it is: a letter or a
     * digit, or a token's joining punctuation with a letter or digit beyond it. Punctuation alone
     * (the end of a sentence) and a path's slash do not.
     */
    private static final String WORD_BEFORE = "[\\p{L}\\p{N}]|[\\p{L}\\p{N}][\\-._~+]{1,8}";
    private static final String WORD_AFTER = "[\\p{L}\\p{N}]|[\\-._~+]+[\\p{L}\\p{N}]";

    /** One per value, longest first, so that none is left half masked by a shorter one inside it. */
    private final List<Pattern> values;

    /** @param proxy the url's proxy, whose credentials are sent too (a proxy may echo them), or {@code null} */
    SentCredentials(UploaderSettings settings, EnvironmentProxies.Proxy proxy) {
        List<String> found = new ArrayList<>();
        for (Secret header : settings.headers().values()) {
            String value = header.value().strip();
            int space = value.indexOf(' ');
            found.add(space > 0 && Secrets.isAuthorizationScheme(value.substring(0, space))
                    ? value.substring(space + 1).strip() : value);
        }
        String userInfo = settings.target().basicCredentials();
        if (userInfo != null) {
            found.add(settings.target().basicToken());
            found.add(userInfo.substring(userInfo.indexOf(':') + 1)); // the password
        }
        for (String value : settings.target().queryValues()) {
            found.add(value);
            found.add(UrlQuoting.unquoted(value.replace('+', ' '))); // as a server reads it
        }
        if (proxy != null && proxy.user() != null) {
            found.add(Base64.getEncoder().encodeToString((proxy.user() + ":" + proxy.password())
                    .getBytes(StandardCharsets.ISO_8859_1)));
            found.add(proxy.password());
        }
        this.values = found.stream().filter(value -> value.length() >= SHORTEST).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(value -> Pattern.compile(value.length() >= ANYWHERE ? Pattern.quote(value)
                        : "(?<!" + WORD_BEFORE + ")" + Pattern.quote(value) + "(?!" + WORD_AFTER + ")"))
                .toList();
    }

    /** {@code text} with every credential sent masked: a long one anywhere, a short one where it is a whole word. */
    String hide(String text) {
        String hidden = text;
        for (Pattern value : values) {
            hidden = value.matcher(hidden).replaceAll(Matcher.quoteReplacement(Secrets.MASK));
        }
        return hidden;
    }
}

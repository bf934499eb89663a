package org.msight.plugins.httpuploader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.msight.api.Secret;
import org.msight.api.Secrets;

/**
 * What the uploader sends that is secret: its headers' values (the credentials after a scheme
 * such as {@code Bearer}) and the url's user info as HTTP Basic credentials. A server that echoes
 * a request in its answer must not bring them into the log.
 */
final class SentCredentials {

    /** Shorter values are left as they are: no secret, and masking them would garble the text. */
    private static final int SHORTEST = 4;

    /** Longest first, so that none is left half masked by a shorter one inside it. */
    private final List<String> values;

    SentCredentials(UploaderSettings settings) {
        List<String> found = new ArrayList<>();
        for (Secret header : settings.headers().values()) {
            String value = header.value().trim();
            int space = value.indexOf(' ');
            found.add(space < 0 ? value : value.substring(space + 1).trim()); // "Bearer <token>": the token
        }
        String userInfo = settings.target().basicCredentials();
        if (userInfo != null) {
            found.add(Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
            int colon = userInfo.indexOf(':');
            found.add(colon < 0 ? userInfo : userInfo.substring(colon + 1)); // a token alone, or the password
        }
        this.values = found.stream().filter(value -> value.length() >= SHORTEST).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** {@code text} with every credential sent masked. */
    String hide(String text) {
        String hidden = text;
        for (String value : values) {
            if (hidden.contains(value)) {
                hidden = hidden.replace(value, Secrets.MASK);
            }
        }
        return hidden;
    }
}

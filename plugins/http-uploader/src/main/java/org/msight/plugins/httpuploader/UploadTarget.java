package org.msight.plugins.httpuploader;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.msight.api.Secrets;
import org.msight.api.Setting;

/**
 * Where uploads go: the URL without its credentials (HttpClient takes none in the URL; like
 * Python's requests they become HTTP Basic credentials), and the URL as it may be logged.
 *
 * @param base the URL without user info, with its path and query as requests sends them
 *     ({@link UrlQuoting#sentPathAndQuery}: {@code /上传} as {@code /%E4%B8%8A%E4%BC%A0},
 *     {@code ?ids[]=1} as {@code ?ids%5B%5D=1})
 * @param loggable the URL with its user info and the value of each query parameter masked: any may
 *     be a key ({@code ?code=} of Azure Functions)
 * @param basicCredentials {@code user:password} from the URL, or {@code null}: none either where the
 *     URL names a user without a password, which requests sends no Authorization for
 */
record UploadTarget(String base, String loggable, String basicCredentials) {

    static UploadTarget parse(String url) {
        String trimmed = url.trim();
        String encoded = UrlQuoting.targetEncoded(trimmed); // ?f={"a":1}, /a b, as requests takes them: URI does not
        URI uri;
        try {
            uri = new URI(encoded);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url: not a valid URL (" + e.getReason() + "): " + shown(trimmed));
        }
        if (!Setting.isUrl(encoded, "http", "https")) {
            throw new IllegalArgumentException("url: must be http://host[:port][/path] or https://..., was "
                    + shown(trimmed));
        }
        if (trimmed.contains("#")) { // the encoded url has none: never sent
            throw new IllegalArgumentException("url: must not have a #fragment");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String pathAndQuery = UrlQuoting.sentPathAndQuery(uri.getRawPath() == null ? "" : uri.getRawPath(),
                uri.getRawQuery());
        if (uri.getHost() == null) { // a host name with '_', which URI does not take apart: HttpClient reads the authority
            String authority = uri.getRawAuthority();
            int at = authority.lastIndexOf('@');
            if (scheme.equals("https") && authority.substring(at + 1).contains("_")) { // the JDK's check throws "Illegal given domain name"
                throw new IllegalArgumentException("url: a host name with '_' works over http:// only: Java's TLS"
                        + " cannot check a certificate's name against it; give the server a name without '_' (a"
                        + " network alias), was " + shown(trimmed));
            }
            return new UploadTarget(scheme + "://" + authority.substring(at + 1) + pathAndQuery,
                    loggable(trimmed), at < 0 ? null : basic(authority.substring(0, at)));
        }
        String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        return new UploadTarget(scheme + "://" + authority + pathAndQuery, loggable(trimmed),
                uri.getRawUserInfo() == null ? null : basic(uri.getRawUserInfo()));
    }

    /** {@code url} with its user info and the value of each query parameter (or a parameter without one) masked. */
    private static String loggable(String url) {
        String masked = Secrets.redactUrl(url);
        int query = masked.indexOf('?');
        return query < 0 ? masked : masked.substring(0, query + 1) + Arrays.stream(masked.substring(query + 1)
                .split("&", -1)).map(UploadTarget::valueMasked).collect(Collectors.joining("&"));
    }

    /** A query's parameter with its value masked, one without {@code =} whole; as it is with nothing to mask. */
    private static String valueMasked(String parameter) {
        int equals = parameter.indexOf('=');
        return equals == parameter.length() - 1 ? parameter : parameter.substring(0, equals + 1) + Secrets.MASK;
    }

    /** The value of each parameter of the url's query as it is sent, and a parameter without {@code =} whole. */
    List<String> queryValues() {
        int query = base.indexOf('?');
        return query < 0 ? List.of() : Arrays.stream(base.substring(query + 1).split("&"))
                .map(parameter -> parameter.substring(parameter.indexOf('=') + 1)).toList();
    }

    /**
     * The Basic credentials of a URL's raw user info, %-escapes decoded, as Python's requests takes
     * them: none for a user without a password (no {@code :} before decoding: {@code %3A} is part of
     * the name), and only characters Latin-1 has, which it encodes them in.
     */
    private static String basic(String rawUserInfo) {
        if (rawUserInfo.indexOf(':') < 0) {
            return null;
        }
        String userInfo = URI.create("http://" + rawUserInfo + "@host").getUserInfo();
        if (!StandardCharsets.ISO_8859_1.newEncoder().canEncode(userInfo)) {
            throw new IllegalArgumentException("url: its user name or password holds a character HTTP Basic"
                    + " credentials cannot carry (they are sent in Latin-1, as MSight's requests sends them)");
        }
        return userInfo;
    }

    /** A URL for an error message: masked, and not shown at all when credentials may be in it unrecognised. */
    private static String shown(String url) {
        String masked = loggable(url);
        return masked.contains("@") && !masked.contains("***@") ? "(not shown: it may hold credentials)"
                : "'" + masked + "'";
    }

    /** The loggable URL only: never the credentials. */
    @Override
    public String toString() {
        return loggable;
    }

    /** The Basic token of {@link #basicCredentials}, as it is sent: Base64 of Latin-1; {@code null} without credentials. */
    String basicToken() {
        return basicCredentials == null ? null
                : Base64.getEncoder().encodeToString(basicCredentials.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Whether uploads go over TLS. */
    boolean https() {
        return base.startsWith("https:");
    }

    /**
     * The URL of one upload: the base with {@code partition_key} added to its query as MSight's
     * requests adds it, after an {@code &} unless the query is empty ({@code ?a=1&} gives
     * {@code ?a=1&&partition_key=...}), escaped as Python's {@code quote_plus} does it ({@code ~}
     * kept, {@code *} escaped: the JDK's encoder does the reverse).
     */
    String uploadUrl(String partitionKey) {
        int query = base.indexOf('?');
        String separator = query < 0 ? "?" : query == base.length() - 1 ? "" : "&";
        return base + separator + "partition_key=" + URLEncoder.encode(partitionKey, StandardCharsets.UTF_8)
                .replace("*", "%2A").replace("%7E", "~");
    }
}

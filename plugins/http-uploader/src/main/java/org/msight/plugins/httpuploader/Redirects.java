package org.msight.plugins.httpuploader;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.LogSafe;
import org.msight.api.Secrets;

/**
 * Where a redirect sends an upload, as MSight's requests follows one: a 307 or 308 sends the same
 * POST, body and headers to its {@code Location} (percent-encoded where it must be, as requests
 * does), resolved against the URL that answered, up to
 * {@link #MOST} times; the url's Basic credentials (and a configured {@code Authorization} header)
 * go only where the host, scheme and port stay the same, or for http on port 80 to https on 443.
 * A 301, 302 or 303 is not followed: requests turns it into a GET without the body, which loses
 * the upload while it seems delivered; the message is refused with where to point {@code url}.
 */
final class Redirects {

    /** Redirects one upload follows at most, as requests does. */
    static final int MOST = 30;
    /** The port at the end of an authority {@link URI} does not take apart (a host with '_'). */
    private static final Pattern PORT = Pattern.compile(":(\\d+)$");

    private Redirects() {
    }

    /**
     * One POST of an upload.
     *
     * @param url where it goes, with its {@code partition_key}
     * @param authorized whether the credentials go with it
     * @param redirects how many redirects led to it
     */
    record Post(String url, boolean authorized, int redirects) {

        /** The first POST of an upload, to the url. */
        static Post first(String url) {
            return new Post(url, true, 0);
        }
    }

    /** Whether a status is a redirect: one that is followed, or refused with where it points. */
    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * The POST a redirect of {@code post} leads to.
     *
     * @throws IllegalStateException a refusal of the message, saying why and what to set instead
     */
    static Post follow(Post post, int status, String location) {
        String refused = "the server answered status " + status;
        if (location == null || location.isBlank()) { // requests follows no empty Location
            throw new IllegalStateException(refused + " without a Location to go to");
        }
        URI next;
        try {
            String requoted = requoted(location.strip());
            next = requoted.isEmpty() || requoted.equals("?") // a fragment or '?' alone: urljoin keeps the url
                    ? new URI(post.url()) : resolved(post.url(), requoted);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException(refused + " with a Location that is not a URL: " + shown(location));
        }
        String scheme = String.valueOf(next.getScheme()).toLowerCase(Locale.ROOT);
        if (next.getRawAuthority() == null || !scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalStateException(refused + " with a Location that is not an http(s) URL: " + shown(location));
        }
        if (status != 307 && status != 308) {
            throw new IllegalStateException(refused + " (moved to " + shown(next.toString()) + "): only 307 and 308"
                    + " are followed, as they keep the POST and its body (MSight's requests turns a " + status
                    + " into a GET without it); set url to where it points");
        }
        if (post.redirects() >= MOST) {
            throw new IllegalStateException(refused + " after " + MOST + " redirects already (a loop?), the latest"
                    + " to " + shown(next.toString()));
        }
        return new Post(next.toASCIIString(), post.authorized() && keepsCredentials(URI.create(post.url()), next),
                post.redirects() + 1);
    }

    /**
     * A Location as requests reads it: its bytes, which HTTP hands over as Latin-1, taken as UTF-8
     * where they are that, {@linkplain UrlQuoting#requoted requoted} ({@code requote_uri}), then
     * with its path and query encoded as urllib3 sends them ({@link UrlQuoting#targetEncoded}).
     */
    static String requoted(String location) {
        return UrlQuoting.targetEncoded(UrlQuoting.requoted(asUtf8(location)));
    }

    /** Where a {@linkplain #requoted requoted} Location leads from {@code url}, without user info or fragment. */
    private static URI resolved(String url, String requoted) throws URISyntaxException {
        URI reference = new URI(requoted);
        URI resolved = requoted.startsWith("?") // RFC 3986 keeps the path for a query alone; URI.resolve does not
                ? new URI(url.replaceFirst("[?#].*$", "") + requoted)
                : new URI(url).resolve(reference);
        String authority = resolved.getRawAuthority(); // a host with '_' has one, and no getHost()
        return authority == null ? resolved // refused by the caller
                : new URI(resolved.getScheme() + "://" + authority.substring(authority.lastIndexOf('@') + 1)
                        + sentTarget(resolved, reference.getRawAuthority() == null));
    }

    /**
     * The path and query requests sends a redirect to: those of a Location without a host, resolved
     * against the URL that answered, without dot segments as Python's {@code urljoin} leaves them
     * ({@link URI#resolve} keeps {@code /a/./b} and {@code /../b}); a Location's with a host as they
     * are; {@code /} for an empty path, an empty query left out.
     */
    private static String sentTarget(URI resolved, boolean joined) {
        String path = joined ? UrlQuoting.withoutDotSegments(resolved.getRawPath()) : resolved.getRawPath();
        String query = resolved.getRawQuery();
        return (path.isEmpty() ? "/" : path) + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    /** The header's Latin-1 characters as the UTF-8 they hold, or as they are where they are not UTF-8. */
    private static String asUtf8(String header) {
        byte[] bytes = header.getBytes(StandardCharsets.ISO_8859_1);
        if (!new String(bytes, StandardCharsets.ISO_8859_1).equals(header)) {
            return header; // already beyond Latin-1: decoded by other means
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException notUtf8) {
            return header;
        }
    }

    /** requests' rule: the same host, scheme and port (a default one written or not), or http:80 to https:443. */
    private static boolean keepsCredentials(URI from, URI to) {
        if (!host(from).equalsIgnoreCase(host(to))) {
            return false;
        }
        String fromScheme = from.getScheme().toLowerCase(Locale.ROOT);
        String toScheme = to.getScheme().toLowerCase(Locale.ROOT);
        if (fromScheme.equals("http") && toScheme.equals("https")) {
            return port(from) == 80 && port(to) == 443;
        }
        return fromScheme.equals(toScheme) && port(from) == port(to);
    }

    /** The host of a URL, one with '_' too, which {@link URI} reads as an authority alone. */
    private static String host(URI url) {
        return url.getHost() != null ? url.getHost() : url.getRawAuthority().replaceFirst(":\\d*$", "");
    }

    private static int port(URI url) {
        Matcher written = PORT.matcher(url.getRawAuthority());
        return url.getPort() >= 0 ? url.getPort() : url.getHost() == null && written.find()
                ? Integer.parseInt(written.group(1)) : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** A URL from a server's answer, for a log line: user info masked, escaped, quoted. */
    private static String shown(String url) {
        return "'" + LogSafe.text(Secrets.redactUrl(url)) + "'";
    }
}

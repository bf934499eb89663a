package org.msight.plugins.httpuploader;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.HttpHost;
import org.msight.api.Secrets;

/**
 * The proxy MSight's requests takes for a URL, from the environment as it reads it:
 * {@code http_proxy}, {@code https_proxy} and {@code all_proxy} (lower case before upper case; an
 * empty lower-case one unsets it), and {@code no_proxy}'s hosts, domain suffixes and IPv4 networks
 * ({@code 10.0.0.0/8}), or {@code *}, which go direct. A proxy's user info becomes its Basic
 * {@code Proxy-Authorization}, sent with the first request, as requests sends it.
 */
final class EnvironmentProxies {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");

    /**
     * A proxy to go through.
     *
     * @param user its user, {@code null} for none
     * @param variable the environment variable that names it
     * @param loggable its URL with the password masked
     */
    record Proxy(HttpHost host, String user, String password, String variable, String loggable) {

        @Override
        public String toString() { // not the password
            return loggable;
        }
    }

    /** By scheme ({@code http}, {@code https}, {@code all}): the proxy. */
    private final Map<String, Proxy> proxies;
    private final String noProxy;

    private EnvironmentProxies(Map<String, Proxy> proxies, String noProxy) {
        this.proxies = proxies;
        this.noProxy = noProxy;
    }

    /**
     * The proxies {@code environment} names.
     *
     * @throws IllegalArgumentException for a proxy that is not an http:// URL, naming its variable
     */
    static EnvironmentProxies from(Map<String, String> environment) {
        Map<String, String> urls = new HashMap<>();
        Map<String, String> variables = new HashMap<>();
        for (Map.Entry<String, String> variable : environment.entrySet()) { // any case first ...
            String name = variable.getKey().toLowerCase(Locale.ROOT);
            if (name.endsWith("_proxy") && !variable.getValue().isEmpty()) {
                put(urls, variables, name, variable);
            }
        }
        if (environment.containsKey("REQUEST_METHOD")) { // urllib's guard against a CGI request's Proxy header
            urls.remove("http");
        }
        for (Map.Entry<String, String> variable : environment.entrySet()) { // ... then lower case over it
            String name = variable.getKey().toLowerCase(Locale.ROOT);
            if (variable.getKey().endsWith("_proxy")) {
                if (variable.getValue().isEmpty()) {
                    urls.remove(name.substring(0, name.length() - 6));
                } else {
                    put(urls, variables, name, variable);
                }
            }
        }
        Map<String, Proxy> proxies = new HashMap<>();
        for (String scheme : new String[] {"http", "https", "all"}) {
            String url = urls.get(scheme);
            if (url != null) {
                proxies.put(scheme, parse(url, variables.get(scheme)));
            }
        }
        String noProxy = environment.get("no_proxy");
        if (noProxy == null || noProxy.isEmpty()) {
            noProxy = environment.getOrDefault("NO_PROXY", "");
        }
        return new EnvironmentProxies(proxies, noProxy);
    }

    private static void put(Map<String, String> urls, Map<String, String> variables, String lowerName,
            Map.Entry<String, String> variable) {
        String scheme = lowerName.substring(0, lowerName.length() - 6);
        urls.put(scheme, variable.getValue());
        variables.put(scheme, variable.getKey());
    }

    private static Proxy parse(String url, String variable) {
        String written = url.contains("://") ? url.strip() : "http://" + url.strip(); // requests' default scheme
        String refused = variable + ": the uploader goes through http:// proxies only, as host:port or"
                + " http://[user:password@]host[:port]; was '" + Secrets.redactUrl(written) + "'";
        URI uri;
        try {
            uri = new URI(written);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(refused);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(refused);
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String userInfo = uri.getUserInfo(); // %-escapes decoded, as requests' get_auth_from_url
            int colon = userInfo.indexOf(':');
            user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            password = colon < 0 ? "" : userInfo.substring(colon + 1);
        }
        return new Proxy(new HttpHost("http", uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort()), user, password,
                variable, Secrets.redactUrl(written));
    }

    /** Every proxy named. */
    Collection<Proxy> all() {
        return proxies.values();
    }

    /** The proxy for a request to {@code scheme://host:port}, or {@code null} to go direct. */
    Proxy forTarget(String scheme, String host, int port) {
        Proxy proxy = proxies.getOrDefault(scheme.toLowerCase(Locale.ROOT), proxies.get("all"));
        return proxy == null || bypassed(host.toLowerCase(Locale.ROOT), port) ? null : proxy;
    }

    /** {@code no_proxy} as requests reads it, then as urllib does. */
    private boolean bypassed(String host, int port) {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean ipv4 = IPV4.matcher(bare).matches();
        for (String entry : noProxy.replace(" ", "").split(",")) {
            if (entry.isEmpty()) {
                continue;
            }
            if (ipv4 ? entry.equals(bare) || inNetwork(bare, entry)
                    : bare.endsWith(entry) || (bare + ":" + port).endsWith(entry)) {
                return true;
            }
        }
        if (noProxy.equals("*")) {
            return true;
        }
        for (String entry : noProxy.split(",")) { // urllib: case aside, a dot-separated suffix
            String name = entry.strip().replaceFirst("^\\.+", "").toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && (bare.equals(name) || bare.endsWith("." + name))) {
                return true;
            }
        }
        return false;
    }

    /** Whether an IPv4 address is in a network written as {@code a.b.c.d/n}, {@code n} from 1 to 32. */
    private static boolean inNetwork(String address, String network) {
        Matcher cidr = CIDR.matcher(network);
        if (!cidr.matches()) {
            return false;
        }
        int bits = Integer.parseInt(cidr.group(2));
        Long net = ipv4(cidr.group(1));
        Long ip = ipv4(address);
        if (bits < 1 || bits > 32 || net == null || ip == null) {
            return false;
        }
        long mask = (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ip & mask) == (net & mask);
    }

    private static Long ipv4(String address) {
        Matcher parts = IPV4.matcher(address);
        if (!parts.matches()) {
            return null;
        }
        long value = 0;
        for (int i = 1; i <= 4; i++) {
            int part = Integer.parseInt(parts.group(i));
            if (part > 255) {
                return null;
            }
            value = value << 8 | part;
        }
        return value;
    }
}

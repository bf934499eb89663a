package org.msight.plugins.httpuploader;

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
 * ({@code 10.0.0.0/8}), or {@code *}, which go direct. A proxy's user and password become its
 * Basic {@code Proxy-Authorization}, sent with the first request, as requests sends them. A proxy
 * is read only where a URL takes it, so a variable no upload uses stops nothing.
 */
final class EnvironmentProxies {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");
    /** A proxy's host and port, as urllib3 reads them: {@code host}, {@code host:port}, {@code [v6]:port}. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]+)(?::(\\d{1,5}))?");

    /**
     * A proxy to go through.
     *
     * @param user its user, {@code null} where requests sends no credentials (none, or an empty one)
     * @param variable the environment variable that names it
     * @param loggable its URL with the password masked
     */
    record Proxy(HttpHost host, String user, String password, String variable, String loggable) {

        @Override
        public String toString() { // not the password
            return loggable;
        }
    }

    /** By scheme ({@code http}, {@code https}, {@code all}, and {@code no} for urllib's no_proxy): the value. */
    private final Map<String, String> values;
    private final Map<String, String> variables;
    /** {@code no_proxy} as requests reads it: the lower-case variable, else the upper-case one. */
    private final String noProxy;

    private EnvironmentProxies(Map<String, String> values, Map<String, String> variables, String noProxy) {
        this.values = values;
        this.variables = variables;
        this.noProxy = noProxy;
    }

    /** The proxies {@code environment} names, read where a URL takes one. */
    static EnvironmentProxies from(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> variables = new HashMap<>();
        for (Map.Entry<String, String> variable : environment.entrySet()) { // any case first ...
            String name = variable.getKey().toLowerCase(Locale.ROOT);
            if (name.endsWith("_proxy") && !variable.getValue().isEmpty()) {
                put(values, variables, name, variable);
            }
        }
        if (environment.containsKey("REQUEST_METHOD")) { // urllib's guard against a CGI request's Proxy header
            values.remove("http");
        }
        for (Map.Entry<String, String> variable : environment.entrySet()) { // ... then lower case over it
            if (variable.getKey().endsWith("_proxy")) {
                String name = variable.getKey().toLowerCase(Locale.ROOT);
                if (variable.getValue().isEmpty()) {
                    values.remove(name.substring(0, name.length() - 6));
                } else {
                    put(values, variables, name, variable);
                }
            }
        }
        String noProxy = environment.get("no_proxy");
        return new EnvironmentProxies(values, variables,
                noProxy == null || noProxy.isEmpty() ? environment.getOrDefault("NO_PROXY", "") : noProxy);
    }

    /** Takes {@code variable}, lower-cased to {@code name} ({@code https_proxy}), as its scheme's. */
    private static void put(Map<String, String> values, Map<String, String> variables, String name,
            Map.Entry<String, String> variable) {
        String scheme = name.substring(0, name.length() - "_proxy".length());
        values.put(scheme, variable.getValue());
        variables.put(scheme, variable.getKey());
    }

    /** Whether a proxy is named with user info: a request's context then carries its credentials. */
    boolean anyWithUser() {
        return values.entrySet().stream().anyMatch(value -> !value.getKey().equals("no") && value.getValue().contains("@"));
    }

    /**
     * The proxy for a request to {@code scheme://host[:port]}, or {@code null} to go direct.
     *
     * @param port as the URL writes it, -1 where it writes none
     * @throws IllegalArgumentException for a proxy the uploader cannot go through, naming its variable
     */
    Proxy forTarget(String scheme, String host, int port) {
        String selected = values.containsKey(scheme.toLowerCase(Locale.ROOT)) ? scheme.toLowerCase(Locale.ROOT) : "all";
        String url = values.get(selected);
        return url == null || bypassed(host.toLowerCase(Locale.ROOT), port) ? null : parse(url, variables.get(selected));
    }

    /** A proxy's URL as requests reads it: {@code http://} when it names no scheme, user info up to the last '@'. */
    private static Proxy parse(String url, String variable) {
        String written = url.strip().contains("://") ? url.strip() : "http://" + url.strip();
        String refused = variable + ": the uploader goes through http:// proxies only, as host:port or"
                + " http://[user:password@]host[:port]; was '" + Secrets.redactUrl(written) + "'";
        int schemeEnd = written.indexOf("://");
        String rest = written.substring(schemeEnd + 3);
        String authority = rest.split("[/?#]", 2)[0];
        int at = authority.lastIndexOf('@');
        Matcher hostPort = HOST_PORT.matcher(authority.substring(at + 1));
        int port = hostPort.matches() && hostPort.group(2) != null ? Integer.parseInt(hostPort.group(2)) : 80;
        if (!written.substring(0, schemeEnd).equalsIgnoreCase("http") || !hostPort.matches() || port > 65535) {
            throw new IllegalArgumentException(refused);
        }
        String host = hostPort.group(1).replaceAll("^\\[|\\]$", "");
        String user = null;
        String password = null;
        String userInfo = at < 0 ? "" : authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        if (colon > 0) { // requests sends no credentials for a user alone, or an empty one
            user = UrlQuoting.unquoted(userInfo.substring(0, colon));
            password = UrlQuoting.unquoted(userInfo.substring(colon + 1));
        }
        return new Proxy(new HttpHost("http", host, port), user, password, variable, Secrets.redactUrl(written));
    }

    /** {@code no_proxy} as requests reads it, then as urllib does. */
    private boolean bypassed(String host, int port) {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean ipv4 = IPV4.matcher(bare).matches();
        for (String entry : noProxy.replace(" ", "").split(",")) {
            if (!entry.isEmpty() && (ipv4 ? entry.equals(bare) || inNetwork(bare, entry)
                    : bare.endsWith(entry) || port >= 0 && (bare + ":" + port).endsWith(entry))) {
                return true;
            }
        }
        String urllibNoProxy = values.get("no"); // the two-pass reading of the proxies
        if (urllibNoProxy == null) {
            return false;
        }
        if (urllibNoProxy.equals("*")) {
            return true;
        }
        for (String entry : urllibNoProxy.split(",")) { // case aside, a dot-separated suffix
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

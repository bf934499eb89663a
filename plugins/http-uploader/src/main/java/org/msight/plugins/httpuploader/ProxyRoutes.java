package org.msight.plugins.httpuploader;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.auth.BasicAuthCache;
import org.apache.hc.client5.http.impl.auth.BasicScheme;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * HttpClient's routes through the {@link EnvironmentProxies}: an http:// request goes to the
 * proxy whole, an https:// one through a {@code CONNECT} tunnel; a proxy's credentials go with
 * each request at once, as requests sends them (HttpClient would wait for a 407 first).
 */
final class ProxyRoutes extends DefaultRoutePlanner {

    private final EnvironmentProxies proxies;
    /** Whether a proxy has credentials to send: else no request needs a context. */
    private final boolean credentials;
    /** The last route asked for and its proxy (the url's, nearly always): no-proxy rules read once. */
    private volatile Route last;

    private record Route(HttpHost target, EnvironmentProxies.Proxy proxy) {
    }

    ProxyRoutes(EnvironmentProxies proxies) {
        super(DefaultSchemePortResolver.INSTANCE);
        this.proxies = proxies;
        this.credentials = proxies.anyWithUser();
    }

    @Override
    protected HttpHost determineProxy(HttpHost target, HttpContext context) {
        EnvironmentProxies.Proxy proxy = proxyOf(target);
        return proxy == null ? null : proxy.host();
    }

    /** The proxy a request to {@code url} goes through, {@code null} for none. */
    EnvironmentProxies.Proxy proxyFor(String url) {
        return proxyOf(target(url));
    }

    /** The host a request to {@code url} connects to, the proxy's or its own, as HttpClient looks it up. */
    String connectHost(String url) {
        EnvironmentProxies.Proxy proxy = proxyFor(url);
        return proxy != null ? proxy.host().getHostName() : target(url).getHostName();
    }

    /**
     * The context of a request to {@code url}: its proxy's credentials, sent at once; {@code null}
     * where it goes through none with credentials. Each request has a cache of its own: HttpClient
     * empties one at a 407, and no later request would send them again.
     */
    HttpContext newContext(String url) {
        EnvironmentProxies.Proxy proxy = credentials ? proxyFor(url) : null;
        if (proxy == null || proxy.user() == null) {
            return null;
        }
        BasicScheme basic = new BasicScheme(StandardCharsets.ISO_8859_1); // requests' encoding
        basic.initPreemptive(new UsernamePasswordCredentials(proxy.user(), proxy.password().toCharArray()));
        BasicAuthCache cache = new BasicAuthCache();
        cache.put(proxy.host(), basic);
        HttpClientContext context = HttpClientContext.create();
        context.setAuthCache(cache);
        return context;
    }

    private EnvironmentProxies.Proxy proxyOf(HttpHost target) {
        Route route = last;
        if (route == null || !route.target().equals(target)) {
            route = new Route(target, proxies.forTarget(target.getSchemeName(), target.getHostName(), target.getPort()));
            last = route;
        }
        return route.proxy();
    }

    /** The host of {@code url} as HttpClient routes a request to it, with a name {@link URI} finds none in ({@code my_server}). */
    private static HttpHost target(String url) {
        try {
            return RoutingSupport.determineHost(new BasicHttpRequest(Method.POST, URI.create(url)));
        } catch (HttpException e) {
            throw new IllegalArgumentException("url: " + e.getMessage(), e);
        }
    }
}

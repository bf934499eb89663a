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
 * the first request, as requests sends them (HttpClient would wait for a 407 first).
 */
final class ProxyRoutes extends DefaultRoutePlanner {

    private final EnvironmentProxies proxies;
    /** The credentials of every proxy with a user, for HttpClient to send at once; {@code null} for none. */
    private final BasicAuthCache credentials;
    /** The last route asked for and its proxy (the url's, nearly always): no-proxy rules read once. */
    private volatile Route last;

    private record Route(HttpHost target, EnvironmentProxies.Proxy proxy) {
    }

    ProxyRoutes(EnvironmentProxies proxies) {
        super(DefaultSchemePortResolver.INSTANCE);
        this.proxies = proxies;
        BasicAuthCache cache = new BasicAuthCache();
        boolean any = false;
        for (EnvironmentProxies.Proxy proxy : proxies.all()) {
            if (proxy.user() != null) {
                BasicScheme basic = new BasicScheme(StandardCharsets.ISO_8859_1); // requests' encoding
                basic.initPreemptive(new UsernamePasswordCredentials(proxy.user(), proxy.password().toCharArray()));
                cache.put(proxy.host(), basic);
                any = true;
            }
        }
        this.credentials = any ? cache : null;
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

    /** A request's context: the proxies' credentials, sent at once; {@code null} where no proxy has any. */
    HttpContext newContext() {
        if (credentials == null) {
            return null;
        }
        HttpClientContext context = HttpClientContext.create();
        context.setAuthCache(credentials);
        return context;
    }

    private EnvironmentProxies.Proxy proxyOf(HttpHost target) {
        Route route = last;
        if (route == null || !route.target().equals(target)) {
            int port = DefaultSchemePortResolver.INSTANCE.resolve(target);
            route = new Route(target, proxies.forTarget(target.getSchemeName(), target.getHostName(), port));
            last = route;
        }
        return route.proxy();
    }

    /** The host of {@code url} as HttpClient routes a request to it, with a name {@link URI} finds none in ({@code my_server}). */
    static HttpHost target(String url) {
        try {
            return RoutingSupport.determineHost(new BasicHttpRequest(Method.POST, URI.create(url)));
        } catch (HttpException e) {
            throw new IllegalArgumentException("url: " + e.getMessage(), e);
        }
    }
}

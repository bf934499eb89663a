package org.msight.plugins.httpuploader;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.msight.api.DaemonThreads;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.slf4j.Logger;

/**
 * Resolves host names for HttpClient, which looks them up on the thread that starts a connection
 * (the node's, or the runtime's delivery timer for a retry): a DNS server that does not answer (an
 * uplink down) holds the system's resolver 10 s or more, past connect-timeout and silently. Each
 * lookup runs on a daemon thread of its own and is waited for {@code timeout} at most; one
 * under way is shared by whoever asks for its host meanwhile. A lookup that fails or takes longer
 * uses the addresses the host last resolved to, said once a minute at most, so uploads go on while
 * the network works without DNS; a host never resolved fails the attempt as a connection failure
 * does ({@code cannot resolve host ...}), and it is retried with backoff.
 */
final class LastKnownDnsResolver implements DnsResolver {

    private final Duration timeout;
    private final Logger log;
    /**
     * Runs each lookup on a daemon thread of its own, which ends with it: lookups are rare
     * (connections are kept alive, the JDK keeps an address 30 s), and none is left idle once the
     * node has closed.
     */
    private final Executor lookups;
    private final Map<String, CompletableFuture<InetAddress[]>> underWay = new ConcurrentHashMap<>();
    private final Map<String, InetAddress[]> lastKnown = new ConcurrentHashMap<>();
    private final LogThrottle fallbackLines = new LogThrottle(Duration.ofMinutes(1));

    LastKnownDnsResolver(Duration timeout, String threadName, Logger log) {
        this.timeout = timeout;
        this.log = log;
        this.lookups = lookup -> DaemonThreads.start(threadName, lookup);
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        CompletableFuture<InetAddress[]> lookup = underWay.computeIfAbsent(host, this::lookUp);
        lookup.whenComplete((addresses, failure) -> underWay.remove(host, lookup));
        String reason;
        try {
            return lookup.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            reason = "DNS did not answer within connect-timeout (" + timeout.toMillis() + " ms)";
        } catch (ExecutionException e) {
            String message = String.valueOf(e.getCause().getMessage()); // the JDK's: "host: reason", or the host alone
            reason = message.startsWith(host + ": ") ? message.substring(host.length() + 2)
                    : message.equals(host) ? "unknown to DNS" : message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reason = "interrupted";
        }
        String failure = "cannot resolve host " + host + ": " + reason;
        InetAddress[] known = lastKnown.get(host);
        if (known == null) {
            throw new UnknownHostException(failure);
        }
        long times = fallbackLines.occurred();
        if (times > 0) {
            log.warn("{}; using its last known addresses {}{}", LogSafe.text(failure),
                    Arrays.stream(known).map(InetAddress::getHostAddress).collect(Collectors.joining(", ")),
                    times == 1 ? "" : " (" + times + " times since the last such line)");
        }
        return known;
    }

    private CompletableFuture<InetAddress[]> lookUp(String host) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                InetAddress[] addresses = InetAddress.getAllByName(host);
                lastKnown.put(host, addresses);
                return addresses;
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, lookups);
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        // for Kerberos, which uploads do not use
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}

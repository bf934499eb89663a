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
import java.util.function.LongSupplier;
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
 * does ({@code cannot resolve host ...}), and it is retried with backoff. Whoever asks while a
 * lookup has taken longer than {@code timeout} already takes the last known addresses at once,
 * without waiting for it, so that a thread is held once a lookup while DNS does not answer, not at
 * each new connection; whoever asks once that lookup has ended starts the next. Before the first
 * connection to a host never resolved, the uploader waits for {@link #addressesKnown} instead,
 * holding no thread.
 */
final class LastKnownDnsResolver implements DnsResolver {

    /** Looks a host's addresses up: {@link InetAddress#getAllByName}, or a test's. */
    @FunctionalInterface
    interface HostLookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    /** A lookup, and when it started ({@code nanoClock}'s time). */
    private record Lookup(long started, CompletableFuture<InetAddress[]> addresses) {
    }

    private static final CompletableFuture<Void> KNOWN = CompletableFuture.completedFuture(null);

    private final Duration timeout;
    private final Logger log;
    private final HostLookup dns;
    private final LongSupplier nanoClock;
    /**
     * Runs each lookup on a daemon thread of its own, which ends with it: lookups are rare
     * (connections are kept alive, the JDK keeps an address 30 s), and none is left idle once the
     * node has closed.
     */
    private final Executor lookups;
    /** Each host's latest lookup, under way or ended. */
    private final Map<String, Lookup> latest = new ConcurrentHashMap<>();
    private final Map<String, InetAddress[]> lastKnown = new ConcurrentHashMap<>();
    private final LogThrottle fallbackLines = new LogThrottle(Duration.ofMinutes(1));

    LastKnownDnsResolver(Duration timeout, String threadName, Logger log, HostLookup dns, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.log = log;
        this.dns = dns;
        this.nanoClock = nanoClock;
        this.lookups = lookup -> DaemonThreads.start(threadName, lookup);
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        Lookup lookup = latest(host);
        InetAddress[] known = lastKnown.get(host);
        // a lookup past the timeout already is not waited for again while there are addresses to use meanwhile
        boolean atOnce = known != null && nanoClock.getAsLong() - lookup.started() > timeout.toNanos();
        String failure;
        try {
            return lookup.addresses().get(atOnce ? 0 : timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            failure = unresolved(host, e);
        } catch (ExecutionException e) {
            failure = unresolved(host, e.getCause());
        } catch (InterruptedException e) { // the node stops: the connection attempt ends, with no line of its own
            Thread.currentThread().interrupt();
            throw new UnknownHostException("cannot resolve host " + host + ": interrupted, as the node stops");
        }
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

    /**
     * Completes once a connection to {@code host} can start without waiting for DNS: at once
     * where the host has resolved before (its connections then wait as {@link #resolve} says);
     * otherwise when its lookup under way, or a new one, ends, or {@code timeout} after this call,
     * exceptionally with the {@link UnknownHostException} {@code resolve} would throw. It holds no
     * thread meanwhile: HttpClient resolves on the thread starting the connection, which for a
     * retry is the delivery's timer, the one running the deadlines of the other attempts.
     */
    CompletableFuture<Void> addressesKnown(String host) {
        if (lastKnown.containsKey(host)) {
            return KNOWN;
        }
        return latest(host).addresses().copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .handle((addresses, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        throw new CompletionException(new UnknownHostException(unresolved(host, cause)));
                    }
                    return null;
                });
    }

    /** The host's lookup under way, or a new one where the latest has ended. */
    private Lookup latest(String host) {
        return latest.compute(host, (name, last) -> last == null || last.addresses().isDone() ? lookUp(name) : last);
    }

    /** What a lookup of {@code host} that failed with {@code cause} says: "cannot resolve host ...: why". */
    private String unresolved(String host, Throwable cause) {
        String reason;
        if (cause instanceof TimeoutException) {
            reason = "DNS did not answer within connect-timeout (" + timeout.toMillis() + " ms)";
        } else {
            String message = String.valueOf(cause.getMessage()); // the JDK's: "host: reason", or the host alone
            reason = message.startsWith(host + ": ") ? message.substring(host.length() + 2)
                    : message.equals(host) ? "unknown to DNS" : message;
        }
        return "cannot resolve host " + host + ": " + reason;
    }

    private Lookup lookUp(String host) {
        return new Lookup(nanoClock.getAsLong(), CompletableFuture.supplyAsync(() -> {
            try {
                InetAddress[] addresses = dns.addresses(host);
                lastKnown.put(host, addresses);
                return addresses;
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, lookups));
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        // for Kerberos, which uploads do not use
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}

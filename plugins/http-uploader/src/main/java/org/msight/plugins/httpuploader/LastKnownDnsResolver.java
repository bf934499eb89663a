package org.msight.plugins.httpuploader;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
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
 * lookup runs on a daemon thread (kept for the next 30 s) and is waited for {@code timeout} at most; one
 * under way is shared by whoever asks for its host meanwhile. A lookup that fails or takes longer
 * uses the addresses the host last resolved to, said once a minute at most, so uploads go on while
 * the network works without DNS; a host never resolved fails the attempt as a connection failure
 * does ({@code cannot resolve host ...}), and it is retried with backoff. Whoever asks while a
 * lookup has taken longer than {@code timeout} already takes the last known addresses at once,
 * without waiting for it, so that a thread is held once a lookup while DNS does not answer, not at
 * each new connection; whoever asks once that lookup has ended starts the next. Before the first
 * connection to a host never resolved, the uploader waits for {@link #lookedUp} instead,
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

    /** How long a lookup thread waits for the next lookup while the node is open. */
    private static final Duration KEEP_THREADS = Duration.ofSeconds(30);

    private final Duration timeout;
    private final Logger log;
    private final HostLookup dns;
    private final LongSupplier nanoClock;
    /**
     * Runs lookups on daemon threads, kept for the next lookup up to {@link #KEEP_THREADS} while the
     * node is open ({@link #open}, {@link #close}): a server that closes each connection (an
     * HTTP/1.0 server, Flask's or Python's own, or a short keep-alive) brings a lookup at each
     * upload, which started a thread each. One lookup of a host at a time, so a thread a host while
     * DNS does not answer.
     */
    private final ThreadPoolExecutor lookups;
    /** Each host's latest lookup, under way or ended. */
    private final Map<String, Lookup> latest = new ConcurrentHashMap<>();
    private final Map<String, InetAddress[]> lastKnown = new ConcurrentHashMap<>();
    private final LogThrottle fallbackLines = new LogThrottle(Duration.ofMinutes(1));

    LastKnownDnsResolver(Duration timeout, String threadName, Logger log, HostLookup dns, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.log = log;
        this.dns = dns;
        this.nanoClock = nanoClock;
        this.lookups = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_THREADS.toNanos(), TimeUnit.NANOSECONDS,
                new SynchronousQueue<>(), DaemonThreads.factory(threadName));
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

    /** Keeps lookup threads for the next lookup: the node is open. */
    void open() {
        lookups.setKeepAliveTime(KEEP_THREADS.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends the lookup threads waiting for the next lookup, and each later one with its lookup: the node has closed. */
    void close() {
        lookups.setKeepAliveTime(1, TimeUnit.NANOSECONDS);
    }

    /** Whether {@code host} has resolved before: its connections then wait for DNS as {@link #resolve} says. */
    boolean knows(String host) {
        return lastKnown.containsKey(host);
    }

    /**
     * Completes when a lookup of {@code host} ends, the one under way or a new one, or
     * {@code timeout} after this call: normally where the host has addresses then, else
     * exceptionally with the {@link UnknownHostException} {@code resolve} would throw. For a
     * host never resolved, whose first connection would otherwise wait on the thread starting
     * it, which for a retry is the delivery's timer, running the other attempts' deadlines.
     * Completes on a lookup's thread, or on the caller's where the lookup has ended already;
     * cancelling it ends the wait.
     */
    CompletableFuture<Void> lookedUp(String host) {
        CompletableFuture<Void> lookedUp = new CompletableFuture<>();
        CompletableFuture<InetAddress[]> waited = latest(host).addresses().copy()
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        waited.whenComplete((addresses, failure) -> {
            if (failure instanceof TimeoutException) { // on the JVM's timer for every CompletableFuture: off it
                lookups.execute(() -> settle(lookedUp, host, failure));
            } else {
                settle(lookedUp, host, failure == null ? null : failure.getCause());
            }
        });
        lookedUp.whenComplete((ignored, failure) -> waited.cancel(false)); // cancelled: its timer too
        return lookedUp;
    }

    private void settle(CompletableFuture<Void> lookedUp, String host, Throwable failure) {
        if (failure == null || knows(host)) { // resolved by another lookup meanwhile: resolve() falls back to it
            lookedUp.complete(null);
        } else {
            lookedUp.completeExceptionally(new UnknownHostException(unresolved(host, failure)));
        }
    }

    /** The host's lookup under way, or a new one where the latest has ended. */
    private Lookup latest(String host) {
        return latest.compute(host, (name, last) -> last == null || last.addresses().isDone() ? lookUp(name) : last);
    }

    /** What a lookup of {@code host} that failed with {@code cause} says: "cannot resolve host ...: why". */
    private String unresolved(String host, Throwable cause) {
        String reason = cause instanceof TimeoutException
                ? "DNS did not answer within connect-timeout (" + timeout.toMillis() + " ms)" : cause.getMessage();
        return "cannot resolve host " + host + ": " + reason;
    }

    /**
     * Looks {@code host} up in DNS by its ASCII name: HttpClient gives an internationalised one
     * ({@code xn--bcher-kva.example}) in Unicode, which the system's resolver does not find.
     */
    private Lookup lookUp(String host) {
        return new Lookup(nanoClock.getAsLong(), CompletableFuture.supplyAsync(() -> {
            String asked = ascii(host);
            try {
                InetAddress[] addresses = dns.addresses(asked);
                lastKnown.put(host, addresses);
                return addresses;
            } catch (UnknownHostException e) {
                String message = String.valueOf(e.getMessage()); // the JDK's: "host: reason", or the host alone
                throw new CompletionException(new UnknownHostException(message.startsWith(asked + ": ")
                        ? message.substring(asked.length() + 2) : message.equals(asked) ? "unknown to DNS" : message));
            }
        }, lookups));
    }

    /** The ASCII name of {@code host}; as it is where IDN refuses it (a label longer than 63 characters). */
    private static String ascii(String host) {
        try {
            return IDN.toASCII(host);
        } catch (IllegalArgumentException e) {
            return host;
        }
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        // for Kerberos, which uploads do not use
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}

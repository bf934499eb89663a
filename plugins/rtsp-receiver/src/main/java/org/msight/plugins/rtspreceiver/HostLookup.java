package org.msight.plugins.rtspreceiver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.msight.api.DaemonThreads;

/**
 * One camera's host name, looked up before FFmpeg opens its url. FFmpeg looks a name up with the
 * system's getaddrinfo(), which never asks the interrupt callback: a DNS server that does not
 * answer would hold the node's thread for the resolver's own timeouts (10 s to 90 s), past
 * connect-timeout and past a stop. Here the lookup runs on a daemon thread and is waited for until
 * a deadline or a stop. An open while the last lookup is still under way waits for that one, so
 * lookup threads do not outnumber the cameras; one under way for ten connect-timeouts and a minute
 * at least (a resolver that hangs for good) is given up for a new one, two at most a camera.
 * Addresses found in the last ten seconds are taken without a new lookup: an answer that came just
 * after the last deadline (a first nameserver down: glibc asks the second after 5 s) is not lost.
 * The address a camera last opened at comes first ({@link #opened}): a first address that is down
 * costs a connect-timeout once, not at each reconnection.
 */
final class HostLookup {

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(DaemonThreads.factory("rtsp-dns"));
    /** How long addresses found stay the answer to a new lookup: one that came just after the last deadline. */
    private static final long RECENT_NANOS = Duration.ofSeconds(10).toNanos();
    /** The least a lookup under way is waited for before a new one starts beside it. */
    private static final Duration MIN_ABANDON_AFTER = Duration.ofSeconds(60);

    /** Looks a name up: {@link InetAddress#getAllByName}'s addresses, or a test's. */
    interface Resolver {
        List<InetAddress> addresses(String host) throws UnknownHostException;
    }

    private final Resolver resolver;
    private final Executor threads;
    private final long abandonAfterNanos;
    /** The latest lookup, under way or ended. */
    private Lookup latest;
    /** The lookup given up for {@link #latest}, which may still be under way. */
    private Lookup abandoned;
    /** By host name, the address the camera last opened at. */
    private final Map<String, InetAddress> lastOpened = new ConcurrentHashMap<>();

    /**
     * Looks up with the system's resolver, in the JVM's order ({@link InetAddress#getAllByName}:
     * IPv4 before IPv6, unless {@code java.net.preferIPv6Addresses} says otherwise).
     */
    HostLookup(Duration connectTimeout) {
        this(Collections.max(List.of(connectTimeout.multipliedBy(10), MIN_ABANDON_AFTER)),
                host -> List.of(InetAddress.getAllByName(host)), THREADS);
    }

    /** Looks up with {@code resolver} on {@code threads}, giving a lookup under way up after {@code abandonAfter}. */
    HostLookup(Duration abandonAfter, Resolver resolver, Executor threads) {
        this.resolver = resolver;
        this.threads = threads;
        this.abandonAfterNanos = abandonAfter.toNanos();
    }

    /**
     * {@code host}'s addresses: the one it last {@link #opened} at first, when still found, the
     * rest in the resolver's order.
     *
     * @param stop completed to end the wait at once
     * @param deadlineNanos the latest to wait until, on {@link System#nanoTime()}'s clock
     * @return the addresses, at least one, or {@code null} when {@code stop} ended the wait
     * @throws UnknownHostException when the host does not resolve
     * @throws TimeoutException when it did not resolve by the deadline; the lookup goes on for the next call
     */
    List<InetAddress> addresses(String host, CompletableFuture<?> stop, long deadlineNanos)
            throws UnknownHostException, TimeoutException, InterruptedException {
        CompletableFuture<List<InetAddress>> lookup = lookUp(host);
        try {
            CompletableFuture.anyOf(lookup, stop).get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // the lookup failed: said below
        }
        if (!lookup.isDone()) {
            return null;
        }
        try {
            List<InetAddress> found = lookup.get();
            InetAddress last = lastOpened.get(host);
            return last == null || !found.contains(last) ? found
                    : Stream.concat(Stream.of(last), found.stream().filter(address -> !address.equals(last))).toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            throw new IllegalStateException("looking up " + host + " failed", e.getCause());
        }
    }

    /** Notes that the camera at {@code host} opened at {@code address}: {@link #addresses} gives it first now. */
    void opened(String host, InetAddress address) {
        lastOpened.put(host, address);
    }

    private synchronized CompletableFuture<List<InetAddress>> lookUp(String host) {
        long now = System.nanoTime();
        if (latest != null && !latest.addresses.isDone()) {
            boolean hangs = now - latest.startedNanos >= abandonAfterNanos;
            if (!hangs || abandoned != null && !abandoned.addresses.isDone()) {
                return latest.addresses;
            }
            abandoned = latest;
        } else if (latest != null && !latest.addresses.isCompletedExceptionally()
                && now - latest.answeredNanos < RECENT_NANOS) {
            return latest.addresses;
        }
        Lookup lookup = new Lookup(now);
        threads.execute(() -> {
            try {
                List<InetAddress> found = resolver.addresses(host);
                lookup.answeredNanos = System.nanoTime();
                lookup.addresses.complete(found);
            } catch (Throwable e) { // an Error too: a lookup left under way would be waited for by every open
                lookup.addresses.completeExceptionally(e);
            }
        });
        latest = lookup;
        return lookup.addresses;
    }

    /** One lookup: when it started and, once it found the addresses, when. */
    private static final class Lookup {
        final CompletableFuture<List<InetAddress>> addresses = new CompletableFuture<>();
        final long startedNanos;
        volatile long answeredNanos;

        Lookup(long startedNanos) {
            this.startedNanos = startedNanos;
        }
    }
}

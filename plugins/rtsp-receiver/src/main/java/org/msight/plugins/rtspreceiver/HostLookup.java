package org.msight.plugins.rtspreceiver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.msight.api.DaemonThreads;

/**
 * One camera's host name, looked up before FFmpeg opens its url. FFmpeg looks a name up with the
 * system's getaddrinfo(), which never asks the interrupt callback: a DNS server that does not
 * answer would hold the node's thread for the resolver's own timeouts (10 s to 90 s), past
 * connect-timeout and past a stop. Here the lookup runs on a daemon thread and is waited for until
 * a deadline or a stop. A camera has one lookup under way at most: an open while the last one is
 * still under way waits for that one, so lookup threads never outnumber the cameras.
 */
final class HostLookup {

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(DaemonThreads.factory("rtsp-dns"));

    /** The latest lookup, under way or ended. */
    private CompletableFuture<InetAddress> latest;

    /**
     * The first of {@code host}'s addresses in the JVM's order ({@link InetAddress#getAllByName}:
     * IPv4 before IPv6, unless {@code java.net.preferIPv6Addresses} says otherwise).
     *
     * @param stop completed to end the wait at once
     * @param deadlineNanos the latest to wait until, on {@link System#nanoTime()}'s clock
     * @return the address, or {@code null} when {@code stop} ended the wait
     * @throws UnknownHostException when the host does not resolve
     * @throws TimeoutException when it did not resolve by the deadline; the lookup goes on for the next call
     */
    InetAddress firstAddress(String host, CompletableFuture<?> stop, long deadlineNanos)
            throws UnknownHostException, TimeoutException, InterruptedException {
        CompletableFuture<InetAddress> lookup = lookUp(host);
        try {
            CompletableFuture.anyOf(lookup, stop).get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // the lookup failed: said below
        }
        if (!lookup.isDone()) {
            return null;
        }
        try {
            return lookup.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            throw new IllegalStateException("looking up " + host + " failed", e.getCause());
        }
    }

    private synchronized CompletableFuture<InetAddress> lookUp(String host) {
        if (latest == null || latest.isDone()) {
            CompletableFuture<InetAddress> lookup = new CompletableFuture<>();
            THREADS.execute(() -> {
                try {
                    lookup.complete(InetAddress.getAllByName(host)[0]);
                } catch (UnknownHostException | RuntimeException e) {
                    lookup.completeExceptionally(e);
                }
            });
            latest = lookup;
        }
        return latest;
    }
}

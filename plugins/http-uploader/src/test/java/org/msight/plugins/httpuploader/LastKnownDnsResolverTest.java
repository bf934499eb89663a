package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.api.DaemonThreads;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * The resolver with a DNS of the test's: its first lookup answers 127.0.0.1, and the next wait
 * until the test lets DNS answer again, the n-th then answering 127.0.0.n. The resolver's clock is
 * the test's, and connect-timeout an hour: a lookup is past it when the test says so.
 */
class LastKnownDnsResolverTest {

    private static final String HOST = "collector.test";
    private static final Duration CONNECT_TIMEOUT = Duration.ofHours(1);

    private final RecordingLogger log = new RecordingLogger("uploader");
    private final AtomicInteger asked = new AtomicInteger();
    private final CountDownLatch dnsSilent = new CountDownLatch(1);
    private final AtomicLong clock = new AtomicLong();
    /** The thread of the latest {@link #resolving()}. */
    private final AtomicReference<Thread> connecting = new AtomicReference<>();
    private final LastKnownDnsResolver resolver = resolver(CONNECT_TIMEOUT);

    @AfterEach
    void dnsAnswers() {
        dnsSilent.countDown(); // ends the lookups still waiting
    }

    /**
     * A new connection waited connect-timeout for a lookup that had taken longer already, each one
     * holding its thread (the node's, the delivery timer's) that long while DNS did not answer.
     */
    @Test
    void whileALookupIsPastConnectTimeoutANewConnectionTakesTheLastKnownAddressesWithoutWaitingForIt()
            throws Exception {
        assertThat(resolver.resolve(HOST)).containsExactly(address(1));
        CompletableFuture<InetAddress[]> first = resolving(); // waits for the lookup DNS does not answer
        // the caller waits for the lookup: it looked at the clock before the time moves on
        await().atMost(Waits.GENEROUS).until(() -> asked.get() == 2
                && connecting.get().getState() == Thread.State.TIMED_WAITING);
        clock.addAndGet(CONNECT_TIMEOUT.toNanos() + 1);

        assertThat(resolving()).as("a connection while the lookup is past connect-timeout").succeedsWithin(Waits.GENEROUS)
                .isEqualTo(new InetAddress[] {address(1)});
        assertThat(first).as("the caller waiting for the lookup DNS does not answer").isNotDone();
        assertThat(log.messages(Level.WARN)).containsExactly("cannot resolve host collector.test: DNS did not answer"
                + " within connect-timeout (3600000 ms); using its last known addresses 127.0.0.1");

        dnsSilent.countDown(); // the late lookup ends: the next connection asks DNS again
        assertThat(first).succeedsWithin(Waits.GENEROUS).isEqualTo(new InetAddress[] {address(2)});
        assertThat(resolver.resolve(HOST)).containsExactly(address(3));
    }

    /**
     * A stop interrupts the thread starting a connection (the node's, the delivery timer's): its
     * lookup was said in a WARN ('interrupted; using its last known addresses') and the connection
     * went on to them.
     */
    @Test
    void aLookupInterruptedByTheStopEndsTheConnectionAttemptWithoutAWarning() throws Exception {
        assertThat(resolver.resolve(HOST)).containsExactly(address(1));

        Thread.currentThread().interrupt();
        Throwable failure = catchThrowable(() -> resolver.resolve(HOST));
        boolean interrupted = Thread.interrupted();

        assertThat(log.lines()).isEmpty();
        assertThat(failure).as("the connection attempt's end").isInstanceOf(UnknownHostException.class)
                .hasMessage("cannot resolve host collector.test: interrupted, as the node stops");
        assertThat(interrupted).as("the thread's interrupt kept").isTrue();
    }

    /**
     * A server that closes each connection (an HTTP/1.0 server) brings a lookup at each upload:
     * one after another they share a thread, where each started a thread of its own.
     */
    @Test
    void lookupsOneAfterAnotherShareTheirThread() throws Exception {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        LastKnownDnsResolver recording = new LastKnownDnsResolver(CONNECT_TIMEOUT, "test-dns", log, host -> {
            threads.add(Thread.currentThread());
            return new InetAddress[] {address(1)};
        }, clock::get);
        for (int i = 0; i < 5; i++) {
            assertThat(recording.resolve(HOST)).containsExactly(address(1));
            await().atMost(Waits.GENEROUS).until(() -> threads.stream() // waiting for the next lookup, or ended
                    .allMatch(thread -> idle(thread) || thread.getState() == Thread.State.TERMINATED));
        }
        assertThat(threads).hasSize(1);
    }

    /** Whether a lookup thread waits for the next lookup. */
    static boolean idle(Thread thread) {
        return thread.getState() == Thread.State.TIMED_WAITING && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().startsWith(SynchronousQueue.class.getName()));
    }

    @Test
    void aHostResolvedBeforeIsKnownWithoutALookup() throws Exception {
        assertThat(resolver.knows(HOST)).as("before").isFalse();
        resolver.resolve(HOST);

        assertThat(resolver.knows(HOST)).isTrue();
        assertThat(asked).as("lookups").hasValue(1);
    }

    @Test
    void aHostNeverResolvedIsLookedUpOnceDnsAnswers() throws Exception {
        resolver.resolve("other.test"); // DNS's first answer, at once

        CompletableFuture<Void> lookedUp = resolver.lookedUp(HOST);
        await().atMost(Waits.GENEROUS).until(() -> asked.get() == 2);
        assertThat(lookedUp).as("while DNS does not answer").isNotDone();

        dnsSilent.countDown();
        assertThat(lookedUp).succeedsWithin(Waits.GENEROUS);
        assertThat(resolver.knows(HOST)).as("as its connection starts").isTrue();
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aHostNeverResolvedIsNotLookedUpWhenDnsDoesNotAnswerWithinConnectTimeout() throws Exception {
        LastKnownDnsResolver quick = resolver(Duration.ofMillis(100));
        quick.resolve("other.test");

        CompletableFuture<Void> lookedUp = quick.lookedUp(HOST);
        CompletableFuture<String> completedOn = lookedUp.handle((ignored, failure) -> Thread.currentThread().getName());

        assertThat(lookedUp).failsWithin(Waits.GENEROUS).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(UnknownHostException.class)
                .withMessage("cannot resolve host collector.test: DNS did not answer within connect-timeout (100 ms)");
        assertThat(quick.knows(HOST)).isFalse();
        // not the JVM's one timer thread for every CompletableFuture (this one's where it had ended already)
        assertThat(completedOn).succeedsWithin(Waits.GENEROUS).isIn("test-dns", Thread.currentThread().getName());
    }

    /**
     * HttpClient gives the resolver an internationalised host in Unicode, which the system's
     * resolver does not find ({@code bücher.test: Name or service not known}).
     */
    @Test
    void anInternationalisedHostIsAskedOfDnsByItsAsciiName() throws Exception {
        List<String> names = new CopyOnWriteArrayList<>();
        LastKnownDnsResolver recording = new LastKnownDnsResolver(CONNECT_TIMEOUT, "test-dns", log, host -> {
            names.add(host);
            if (!host.equals("xn--bcher-kva.test")) {
                throw new UnknownHostException(host + ": Name or service not known");
            }
            return new InetAddress[] {address(1)};
        }, clock::get);

        assertThat(recording.resolve("bücher.test")).containsExactly(address(1));
        assertThat(catchThrowable(() -> recording.resolve("unknown.test"))).isInstanceOf(UnknownHostException.class)
                .hasMessage("cannot resolve host unknown.test: Name or service not known");
        assertThat(names).containsExactly("xn--bcher-kva.test", "unknown.test");
    }

    /** A resolver asking the test's DNS, on the test's clock. */
    private LastKnownDnsResolver resolver(Duration connectTimeout) {
        return new LastKnownDnsResolver(connectTimeout, "test-dns", log, host -> {
            int lookup = asked.incrementAndGet();
            if (lookup > 1) {
                try {
                    dnsSilent.await();
                } catch (InterruptedException e) {
                    throw new UnknownHostException("interrupted");
                }
            }
            return new InetAddress[] {address(lookup)};
        }, clock::get);
    }

    private CompletableFuture<InetAddress[]> resolving() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return resolver.resolve(HOST);
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, task -> connecting.set(DaemonThreads.start("test-connection", task)));
    }

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}

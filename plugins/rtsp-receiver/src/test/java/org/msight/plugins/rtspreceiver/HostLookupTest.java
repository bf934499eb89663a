package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msight.api.DaemonThreads;
import org.msight.testkit.Waits;

/**
 * A camera's lookups, with resolvers that fail as the system's may: an Error, a hang for good (an
 * NSS module), an answer just after the deadline (a first nameserver down).
 */
class HostLookupTest {

    private static final List<InetAddress> CAMERA = List.of(InetAddress.getLoopbackAddress());
    private static final Duration NEVER = Duration.ofDays(1);

    private final CompletableFuture<Void> noStop = new CompletableFuture<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(DaemonThreads.factory("test-dns"));
    /** The lookups started, each run by {@link #pool}. */
    private final List<Future<?>> lookups = new CopyOnWriteArrayList<>();
    /** The resolver's calls, one a lookup run. */
    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch answer = new CountDownLatch(1);

    private HostLookup lookup(Duration abandonAfter, HostLookup.Resolver resolver) {
        return new HostLookup(abandonAfter, resolver, task -> lookups.add(pool.submit(task)));
    }

    @AfterEach
    void endLookups() {
        answer.countDown();
        pool.shutdownNow();
    }

    private static long soon() {
        return System.nanoTime() + Duration.ofMillis(50).toNanos();
    }

    private static long generously() {
        return System.nanoTime() + Waits.GENEROUS.toNanos();
    }

    /** The camera's addresses once {@link #answer} is counted down. */
    private List<InetAddress> answerLate(String host) {
        try {
            answer.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return CAMERA;
    }

    @Test
    void aLookupEndedByAnErrorIsNotWaitedForAgain() throws Exception {
        HostLookup lookup = lookup(NEVER, host -> {
            if (calls.incrementAndGet() == 1) {
                throw new StackOverflowError("in an NSS module");
            }
            return CAMERA;
        });
        assertThatThrownBy(() -> lookup.addresses("cam.test", noStop, generously()))
                .isInstanceOf(IllegalStateException.class).hasRootCauseInstanceOf(StackOverflowError.class);
        assertThat(lookup.addresses("cam.test", noStop, generously())).isEqualTo(CAMERA);
    }

    @Test
    void aLookupThatHangsIsGivenUpForANewOneTwoAtMost() throws Exception {
        HostLookup lookup = lookup(Duration.ZERO, this::answerLate);
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThatThrownBy(() -> lookup.addresses("cam.test", noStop, soon()))
                    .isInstanceOf(TimeoutException.class);
        }
        assertThat(lookups).as("lookups started").hasSize(2);
    }

    /** With Java's cache off ({@code networkaddress.cache.ttl=0}), a new lookup would be as late again. */
    @Test
    void anAddressFoundJustAfterTheDeadlineIsTakenAtTheNextAttempt() throws Exception {
        HostLookup lookup = lookup(NEVER, host -> {
            if (calls.incrementAndGet() == 1) {
                return answerLate(host);
            }
            throw new UnknownHostException(host + ": Temporary failure in name resolution");
        });
        assertThatThrownBy(() -> lookup.addresses("cam.test", noStop, soon())).isInstanceOf(TimeoutException.class);
        answer.countDown();
        lookups.get(0).get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS);

        assertThat(lookup.addresses("cam.test", noStop, generously())).isEqualTo(CAMERA);
        assertThat(lookups).as("lookups started").hasSize(1);
    }

    /**
     * A camera whose first address drops connections without a word cost a connect-timeout there
     * at each reconnection: the address it last opened at comes first, the rest in the resolver's
     * order; one no longer found is not tried.
     */
    @Test
    void theAddressACameraLastOpenedAtComesFirst() throws Exception {
        InetAddress first = InetAddress.getByName("127.0.0.2");
        InetAddress second = InetAddress.getByName("127.0.0.3");
        InetAddress third = InetAddress.getByName("::1");
        HostLookup lookup = lookup(NEVER, host -> List.of(first, second, third));
        assertThat(lookup.addresses("cam.test", noStop, generously())).containsExactly(first, second, third);

        lookup.opened("cam.test", third);
        lookup.opened("other.test", second);
        assertThat(lookup.addresses("cam.test", noStop, generously())).containsExactly(third, first, second);

        lookup.opened("cam.test", InetAddress.getByName("127.0.0.9"));
        assertThat(lookup.addresses("cam.test", noStop, generously())).containsExactly(first, second, third);
    }
}

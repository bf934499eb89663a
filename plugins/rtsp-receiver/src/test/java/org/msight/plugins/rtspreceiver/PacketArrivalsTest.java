package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacketArrivalsTest {

    private final AtomicLong seconds = new AtomicLong(100);
    private final PacketArrivals arrivals = new PacketArrivals(() -> seconds.getAndIncrement());

    @Test
    void aFrameIsCapturedWhenItsPacketArrivedAndAPacketNoLongerKeptIsNow() {
        long first = arrivals.arrived(); // at 100
        long second = arrivals.arrived(); // 101
        for (int i = 0; i < 200; i++) {
            arrivals.arrived(); // 102-301: the first two are no longer kept
        }
        long last = arrivals.arrived(); // 302

        assertThat(first).isPositive();
        assertThat(arrivals.arrivalOf(last)).isEqualTo(302);
        assertThat(arrivals.arrivalOf(second)).as("forgotten: now, 303").isEqualTo(303);
        assertThat(arrivals.arrivalOf(0)).as("untagged: now").isEqualTo(304);
    }

    /** B-frames: the packet of a frame shown later (P) arrives before theirs; capture times still never go back. */
    @Test
    void captureTimesNeverGoBackThoughFramesComeOutInAnotherOrderThanTheirPackets() {
        long i = arrivals.arrived(); // 100
        long p = arrivals.arrived(); // 101, shown after b
        long b = arrivals.arrived(); // 102

        assertThat(arrivals.arrivalOf(i)).isEqualTo(100);
        assertThat(arrivals.arrivalOf(b)).isEqualTo(102);
        assertThat(arrivals.arrivalOf(p)).isEqualTo(102);
    }
}

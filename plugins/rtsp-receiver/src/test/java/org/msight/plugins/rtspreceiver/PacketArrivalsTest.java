package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacketArrivalsTest {

    private final AtomicLong millis = new AtomicLong(100_000);
    /** A clock 100 ms later at each reading. */
    private final PacketArrivals arrivals = new PacketArrivals(() -> millis.getAndAdd(100) / 1000.0);

    @Test
    void aFrameIsCapturedWhenItsPacketArrivedAndAPacketNoLongerKeptIsNow() {
        long first = arrivals.arrived(); // at 100.0
        long second = arrivals.arrived(); // 100.1
        for (int i = 0; i < 200; i++) {
            arrivals.arrived(); // 100.2-120.1: the first two are no longer kept
        }
        long last = arrivals.arrived(); // 120.2

        assertThat(first).isPositive();
        assertThat(arrivals.arrivalOf(last)).isEqualTo(120.2);
        assertThat(arrivals.arrivalOf(second)).as("forgotten: now").isEqualTo(120.3);
        assertThat(arrivals.arrivalOf(0)).as("untagged: now").isEqualTo(120.4);
    }

    /** B-frames: the packet of a frame shown later (P) arrives before theirs; capture times still never go back. */
    @Test
    void captureTimesNeverGoBackThoughFramesComeOutInAnotherOrderThanTheirPackets() {
        long i = arrivals.arrived(); // 100.0
        long p = arrivals.arrived(); // 100.1, shown after b
        long b = arrivals.arrived(); // 100.2

        assertThat(arrivals.arrivalOf(i)).isEqualTo(100.0);
        assertThat(arrivals.arrivalOf(b)).isEqualTo(100.2);
        assertThat(arrivals.arrivalOf(p)).isEqualTo(100.2);
    }

    /** A clock set back (NTP stepping it) is followed, not held at the time before for as long as the step. */
    @Test
    void aClockSetBackIsFollowed() {
        long before = arrivals.arrived(); // 100.0
        millis.set(50_000);
        long after = arrivals.arrived(); // 50.0

        assertThat(arrivals.arrivalOf(before)).isEqualTo(100.0);
        assertThat(arrivals.arrivalOf(after)).isEqualTo(50.0);
    }
}

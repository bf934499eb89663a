package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The pacer waits for a frame only within its timeline; whether it waited shows in its calls of {@code stopping}. */
class FramePacerTest {

    private final FramePacer pacer = new FramePacer();
    private final AtomicInteger waits = new AtomicInteger();
    /** Counts each slice the pacer waits, and ends the wait at once. */
    private final BooleanSupplier stopping = () -> waits.incrementAndGet() > 0;

    @Test
    void aFrameLaterOnTheTimelineWaitsForItsTime() throws Exception {
        pacer.await(0.0, stopping);
        assertThat(waits).hasValue(0);
        pacer.await(5.0, stopping);
        assertThat(waits).as("five seconds after the first frame: it waits").hasValue(1);
    }

    @Test
    void aLeapFarPastThePreviousFrameStartsANewTimelineInsteadOfHoldingTheInput() throws Exception {
        pacer.await(0.0, stopping);
        pacer.await(FramePacer.MAX_LEAP_SECONDS + 3600, stopping);
        assertThat(waits).as("an hour ahead: no wait").hasValue(0);
        pacer.await(FramePacer.MAX_LEAP_SECONDS + 3605, stopping);
        assertThat(waits).as("the new timeline paces the next frame").hasValue(1);
    }
}

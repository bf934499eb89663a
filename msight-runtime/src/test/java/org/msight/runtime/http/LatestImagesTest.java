package org.msight.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.msight.api.data.Fields;
import org.msight.api.data.GenericData;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.testkit.Waits;

class LatestImagesTest {

    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);
    private static final ImageData IMAGE = ImageData.jpeg(new Metadata("s", 1, 1, 1, "d"),
            new byte[] {(byte) 0xff, (byte) 0xd8}, 2, 2);

    /** The clock of {@link #latest}, in nanoseconds. */
    private final AtomicLong now = new AtomicLong();
    private final LatestImages latest = new LatestImages(Set.of("frames"), now::get);

    @Test
    void aTopicWatchedLongerThanTheFirstImageWaitIsAnsweredAtOnceWhenItHasNoImage() {
        LatestImages.Slot watchedForTwoHours = new LatestImages.Slot(System.nanoTime() - 2 * AN_HOUR);
        // waiting for the first image would take an hour here
        CompletableFuture<LatestImages.Versioned> none = watchedForTwoHours.first(AN_HOUR);
        assertThat(none).isCompletedWithValue(null);
    }

    @Test
    void theFirstImageIsAwaitedOnlyWhileTheTopicIsNewlyWatched() throws Exception {
        LatestImages.Slot justWatched = new LatestImages.Slot();
        CompletableFuture<LatestImages.Versioned> first = justWatched.first(AN_HOUR);
        assertThat(first).isNotDone();
        assertThat(justWatched.waitingForTheFirst()).isEqualTo(1);
        justWatched.put(IMAGE);
        assertThat(first.get(Waits.GENEROUS.toSeconds(), TimeUnit.SECONDS).image()).isSameAs(IMAGE);
        assertThat(justWatched.first(AN_HOUR)).as("after the first, at once").isDone();
    }

    /** MSight's grayscale images, and those with integer timestamps, arrive generic: they are previewed too. */
    @Test
    void aGenericMessageWhoseTypedReadingIsAJpegImageIsPreviewed() throws Exception {
        LatestImages.Slot slot = latest.watch("frames");
        ImageData gray = new ImageData(new Metadata("s", 1, 1, 1, "d"), new byte[] {(byte) 0xff, (byte) 0xd8}, true,
                2, 2, 1, null);
        latest.offer("frames", new GenericData(new Fields(Map.of("data_type", ImageData.TAG)), gray));
        assertThat(slot.first(0).join()).extracting(LatestImages.Versioned::image).isSameAs(gray);
    }

    /**
     * A topic asked about again just as it is forgotten (a message found its slot idle and takes it
     * out of the map, done here step by step) gets a new slot, which the next images reach: the
     * viewer was handed the slot being taken out, and its preview froze.
     */
    @Test
    void aTopicAskedAboutAsItIsForgottenGetsASlotThatImagesReach() throws Exception {
        LatestImages.Slot first = latest.watch("frames");
        now.addAndGet(TimeUnit.MINUTES.toNanos(2));
        assertThat(first.forgetIfIdle()).as("idle: a message forgets it").isTrue();
        LatestImages.Slot again = latest.watch("frames"); // before that message took it out of the map
        assertThat(again).isNotSameAs(first);
        latest.offer("frames", IMAGE);
        assertThat(again.awaitNewer(-1, 0)).extracting(LatestImages.Versioned::image).isSameAs(IMAGE);
    }

    @Test
    void aTopicNobodyAskedAboutForAMinuteKeepsNoImage() throws Exception {
        LatestImages.Slot slot = latest.watch("frames");
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        latest.offer("frames", IMAGE);
        assertThat(slot.awaitNewer(-1, 0)).isNull();
        assertThat(latest.watch("frames")).isNotSameAs(slot);
    }
}

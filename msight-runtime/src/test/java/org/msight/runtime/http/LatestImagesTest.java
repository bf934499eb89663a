package org.msight.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.msight.api.data.Fields;
import org.msight.api.data.GenericData;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.testkit.Waits;

class LatestImagesTest {

    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

    @Test
    void aTopicWatchedLongerThanTheFirstImageWaitIsAnsweredAtOnceWhenItHasNoImage() {
        LatestImages.Slot watchedForTwoHours = new LatestImages.Slot(System.nanoTime() - 2 * AN_HOUR);
        // waiting for the first image would take an hour here
        LatestImages.Versioned none = assertTimeoutPreemptively(Waits.GENEROUS,
                () -> watchedForTwoHours.awaitFirst(AN_HOUR));
        assertThat(none).isNull();
    }

    @Test
    void theFirstImageIsAwaitedOnlyWhileTheTopicIsNewlyWatched() throws Exception {
        LatestImages.Slot justWatched = new LatestImages.Slot();
        ImageData image = ImageData.jpeg(new Metadata("s", 1, 1, 1, "d"), new byte[] {(byte) 0xff, (byte) 0xd8}, 2, 2);
        Thread publisher = new Thread(() -> justWatched.put(image));
        publisher.start();
        assertThat(justWatched.awaitFirst(AN_HOUR).image()).isSameAs(image);
        publisher.join();
    }

    /** MSight's grayscale images, and those with integer timestamps, arrive generic: they are previewed too. */
    @Test
    void aGenericMessageWhoseTypedReadingIsAJpegImageIsPreviewed() throws Exception {
        LatestImages latest = new LatestImages(Set.of("frames"));
        LatestImages.Slot slot = latest.watch("frames");
        ImageData gray = new ImageData(new Metadata("s", 1, 1, 1, "d"), new byte[] {(byte) 0xff, (byte) 0xd8}, true,
                2, 2, 1, null);
        latest.offer("frames", new GenericData(new Fields(Map.of("data_type", ImageData.TAG)), gray));
        assertThat(slot.awaitFirst(0)).extracting(LatestImages.Versioned::image).isSameAs(gray);
    }
}

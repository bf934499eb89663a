package org.msight.api.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FrameIdsTest {

    @Test
    void idsAreUniqueAcrossThreadsAndCarryTheTime() throws Exception {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        long before = System.currentTimeMillis();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 50_000; i++) {
                    ids.add(FrameIds.next());
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        long after = System.currentTimeMillis();

        assertThat(ids).hasSize(200_000);
        assertThat(ids).allSatisfy(id -> assertThat(id >>> 22).as("MSight's layout: milliseconds << 22")
                .isBetween(before, after + 100));
    }

    @Test
    void idsIncrease() {
        long previous = FrameIds.next();
        for (int i = 0; i < 10_000; i++) {
            long next = FrameIds.next();
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
    }
}

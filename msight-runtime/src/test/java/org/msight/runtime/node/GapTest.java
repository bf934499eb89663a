package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GapTest {

    private static List<Integer> admitted(int gap, int messages) {
        Gap counter = new Gap(gap);
        List<Integer> admitted = new ArrayList<>();
        for (int i = 1; i <= messages; i++) {
            if (counter.admit()) {
                admitted.add(i);
            }
        }
        return admitted;
    }

    @Test
    void gapZeroHandlesEveryMessage() {
        assertThat(admitted(0, 5)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void gapNineHandlesEveryTenthCountedFromTheFirst() {
        // MSight's counter counts every message and fires on the (N+1)th, then resets.
        assertThat(admitted(9, 35)).containsExactly(10, 20, 30);
    }

    @Test
    void gapOneHandlesEverySecond() {
        assertThat(admitted(1, 6)).containsExactly(2, 4, 6);
    }
}

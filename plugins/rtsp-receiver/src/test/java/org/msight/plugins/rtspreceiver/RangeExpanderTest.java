package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;

import java.util.function.IntToDoubleFunction;
import java.util.function.IntUnaryOperator;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.junit.jupiter.api.Test;

/** The limited-to-full range expansion itself, level by level, on frames made here. */
class RangeExpanderTest {

    /** Every 8-bit level in each plane: luma x % 256 on both rows, chroma x and 255 - x. */
    private static final int WIDTH = 512;

    @Test
    void expandsEveryLimitedRangeLevelAsTheFormulaSays() {
        AVFrame frame = av_frame_alloc();
        try (RangeExpander expander = new RangeExpander(WIDTH, 2)) {
            frame.width(WIDTH).height(2).format(AV_PIX_FMT_YUV420P);
            assertThat(av_frame_get_buffer(frame, 0)).isZero();
            fill(frame, 0, 2, x -> x % 256);
            fill(frame, 1, 1, x -> x);
            fill(frame, 2, 1, x -> 255 - x);

            AVFrame full = expander.expand(frame);

            assertThat(full.color_range()).isEqualTo(AVCOL_RANGE_JPEG);
            // Luma 16-235 to 0-255, chroma 16-240 around 128 to 0-255, each within one level.
            assertPlane(full, 0, 2, x -> x % 256, v -> (v - 16) * 255.0 / 219);
            assertPlane(full, 1, 1, x -> x, v -> (v - 128) * 255.0 / 224 + 128);
            assertPlane(full, 2, 1, x -> 255 - x, v -> (v - 128) * 255.0 / 224 + 128);
            assertPlane(frame, 0, 2, x -> x % 256, v -> v);
        } finally {
            av_frame_free(frame);
        }
    }

    @Test
    void takesTheSizesTheColorspaceFilterTakes() {
        assertThat(RangeExpander.takes(1920, 1080)).isTrue();
        for (int[] odd : new int[][] {{63, 64}, {64, 63}}) {
            assertThat(RangeExpander.takes(odd[0], odd[1])).isFalse();
            assertThatThrownBy(() -> new RangeExpander(odd[0], odd[1]).close())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("configuring");
        }
    }

    private static void fill(AVFrame frame, int plane, int rows, IntUnaryOperator level) {
        int width = plane == 0 ? WIDTH : WIDTH / 2;
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < width; x++) {
                frame.data(plane).put((long) y * frame.linesize(plane) + x, (byte) level.applyAsInt(x));
            }
        }
    }

    private static void assertPlane(AVFrame frame, int plane, int rows, IntUnaryOperator input,
            IntToDoubleFunction exact) {
        int width = plane == 0 ? WIDTH : WIDTH / 2;
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < width; x++) {
                int in = input.applyAsInt(x);
                double expected = Math.max(0, Math.min(255, exact.applyAsDouble(in)));
                int actual = frame.data(plane).get((long) y * frame.linesize(plane) + x) & 0xff;
                assertThat((double) actual).as("plane %d, level %d", plane, in).isCloseTo(expected, offset(1.0));
            }
        }
    }
}

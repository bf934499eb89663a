package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The size of resized JPEGs: OpenCV's {@code cv2.resize(fx, fy)}'s, which rounds half to even. */
class JpegEncoderSizeTest {

    /** 1366x768 at 0.75 is 1024x576 in MSight; rounding half up made it 1025x576. */
    @ParameterizedTest
    @CsvSource({"1366, 0.75, 1024", "1080, 0.1875, 202", "1920, 0.5, 960", "1367, 0.5, 684", "3, 0.1, 1"})
    void aResizedSideIsRoundedHalfToEvenAsOpenCvDoes(int size, double ratio, int expected) {
        assertThat(JpegEncoder.resized(size, ratio)).isEqualTo(expected);
    }
}

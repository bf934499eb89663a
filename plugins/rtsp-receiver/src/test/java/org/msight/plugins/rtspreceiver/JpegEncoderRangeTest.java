package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NV12;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P10LE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV422P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_pix_fmt_desc_get;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The levels of the JPEG against the frame's own range, for frames that go through swscale (a
 * resize, or a pixel format other than YUV 4:2:0): a full-range frame keeps its levels, whatever
 * its pixel format says; a limited-range one is expanded with {@code full-range} on.
 */
class JpegEncoderRangeTest {

    private static final int WIDTH = 64;
    private static final int HEIGHT = 32;
    /** A grey frame's luma; its chroma is neutral. */
    private static final int GREY = 200;
    /** What {@link #GREY} becomes when limited range (16-235) is expanded to full (0-255). */
    private static final double GREY_EXPANDED = (GREY - 16) * 255.0 / 219;

    @ParameterizedTest(name = "{0} {1} {2} at ratio {3}, full-range {4}")
    @CsvSource({
        // Full-range frames of every kind: tagged so (VP9, AV1, 10-bit streams), not named yuvj.
        "TURBOJPEG, yuv420p, pc, 0.5, true",
        "FFMPEG, yuv420p, pc, 0.5, true",
        "TURBOJPEG, yuv420p, pc, 0.5, false",
        "TURBOJPEG, yuv422p, pc, 1, true",
        "FFMPEG, yuv422p, pc, 1, true",
        "TURBOJPEG, nv12, pc, 1, true",
        "TURBOJPEG, nv12, pc, 0.5, true",
        "TURBOJPEG, yuv420p10le, pc, 1, true",
        "FFMPEG, yuv420p10le, pc, 0.5, true",
        // Limited-range frames: expanded once with full-range on, kept as they are with it off.
        "TURBOJPEG, yuv420p, tv, 0.5, true",
        "FFMPEG, yuv420p, tv, 0.5, true",
        "TURBOJPEG, yuv420p, tv, 0.5, false",
        "TURBOJPEG, yuv422p, tv, 1, true",
        "TURBOJPEG, yuv420p10le, tv, 1, true",
    })
    void keepsTheLevelsOfAFullRangeFrameAndExpandsALimitedOne(JpegLibrary library, String format, String range,
            double ratio, boolean fullRangeSetting) throws IOException {
        if (library == JpegLibrary.TURBOJPEG) {
            JpegLibrary.forSetting("turbojpeg"); // says how to install the library where it is missing
        }
        boolean fullRange = range.equals("pc");
        AVFrame frame = greyFrame(pixelFormat(format), fullRange);
        try (JpegEncoder encoder = new JpegEncoder(library, 95, ratio, fullRangeSetting)) {
            BufferedImage jpeg = ImageIO.read(new ByteArrayInputStream(encoder.encode(frame)));

            assertThat(jpeg.getWidth()).isEqualTo((int) Math.round(WIDTH * ratio));
            int rgb = jpeg.getRGB(jpeg.getWidth() / 2, jpeg.getHeight() / 2);
            double expected = fullRange || !fullRangeSetting && format.equals("yuv420p") ? GREY : GREY_EXPANDED;
            for (int shift : new int[] {16, 8, 0}) {
                assertThat((double) (rgb >> shift & 0xff)).as("a channel of the middle pixel, %06x", rgb)
                        .isCloseTo(expected, offset(2.0));
            }
        } finally {
            av_frame_free(frame);
        }
    }

    private static int pixelFormat(String name) {
        return switch (name) {
            case "yuv420p" -> AV_PIX_FMT_YUV420P;
            case "yuv422p" -> AV_PIX_FMT_YUV422P;
            case "nv12" -> AV_PIX_FMT_NV12;
            case "yuv420p10le" -> AV_PIX_FMT_YUV420P10LE;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** A frame of {@link #GREY} with neutral chroma, in 8 or 10 bits, tagged with its range. */
    private static AVFrame greyFrame(int format, boolean fullRange) {
        AVFrame frame = av_frame_alloc();
        frame.width(WIDTH).height(HEIGHT).format(format).color_range(fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
        assertThat(av_frame_get_buffer(frame, 0)).isZero();
        boolean tenBits = format == AV_PIX_FMT_YUV420P10LE;
        int chromaRows = HEIGHT >> av_pix_fmt_desc_get(format).log2_chroma_h();
        for (int plane = 0; plane < 3 && frame.data(plane) != null; plane++) {
            int level = plane == 0 ? GREY : 128;
            int rows = plane == 0 ? HEIGHT : chromaRows;
            for (long at = 0; at < (long) rows * frame.linesize(plane); at += tenBits ? 2 : 1) {
                if (tenBits) { // little-endian, the level times four
                    frame.data(plane).put(at, (byte) (level << 2));
                    frame.data(plane).put(at + 1, (byte) (level >> 6));
                } else {
                    frame.data(plane).put(at, (byte) level);
                }
            }
        }
        return frame;
    }
}

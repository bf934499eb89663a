package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;
import static org.msight.plugins.rtspreceiver.FfmpegErrors.check;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Encodes decoded frames to JPEG straight from the decoder's YUV 4:2:0 planes, with TurboJPEG or
 * FFmpeg's MJPEG encoder (a {@link JpegLibrary}): no BGR image is ever made. One compressor is
 * reused while the input keeps its size, format and range, on the calling thread. Quantization
 * tables follow libjpeg's quality scale.
 *
 * <p>Limited-range (TV) YUV, what most H.264 encoders produce, is expanded to full range with
 * {@code full-range} on (the default), as OpenCV shows it, by a {@link RangeExpander}; with it
 * off, it is encoded as is: the JPEG then carries values 16-235, so viewers show blacks as dark
 * grey and whites as light grey. Full-range video (yuvj420p, or any format tagged full range:
 * VP9, AV1, 10-bit streams) keeps its levels either way. swscale
 * runs only for what the range expander does not do: a size change ({@code resize-ratio}, range
 * included), a pixel format other than YUV 4:2:0, or an odd size.
 */
final class JpegEncoder implements AutoCloseable {

    private final JpegLibrary library;
    private final int quality;
    private final double resizeRatio;
    private final boolean fullRange;

    private JpegCompressor compressor;
    private int width;
    private int height;
    private RangeExpander expander;
    private SwsContext scaler;
    private AVFrame scaled;
    private int inputWidth;
    private int inputHeight;
    private int inputFormat = -1;
    private int inputRange = -1;

    JpegEncoder(JpegLibrary library, int quality, double resizeRatio, boolean fullRange) {
        this.library = library;
        this.quality = quality;
        this.resizeRatio = resizeRatio;
        this.fullRange = fullRange;
    }

    /** The JPEG of {@code frame}; its size is {@link #width()} by {@link #height()}. */
    byte[] encode(AVFrame frame) {
        configureFor(frame);
        AVFrame input = frame;
        if (expander != null) {
            input = expander.expand(frame);
        } else if (scaler != null) {
            check(sws_scale_frame(scaler, scaled, frame), "scaling the frame");
            input = scaled;
        }
        return compressor.compress(input);
    }

    /** Width of the JPEGs made since the last size change. */
    int width() {
        return width;
    }

    /** Height of the JPEGs made since the last size change. */
    int height() {
        return height;
    }

    @Override
    public void close() {
        freeEncoder();
    }

    private void configureFor(AVFrame frame) {
        int range = frame.color_range();
        if (compressor != null && frame.width() == inputWidth && frame.height() == inputHeight
                && frame.format() == inputFormat && range == inputRange) {
            return;
        }
        freeEncoder();
        inputWidth = frame.width();
        inputHeight = frame.height();
        inputFormat = frame.format();
        inputRange = range;

        boolean yuv420 = inputFormat == AV_PIX_FMT_YUV420P || inputFormat == AV_PIX_FMT_YUVJ420P;
        boolean sourceFullRange = inputFormat == AV_PIX_FMT_YUVJ420P || range == AVCOL_RANGE_JPEG;
        width = resized(inputWidth, resizeRatio);
        height = resized(inputHeight, resizeRatio);
        boolean resize = width != inputWidth || height != inputHeight;
        boolean expandRange = fullRange && !sourceFullRange;
        if (expandRange && yuv420 && !resize && RangeExpander.takes(width, height)) {
            // Limited-range 4:2:0 is always yuv420p here: yuvj420p is full range.
            expander = new RangeExpander(width, height);
            compressor = library.open(width, height, AV_PIX_FMT_YUV420P, true, quality);
            return;
        }
        int outputFormat = yuv420 && !expandRange ? inputFormat : AV_PIX_FMT_YUVJ420P;
        boolean outputFullRange = outputFormat == AV_PIX_FMT_YUVJ420P || sourceFullRange;

        if (resize || outputFormat != inputFormat) {
            scaler = sws_getContext(inputWidth, inputHeight, inputFormat, width, height, outputFormat,
                    SWS_BILINEAR, null, null, (DoublePointer) null);
            if (scaler == null) {
                throw new IllegalStateException("swscale cannot convert pixel format " + inputFormat + " at "
                        + inputWidth + "x" + inputHeight + " to " + width + "x" + height);
            }
            // swscale takes a range from the pixel format's name alone (yuvj is full, the rest
            // limited): give it the frame's own, and the one the JPEG is told it has.
            IntPointer matrix = sws_getCoefficients(SWS_CS_DEFAULT);
            check(sws_setColorspaceDetails(scaler, matrix, sourceFullRange ? 1 : 0, matrix, outputFullRange ? 1 : 0,
                    0, 1 << 16, 1 << 16), "setting the ranges of the scaler");
            scaled = av_frame_alloc();
            scaled.width(width).height(height).format(outputFormat);
            check(av_frame_get_buffer(scaled, 0), "allocating the scaled frame");
        }
        compressor = library.open(width, height, outputFormat, outputFullRange, quality);
    }

    /**
     * A side of the picture scaled by {@code ratio}, as OpenCV's {@code cv2.resize(fx, fy)}, which
     * MSight uses, computes it: rounded half to even (cvRound), so 1366 at 0.75 is 1024; at least 1.
     */
    static int resized(int size, double ratio) {
        return Math.max(1, (int) Math.rint(size * ratio));
    }

    private void freeEncoder() {
        if (compressor != null) {
            compressor.close();
            compressor = null;
        }
        if (expander != null) {
            expander.close();
            expander = null;
        }
        if (scaler != null) {
            sws_freeContext(scaler);
            scaler = null;
        }
        if (scaled != null) {
            av_frame_free(scaled);
            scaled = null;
        }
    }
}

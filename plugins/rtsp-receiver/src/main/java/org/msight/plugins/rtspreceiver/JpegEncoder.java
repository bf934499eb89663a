package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_UNOFFICIAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;
import static org.msight.plugins.rtspreceiver.FfmpegErrors.check;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Encodes decoded frames to JPEG with FFmpeg's MJPEG encoder, straight from the decoder's YUV
 * 4:2:0 planes: no BGR image is ever made. One encoder context and packet are reused while the
 * input keeps its size, format and range, on the calling thread. Quantization tables follow
 * libjpeg's quality scale.
 *
 * <p>Limited-range (TV) YUV, what most H.264 encoders produce, is expanded to full range with
 * {@code full-range} on (the default), as OpenCV shows it, by a {@link RangeExpander}; with it
 * off, it is encoded as is: the JPEG then carries values 16-235, so viewers show blacks as dark
 * grey and whites as light grey. Full-range cameras (yuvj420p) are exact either way. swscale
 * runs only for what the range expander does not do: a size change ({@code resize-ratio}, range
 * included), a pixel format other than YUV 4:2:0, or an odd size.
 */
final class JpegEncoder implements AutoCloseable {

    /** The MJPEG encoder scales its tables by qscale / 8: qscale 8 keeps our tables as they are. */
    private static final int UNSCALED_LAMBDA = 8 * FF_QP2LAMBDA;

    private final int quality;
    private final double resizeRatio;
    private final boolean fullRange;
    private final AVPacket packet = av_packet_alloc();

    private AVCodecContext encoder;
    private RangeExpander expander;
    private SwsContext scaler;
    private AVFrame scaled;
    private int inputWidth;
    private int inputHeight;
    private int inputFormat = -1;
    private int inputRange = -1;
    private long pts;

    JpegEncoder(int quality, double resizeRatio, boolean fullRange) {
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
        input.quality(UNSCALED_LAMBDA);
        input.pts(pts++);
        check(avcodec_send_frame(encoder, input), "sending a frame to the JPEG encoder");
        check(avcodec_receive_packet(encoder, packet), "receiving a JPEG from the encoder");
        try {
            byte[] jpeg = new byte[packet.size()];
            packet.data().get(jpeg);
            return jpeg;
        } finally {
            av_packet_unref(packet);
        }
    }

    /** Width of the JPEGs made since the last size change. */
    int width() {
        return encoder.width();
    }

    /** Height of the JPEGs made since the last size change. */
    int height() {
        return encoder.height();
    }

    @Override
    public void close() {
        freeEncoder();
        av_packet_free(packet);
    }

    private void configureFor(AVFrame frame) {
        int range = frame.color_range();
        if (encoder != null && frame.width() == inputWidth && frame.height() == inputHeight
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
        int width = Math.max(1, (int) Math.round(inputWidth * resizeRatio));
        int height = Math.max(1, (int) Math.round(inputHeight * resizeRatio));
        boolean resize = width != inputWidth || height != inputHeight;
        boolean expandRange = fullRange && !sourceFullRange;
        if (expandRange && yuv420 && !resize && RangeExpander.takes(width, height)) {
            // Limited-range 4:2:0 is always yuv420p here: yuvj420p is full range.
            expander = new RangeExpander(width, height);
            encoder = openEncoder(width, height, AV_PIX_FMT_YUV420P, true);
            return;
        }
        int outputFormat = yuv420 && !expandRange ? inputFormat : AV_PIX_FMT_YUVJ420P;
        boolean outputFullRange = outputFormat == AV_PIX_FMT_YUVJ420P || sourceFullRange;

        if (resize || outputFormat != inputFormat) {
            // swscale tells ranges apart by pixel format only: name full-range 4:2:0 yuvj420p.
            int sourceFormat = inputFormat == AV_PIX_FMT_YUV420P && sourceFullRange ? AV_PIX_FMT_YUVJ420P : inputFormat;
            scaler = sws_getContext(inputWidth, inputHeight, sourceFormat, width, height, outputFormat,
                    SWS_BILINEAR, null, null, (DoublePointer) null);
            if (scaler == null) {
                throw new IllegalStateException("swscale cannot convert pixel format " + inputFormat + " at "
                        + inputWidth + "x" + inputHeight + " to " + width + "x" + height);
            }
            scaled = av_frame_alloc();
            scaled.width(width).height(height).format(outputFormat);
            check(av_frame_get_buffer(scaled, 0), "allocating the scaled frame");
        }
        encoder = openEncoder(width, height, outputFormat, outputFullRange);
    }

    private AVCodecContext openEncoder(int width, int height, int pixelFormat, boolean fullRangeOutput) {
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
        AVCodecContext context = avcodec_alloc_context3(codec);
        context.width(width).height(height).pix_fmt(pixelFormat).time_base(av_make_q(1, 30));
        context.color_range(fullRangeOutput ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
        if (!fullRangeOutput) {
            context.strict_std_compliance(FF_COMPLIANCE_UNOFFICIAL);
        }
        context.flags(context.flags() | AV_CODEC_FLAG_QSCALE).global_quality(UNSCALED_LAMBDA);
        // One thread: with slice threads FFmpeg gives up optimal Huffman tables and the JPEGs
        // grow by a third; one thread encodes a 1080p frame in a few milliseconds.
        context.thread_count(1);
        // FFmpeg frees these with the context, so they come from av_malloc.
        context.intra_matrix(matrix(JpegQuantTables.luminance(quality)));
        context.chroma_intra_matrix(matrix(JpegQuantTables.chrominance(quality)));
        int result = avcodec_open2(context, codec, (AVDictionary) null);
        if (result < 0) {
            avcodec_free_context(context);
            check(result, "opening the JPEG encoder");
        }
        return context;
    }

    private static ShortPointer matrix(int[] table) {
        ShortPointer matrix = new ShortPointer(av_malloc(table.length * 2L)).capacity(table.length);
        for (int i = 0; i < table.length; i++) {
            matrix.put(i, (short) table[i]);
        }
        return matrix;
    }

    private void freeEncoder() {
        if (encoder != null) {
            avcodec_free_context(encoder);
            encoder = null;
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

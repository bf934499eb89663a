package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_BITEXACT;
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
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.msight.plugins.rtspreceiver.FfmpegErrors.check;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.ShortPointer;

/**
 * FFmpeg's MJPEG encoder, the fallback when TurboJPEG is not installed: one encoder context and
 * packet reused. Its quantization tables follow libjpeg's quality scale, but it quantizes with a
 * dead zone and optimizes its Huffman tables, so its JPEGs are smaller than libjpeg's at the same
 * PSNR, close to Python MSight's in size. They start with a JFIF APP0 segment (a 1:1 pixel aspect), as libjpeg's do, and carry no
 * encoder comment.
 */
final class FfmpegJpegCompressor implements JpegCompressor {

    /** The MJPEG encoder scales its tables by qscale / 8: qscale 8 keeps our tables as they are. */
    private static final int UNSCALED_LAMBDA = 8 * FF_QP2LAMBDA;

    private final AVCodecContext encoder;
    private final AVPacket packet = av_packet_alloc();
    private long pts;

    FfmpegJpegCompressor(int width, int height, int pixelFormat, boolean fullRange, int quality) {
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
        encoder = avcodec_alloc_context3(codec);
        encoder.width(width).height(height).pix_fmt(pixelFormat).time_base(av_make_q(1, 30));
        encoder.color_range(fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
        if (!fullRange) {
            encoder.strict_std_compliance(FF_COMPLIANCE_UNOFFICIAL);
        }
        // A pixel aspect makes the encoder write a JFIF segment; bit-exact leaves out its comment.
        encoder.sample_aspect_ratio(av_make_q(1, 1));
        encoder.flags(encoder.flags() | AV_CODEC_FLAG_QSCALE | AV_CODEC_FLAG_BITEXACT).global_quality(UNSCALED_LAMBDA);
        // One thread: with slice threads FFmpeg gives up optimal Huffman tables and the JPEGs
        // grow by a third; one thread encodes a 1080p frame in a few milliseconds.
        encoder.thread_count(1);
        // FFmpeg frees these with the context, so they come from av_malloc.
        encoder.intra_matrix(matrix(JpegQuantTables.luminance(quality)));
        encoder.chroma_intra_matrix(matrix(JpegQuantTables.chrominance(quality)));
        int result = avcodec_open2(encoder, codec, (AVDictionary) null);
        if (result < 0) {
            close();
            check(result, "opening the JPEG encoder");
        }
    }

    @Override
    public byte[] compress(AVFrame frame) {
        frame.quality(UNSCALED_LAMBDA);
        frame.pts(pts++);
        check(avcodec_send_frame(encoder, frame), "sending a frame to the JPEG encoder");
        check(avcodec_receive_packet(encoder, packet), "receiving a JPEG from the encoder");
        try {
            byte[] jpeg = new byte[packet.size()];
            packet.data().get(jpeg);
            return jpeg;
        } finally {
            av_packet_unref(packet);
        }
    }

    @Override
    public void close() {
        avcodec_free_context(encoder);
        av_packet_free(packet);
    }

    private static ShortPointer matrix(int[] table) {
        ShortPointer matrix = new ShortPointer(av_malloc(table.length * 2L)).capacity(table.length);
        for (int i = 0; i < table.length; i++) {
            matrix.put(i, (short) table[i]);
        }
        return matrix;
    }
}

package org.msight.plugins.rtspreceiver;

import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Compresses YUV 4:2:0 frames of one size, pixel format and range to JPEG, on the calling
 * thread, with the quantization tables of one libjpeg quality. Made by {@link JpegLibrary#open}.
 */
interface JpegCompressor extends AutoCloseable {

    /** The JPEG of {@code frame}, which must have the size and format this compressor was made for. */
    byte[] compress(AVFrame frame);

    @Override
    void close();
}

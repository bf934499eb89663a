package org.msight.plugins.rtspreceiver;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * TurboJPEG's SIMD encoder fed straight from the frame's three planes, with libjpeg's quality
 * scale and standard Huffman tables: the JPEGs OpenCV (so MSight) makes, JFIF APP0 segment first.
 * On noisy camera video they are about 1.4 times the size of FFmpeg's encoder's at the same
 * PSNR (FFmpeg quantizes with a dead zone and optimizes its Huffman tables), for about two thirds
 * of its CPU. libjpeg-turbo's own {@code TJ_OPTIMIZE=1} environment variable would optimize the
 * tables too, but at more than twice the CPU. The output buffer and the call's arguments are
 * allocated once.
 */
final class TurboJpegCompressor implements JpegCompressor {

    private static final int PLANES = 0;
    private static final int STRIDES = 3 * Long.BYTES;
    private static final int BUFFER = STRIDES + 4 * Integer.BYTES;
    private static final int SIZE = BUFFER + Long.BYTES;

    private final int width;
    private final int height;
    private final int quality;
    private final Pointer handle;
    private final Memory arguments = new Memory(SIZE + Long.BYTES);
    private final Pointer planes = arguments.share(PLANES);
    private final Pointer strides = arguments.share(STRIDES);
    private final Pointer buffer = arguments.share(BUFFER);
    private final Pointer size = arguments.share(SIZE);
    private final Memory output;

    TurboJpegCompressor(int width, int height, int quality) {
        this.width = width;
        this.height = height;
        this.quality = quality;
        this.output = new Memory(TurboJpeg.tjBufSize(width, height, TurboJpeg.SAMP_420));
        this.handle = TurboJpeg.tjInitCompress();
        if (handle == null) {
            output.close();
            throw new IllegalStateException("TurboJPEG: " + TurboJpeg.tjGetErrorStr2(null));
        }
        arguments.setPointer(BUFFER, output);
    }

    @Override
    public byte[] compress(AVFrame frame) {
        for (int plane = 0; plane < 3; plane++) {
            arguments.setLong(PLANES + plane * Long.BYTES, frame.data(plane).address());
            arguments.setInt(STRIDES + plane * Integer.BYTES, frame.linesize(plane));
        }
        arguments.setLong(SIZE, output.size());
        int result = TurboJpeg.tjCompressFromYUVPlanes(handle, planes, width, strides, height, TurboJpeg.SAMP_420,
                buffer, size, quality, TurboJpeg.FLAG_NOREALLOC);
        if (result != 0) {
            throw new IllegalStateException("TurboJPEG could not encode the frame: " + TurboJpeg.tjGetErrorStr2(handle));
        }
        byte[] jpeg = new byte[(int) arguments.getLong(SIZE)];
        output.read(0, jpeg, 0, jpeg.length);
        return jpeg;
    }

    @Override
    public void close() {
        TurboJpeg.tjDestroy(handle);
        output.close();
        arguments.close();
    }
}

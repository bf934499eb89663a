package org.msight.plugins.rtspreceiver;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * TurboJPEG's SIMD encoder fed straight from the frame's three planes, JFIF APP0 segment first:
 * libjpeg's quality scale, as OpenCV's, but libjpeg's standard Huffman tables, where Python
 * MSight's JPEGs have optimized ones, so at the same quality they are about 1.35 to 1.45 times the
 * size of Python MSight's. FFmpeg's encoder ({@code jpeg-encoder = ffmpeg}) optimizes its tables
 * and quantizes with a dead zone: its JPEGs are about 0.7 times these, close to Python MSight's.
 * This one takes about two thirds of that encoder's CPU, and CPU limits the cameras a machine
 * takes: it is the default. libjpeg-turbo's own {@code TJ_OPTIMIZE=1} environment variable would optimize the
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

package org.msight.plugins.rtspreceiver;

/** The library that compresses the receiver's JPEGs: the {@code jpeg-encoder} setting. */
enum JpegLibrary {

    /**
     * libjpeg-turbo's TurboJPEG: about two thirds of the CPU of FFmpeg's encoder, but libjpeg's
     * standard Huffman tables, so JPEGs about 1.4 times the size of Python MSight's.
     */
    TURBOJPEG,
    /** FFmpeg's MJPEG encoder, always there: the fallback; optimized Huffman tables, JPEGs close to Python MSight's in size. */
    FFMPEG;

    /**
     * The library for a {@code jpeg-encoder} setting: {@code auto} takes TurboJPEG when it is
     * installed and FFmpeg's encoder otherwise.
     *
     * @throws IllegalArgumentException for an unknown setting, or {@code turbojpeg} when the
     *     library is not installed
     */
    static JpegLibrary forSetting(String setting) {
        return switch (setting) {
            case "auto" -> TurboJpeg.LOADED ? TURBOJPEG : FFMPEG;
            case "turbojpeg" -> {
                if (!TurboJpeg.LOADED) {
                    throw new IllegalArgumentException("jpeg-encoder: turbojpeg needs " + TurboJpeg.LIBRARY
                            + " (Debian: apt-get install libturbojpeg0), which cannot be loaded: "
                            + TurboJpeg.LOAD_FAILURE);
                }
                yield TURBOJPEG;
            }
            case "ffmpeg" -> FFMPEG;
            default -> throw new IllegalArgumentException(
                    "jpeg-encoder: must be auto, turbojpeg or ffmpeg, not '" + setting + "'");
        };
    }

    /** What the start-up line says of this library, chosen for the {@code jpeg-encoder} {@code setting}. */
    String describe(String setting) {
        if (this == TURBOJPEG) {
            return "TurboJPEG (" + TurboJpeg.LIBRARY + "); its JPEGs are larger than Python MSight's (standard"
                    + " Huffman tables): jpeg-encoder = ffmpeg makes smaller ones, at more CPU";
        }
        return "FFmpeg's MJPEG encoder (" + (setting.equals("ffmpeg") ? "jpeg-encoder = ffmpeg"
                : TurboJpeg.LIBRARY + " not found: " + TurboJpeg.LOAD_FAILURE) + ")";
    }

    /** A compressor for YUV 4:2:0 frames ({@code yuv420p} or {@code yuvj420p}) of this size. */
    JpegCompressor open(int width, int height, int pixelFormat, boolean fullRange, int quality) {
        return this == TURBOJPEG ? new TurboJpegCompressor(width, height, quality)
                : new FfmpegJpegCompressor(width, height, pixelFormat, fullRange, quality);
    }
}

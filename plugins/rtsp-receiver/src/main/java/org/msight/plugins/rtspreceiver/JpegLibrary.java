package org.msight.plugins.rtspreceiver;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The library that compresses the receiver's JPEGs: the {@code jpeg-encoder} setting. */
enum JpegLibrary {

    /** libjpeg-turbo's TurboJPEG: OpenCV's JPEGs, about two thirds of the CPU of FFmpeg's encoder. */
    TURBOJPEG,
    /** FFmpeg's MJPEG encoder, always there: the fallback; smaller JPEGs at the same PSNR. */
    FFMPEG;

    private static final Logger LOG = LoggerFactory.getLogger(JpegLibrary.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    /**
     * The library for a {@code jpeg-encoder} setting: {@code auto} takes TurboJPEG when it is
     * installed and FFmpeg's encoder otherwise. The first choice made in a process is logged.
     *
     * @throws IllegalArgumentException for an unknown setting, or {@code turbojpeg} when the
     *     library is not installed
     */
    static JpegLibrary forSetting(String setting) {
        JpegLibrary library = switch (setting) {
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
        if (LOGGED.compareAndSet(false, true)) {
            if (library == TURBOJPEG) {
                LOG.info("JPEG encoder: TurboJPEG ({})", TurboJpeg.LIBRARY);
            } else {
                LOG.info("JPEG encoder: FFmpeg's MJPEG encoder ({})", setting.equals("ffmpeg")
                        ? "jpeg-encoder = ffmpeg" : TurboJpeg.LIBRARY + " not found: " + TurboJpeg.LOAD_FAILURE);
            }
        }
        return library;
    }

    /** A compressor for YUV 4:2:0 frames ({@code yuv420p} or {@code yuvj420p}) of this size. */
    JpegCompressor open(int width, int height, int pixelFormat, boolean fullRange, int quality) {
        return this == TURBOJPEG ? new TurboJpegCompressor(width, height, quality)
                : new FfmpegJpegCompressor(width, height, pixelFormat, fullRange, quality);
    }
}

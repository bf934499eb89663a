package org.msight.plugins.rtspreceiver;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avdevice;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;
import org.msight.api.UnrecoverableException;

/**
 * Loads JavaCPP's FFmpeg natives before anything uses them, so a box that lacks a system
 * library they link against gets one message naming the library and the Debian package that
 * provides it, instead of an {@link UnsatisfiedLinkError} on every retry. On linux-arm64 they
 * need libva-drm2, libva2 and libdrm2 (libavutil), and libxcb1 (libavdevice): libavdevice is
 * loaded only for device inputs (lavfi, v4l2...), so a camera box never needs libxcb1.
 */
final class FfmpegNatives {

    /** "libva-drm.so.2: cannot open shared object file", as the dynamic linker says it. */
    private static final Pattern MISSING = Pattern.compile("([\\w.+-]+\\.so(?:\\.\\d+)*): cannot open shared object file");

    private FfmpegNatives() {
    }

    /** Loads the libraries every input needs. */
    static void requireCore() throws UnrecoverableException {
        load(avutil.class, avcodec.class, avformat.class, swscale.class);
    }

    /** Loads libavdevice too, for FFmpeg's device inputs (lavfi, v4l2, x11grab...). */
    static void requireDevices() throws UnrecoverableException {
        load(avdevice.class);
    }

    private static void load(Class<?>... libraries) throws UnrecoverableException {
        try {
            for (Class<?> library : libraries) {
                Loader.load(library);
            }
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new UnrecoverableException(describe(e));
        }
    }

    /** One line: which library is missing and the apt command that installs it. */
    static String describe(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            Matcher missing = MISSING.matcher(String.valueOf(cause.getMessage()));
            if (missing.find()) {
                String library = missing.group(1);
                return "FFmpeg's native libraries cannot load: the system library " + library + " is missing;"
                        + " install it with: sudo apt-get install " + debianPackage(library);
            }
        }
        return "FFmpeg's native libraries cannot load on " + Loader.getPlatform() + ": " + failure;
    }

    /**
     * The Debian package of a shared library, by Debian's naming rule: libva-drm.so.2 is in
     * libva-drm2, libX11.so.6 in libx11-6 (a dash when the name ends with a digit).
     */
    static String debianPackage(String library) {
        int so = library.indexOf(".so");
        String name = library.substring(0, so).toLowerCase(Locale.ROOT);
        String version = library.length() > so + 4 ? library.substring(so + 4) : "";
        int dot = version.indexOf('.');
        version = dot < 0 ? version : version.substring(0, dot);
        boolean dash = !version.isEmpty() && Character.isDigit(name.charAt(name.length() - 1));
        return name + (dash ? "-" : "") + version;
    }
}

package org.msight.plugins.rtspreceiver;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
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

    /**
     * What the dynamic linker says of a library on a file system mounted noexec, but also, as glibc
     * words ENOMEM and EACCES alike, where a memory limit (LimitAS=) or SELinux refuses the mapping.
     */
    private static final String NOT_EXECUTABLE = "failed to map segment from shared object";
    /** The library's path the JVM writes before the dynamic linker's message, which starts with it too. */
    private static final Pattern REPEATED_PATH = Pattern.compile("^(.+?): \\1: ");

    /** The description of each library that failed to load. */
    private static final Map<Class<?>, String> FAILED = new ConcurrentHashMap<>();
    private static boolean devicesRegistered;

    private FfmpegNatives() {
    }

    /**
     * Checks the {@code format} setting when the node is built, so that {@code --check} and the
     * start refuse a misspelt one as a config error. Where FFmpeg's libraries cannot be loaded,
     * opening says so later, once, with what to install.
     *
     * @throws IllegalArgumentException naming the setting, when FFmpeg has no such input format
     */
    static void checkFormat(String format) {
        try {
            if (!format.isEmpty() && find(format) == null) {
                throw new IllegalArgumentException(noSuchFormat(format));
            }
        } catch (UnrecoverableException librariesCannotLoad) {
            // opening says so
        }
    }

    /** The input format called {@code name}: a container's, or one of libavdevice's inputs (lavfi, v4l2...). */
    static AVInputFormat inputFormat(String name) throws UnrecoverableException {
        AVInputFormat found = find(name);
        if (found == null) { // the setting, not the camera: trying again cannot help
            throw new UnrecoverableException(noSuchFormat(name));
        }
        return found;
    }

    private static AVInputFormat find(String name) throws UnrecoverableException {
        requireCore();
        AVInputFormat found = avformat.av_find_input_format(name);
        if (found == null) {
            registerDevices(); // libavdevice is loaded only when a format needs it
            found = avformat.av_find_input_format(name);
        }
        return found;
    }

    private static String noSuchFormat(String name) {
        return "format: FFmpeg has no input format '" + name + "' ('ffmpeg -formats' and 'ffmpeg -devices' list them)";
    }

    private static synchronized void registerDevices() throws UnrecoverableException {
        if (!devicesRegistered) {
            requireDevices();
            avdevice.avdevice_register_all();
            devicesRegistered = true;
        }
    }

    /** Loads the libraries every input needs. */
    static void requireCore() throws UnrecoverableException {
        load(avutil.class, avcodec.class, avformat.class, swscale.class);
    }

    /** Loads libavdevice too, for FFmpeg's device inputs (lavfi, v4l2, x11grab...). */
    private static void requireDevices() throws UnrecoverableException {
        load(avdevice.class);
    }

    /**
     * Loads the libraries; a failure is described once, as the first attempt saw it: a later
     * attempt only gets "Could not initialize class", which no longer names the missing library.
     */
    private static void load(Class<?>... libraries) throws UnrecoverableException {
        for (Class<?> library : libraries) {
            String failed = FAILED.get(library);
            if (failed != null) {
                throw new UnrecoverableException(failed);
            }
            try {
                Loader.load(library);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new UnrecoverableException(FAILED.computeIfAbsent(library, l -> describe(e)));
            }
        }
    }

    /**
     * One line: which library is missing and the apt command that installs it; else the innermost
     * cause, the dynamic linker's words ("no jniavutil in java.library.path" alone hides them), and
     * what to do when JavaCPP's cache is likely on a file system mounted noexec. What matters comes first,
     * as the log cuts a long message.
     */
    static String describe(Throwable failure) {
        Throwable innermost = failure;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            Matcher missing = MISSING.matcher(String.valueOf(cause.getMessage()));
            if (missing.find()) {
                String library = missing.group(1);
                return "FFmpeg's native libraries cannot load: the system library " + library + " is missing;"
                        + " install it with: sudo apt-get install " + debianPackage(library);
            }
            innermost = cause;
        }
        String cause = REPEATED_PATH.matcher(String.valueOf(innermost.getMessage())).replaceFirst("$1: ");
        if (cause.contains(NOT_EXECUTABLE)) {
            return "FFmpeg's native libraries cannot load: JavaCPP's cache is likely on a file system mounted noexec"
                    + " (else a memory limit or SELinux); set"
                    + " MSIGHT_JAVA_OPTS=-Dorg.bytedeco.javacpp.cachedir=<a folder without noexec> (" + cause + ")";
        }
        return "FFmpeg's native libraries cannot load on " + Loader.getPlatform() + ": "
                + innermost.getClass().getName() + ": " + cause + (innermost == failure ? "" : "; " + failure);
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

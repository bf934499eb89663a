package org.msight.plugins.rtspreceiver;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few TurboJPEG functions the receiver calls, bound with JNA's direct mapping to the system's
 * {@code libturbojpeg.so.0} (Debian's {@code libturbojpeg0}, libjpeg-turbo 2.1 or later, which
 * keeps this API). {@link #LOADED} tells whether the library is there; the functions must not be
 * called when it is not.

 */
final class TurboJpeg {

    /** The library's file name, as the dynamic linker finds it. */
    static final String LIBRARY = "libturbojpeg.so.0";

    /** {@code TJSAMP_420}: 4:2:0 chroma subsampling. */
    static final int SAMP_420 = 2;

    /** {@code TJFLAG_NOREALLOC}: write into the caller's buffer, sized by {@code tjBufSize}. */
    static final int FLAG_NOREALLOC = 1024;

    /** Why the library could not be loaded, or null when it was. */
    static final String LOAD_FAILURE = load();

    /** Whether the library was loaded. */
    static final boolean LOADED = LOAD_FAILURE == null;

    private TurboJpeg() {
    }

    private static String load() {
        try {
            Native.register(TurboJpeg.class, NativeLibrary.getInstance(LIBRARY));
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return e.getMessage();
        }
    }

    static native Pointer tjInitCompress();

    static native int tjDestroy(Pointer handle);

    static native long tjBufSize(int width, int height, int subsampling);

    /**
     * Compresses three YUV planes. {@code planes} holds three plane addresses, {@code strides}
     * three ints, {@code jpegBuffer} one buffer address and {@code jpegSize} one unsigned long
     * (64 bits on the LP64 platforms served), in and out.
     */
    static native int tjCompressFromYUVPlanes(Pointer handle, Pointer planes, int width, Pointer strides, int height,
            int subsampling, Pointer jpegBuffer, Pointer jpegSize, int quality, int flags);

    static native String tjGetErrorStr2(Pointer handle);
}

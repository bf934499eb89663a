package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avutil.av_make_error_string;

import org.bytedeco.javacpp.BytePointer;

/** FFmpeg's words for its error codes. */
final class FfmpegErrors {

    private static final int MAX_LENGTH = 256;

    private FfmpegErrors() {
    }

    /** What a negative FFmpeg return code means, such as "Connection refused". */
    static String describe(int code) {
        try (BytePointer text = new BytePointer(MAX_LENGTH)) {
            return av_make_error_string(text, MAX_LENGTH, code).getString();
        }
    }

    /** Throws {@link IllegalStateException} naming {@code what} failed when {@code result} is an error code. */
    static void check(int result, String what) {
        if (result < 0) {
            throw new IllegalStateException("FFmpeg failed " + what + ": " + describe(result));
        }
    }
}

package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.LogSafe;

class FfmpegNativesTest {

    @ParameterizedTest
    @CsvSource({"libva-drm.so.2, libva-drm2", "libva.so.2, libva2", "libdrm.so.2, libdrm2", "libxcb.so.1, libxcb1",
        "libX11.so.6, libx11-6", "libxcb-shm.so.0, libxcb-shm0", "libvdpau.so.1.0.0, libvdpau1"})
    void theDebianPackageOfALibraryFollowsDebiansNaming(String library, String debianPackage) {
        assertThat(FfmpegNatives.debianPackage(library)).isEqualTo(debianPackage);
    }

    @org.junit.jupiter.api.Test
    void aMissingLibraryIsNamedWithTheCommandThatInstallsIt() {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("no jniavutil in java.library.path");
        error.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/ffmpeg-linux-arm64.jar/org/bytedeco/ffmpeg/"
                + "linux-arm64/libavutil.so.59: libva-drm.so.2: cannot open shared object file: No such file or directory"));
        assertThat(FfmpegNatives.describe(error)).isEqualTo("FFmpeg's native libraries cannot load: the system library"
                + " libva-drm.so.2 is missing; install it with: sudo apt-get install libva-drm2");
    }

    /**
     * /var mounted noexec: JavaCPP's cache in the unit's home, /var/lib/msight/.javacpp/cache, cannot
     * be mapped. The log cuts a message at {@link LogSafe#MAX_LENGTH}: what to do and the cache's
     * folder come within it. The dynamic linker says the same where a memory limit (LimitAS=) or
     * SELinux refuses the mapping: the message says so.
     */
    @org.junit.jupiter.api.Test
    void aCacheOnANoexecMountIsNamedWithWhatToDoAndItsCause() {
        String library = "/var/lib/msight/.javacpp/cache/ffmpeg-7.1.1-1.5.12-linux-arm64.jar/org/bytedeco/ffmpeg/"
                + "linux-arm64/libjniavutil.so";
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("no jniavutil in java.library.path: /usr/lib");
        error.initCause(new UnsatisfiedLinkError(library + ": " + library
                + ": failed to map segment from shared object"));
        assertThat(FfmpegNatives.describe(error)).isEqualTo("FFmpeg's native libraries cannot load: JavaCPP's cache is"
                + " likely on a file system mounted noexec (else a memory limit or SELinux); set"
                + " MSIGHT_JAVA_OPTS=-Dorg.bytedeco.javacpp.cachedir=<a folder without noexec> (" + library
                + ": failed to map segment from shared object)");
        assertThat(LogSafe.text(FfmpegNatives.describe(error)))
                .contains("likely", "SELinux", "cachedir=", "/var/lib/msight/.javacpp/cache/");
    }

    @org.junit.jupiter.api.Test
    void anotherFailureIsNamedByItsInnermostCauseFirst() {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("no jniavutil in java.library.path: /usr/lib");
        error.initCause(new UnsatisfiedLinkError("/x/libjniavutil.so: /x/libjniavutil.so: undefined symbol: av_foo"));
        assertThat(FfmpegNatives.describe(error)).endsWith(": java.lang.UnsatisfiedLinkError: /x/libjniavutil.so:"
                + " undefined symbol: av_foo; java.lang.UnsatisfiedLinkError: no jniavutil in java.library.path:"
                + " /usr/lib");
    }
}

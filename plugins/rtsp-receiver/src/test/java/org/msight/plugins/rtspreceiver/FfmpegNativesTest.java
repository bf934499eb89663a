package org.msight.plugins.rtspreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}

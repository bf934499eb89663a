package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Mounts;

class WritablePathTest {

    @TempDir
    Path dir;

    /**
     * The systemd unit's ProtectSystem=strict mounts all but /var/lib/msight read-only: the folder
     * there was "not a writable folder", and its owner changed nothing. Root writes anywhere else,
     * but not on a read-only mount.
     */
    @Test
    void aFolderOnAReadOnlyMountSaysSoAndUnderSystemdHowToLetTheServiceWriteThere() throws Exception {
        Path images = Files.createDirectories(dir.resolve("ssd/images"));
        Path log = Files.writeString(images.resolve("cam.log"), "");
        Mounts.readOnly(images);
        try {
            assertThat(WritablePath.problem(images.toString(), true, false)).contains("cannot write " + images
                    + " (a read-only file system: " + images + ")");
            assertThat(WritablePath.problem(images.resolve("north").toString(), true, true)).hasValueSatisfying(
                    problem -> assertThat(problem).contains("(a read-only file system: " + images + ";",
                            "systemctl edit msight@NAME: [Service] ReadWritePaths=" + images + ")"));
            assertThat(WritablePath.problem(log.toString(), false, true)).hasValueSatisfying(problem ->
                    assertThat(problem).startsWith("cannot write " + log + " (a read-only file system: " + log + ";")
                            .endsWith("ReadWritePaths=" + images + ")"));
        } finally {
            Mounts.unmount(images);
        }
        assertThat(WritablePath.problem(images.resolve("north").toString(), true, true)).isEmpty();
    }
}

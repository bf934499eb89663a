package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Mounts;
import org.msight.testkit.Tools;
import org.msight.testkit.Waits;

class WritablePathTest {

    @TempDir
    Path dir;

    /**
     * The systemd unit's ProtectSystem=strict mounts all but /var/lib/msight read-only: the folder
     * there was "not a writable folder", and its owner changed nothing. Root writes anywhere else,
     * but not on a read-only mount. The folder the hint names is quoted as systemd reads it: unquoted,
     * it took "/ssd/my" and "images" for two folders.
     */
    @Test
    void aFolderOnAReadOnlyMountSaysSoAndUnderSystemdHowToLetTheServiceWriteThere() throws Exception {
        Path images = Files.createDirectories(dir.resolve("ssd/my images"));
        Path log = Files.writeString(images.resolve("cam.log"), "");
        Mounts.readOnly(images);
        try {
            assertThat(WritablePath.problem(images.toString(), true, false)).contains("cannot write " + images
                    + " (a read-only file system: " + images + ")");
            assertThat(WritablePath.problem(images.resolve("north").toString(), true, true)).hasValueSatisfying(
                    problem -> assertThat(problem).contains("(a read-only file system: " + images + ";",
                            "systemctl edit msight@NAME: [Service] ReadWritePaths=\"" + images + "\")"));
            assertThat(WritablePath.problem(log.toString(), false, true)).hasValueSatisfying(problem ->
                    assertThat(problem).startsWith("cannot write " + log + " (a read-only file system: " + log + ";")
                            .endsWith("ReadWritePaths=\"" + images + "\")"));
        } finally {
            Mounts.unmount(images);
        }
        assertThat(WritablePath.problem(images.resolve("north").toString(), true, true)).isEmpty();
    }

    /**
     * A file system itself read-only (an SD card's ext4 remounted so after I/O errors) was taken for
     * the unit's sandbox: the hint to add the folder to ReadWritePaths changed nothing.
     */
    @Test
    void aFolderOnAReadOnlyFileSystemSaysSoWithoutTheSystemdHint() throws Exception {
        Path card = Files.createDirectories(dir.resolve("sd"));
        Mounts.tmpfs(card, "64k");
        try {
            Path images = Files.createDirectories(card.resolve("images"));
            Tools.Output remount = Tools.run(new ProcessBuilder("mount", "-o", "remount,ro", card.toString())
                    .redirectErrorStream(true), Waits.GENEROUS);
            assertThat(remount.exitCode()).as(remount.text()).isZero();
            assertThat(WritablePath.problem(images.resolve("north").toString(), true, true)).contains("cannot write "
                    + images.resolve("north") + " (a read-only file system: " + images + "; the file system is mounted"
                    + " read-only (or was remounted so after disk errors: see dmesg))");
        } finally {
            Mounts.unmount(card);
        }
    }
}

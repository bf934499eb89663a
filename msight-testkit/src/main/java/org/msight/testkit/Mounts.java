package org.msight.testkit;

import java.nio.file.Path;
import java.util.List;

/**
 * Disks that fill or refuse writes for real, for tests of what a node does then: mounts need root,
 * as the test command runs on CI. Unmount each with {@link #unmount} in the test's {@code finally}.
 */
public final class Mounts {

    private Mounts() {
    }

    /** Mounts a tmpfs of {@code size} ({@code 64k}) on {@code folder}: a disk that fills. */
    public static void tmpfs(Path folder, String size) {
        run("mount -t tmpfs needs root, as the test command runs on CI", "mount", "-t", "tmpfs", "-o", "size=" + size,
                "tmpfs", folder.toString());
    }

    /**
     * Mounts {@code folder} on itself read-only: files open already are written as before, but none
     * is created or deleted there.
     */
    public static void readOnly(Path folder) {
        for (String options : List.of("bind", "remount,bind,ro")) {
            run("mount -o " + options + " needs root", "mount", "-o", options, folder.toString(), folder.toString());
        }
    }

    /** Unmounts what {@link #tmpfs} or {@link #readOnly} mounted, lazily: a file a failed test left open does not keep it. */
    public static void unmount(Path folder) {
        run("umount " + folder, "umount", "--lazy", folder.toString());
    }

    private static void run(String what, String... command) {
        Tools.Output output = Tools.run(new ProcessBuilder(command).redirectErrorStream(true), Waits.GENEROUS);
        if (output.exitCode() != 0) {
            throw new AssertionError(what + ": " + output.text());
        }
    }
}

package org.msight.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msight.api.LogSafe;

/**
 * Whether this process can write a file or a folder a setting names, found without creating
 * anything: the path itself when it exists, else the nearest folder of its path that exists, where
 * the missing ones would be made.
 */
public final class WritablePath {

    /** Every mount of this process, with its own options: systemd's unit sandboxes are mounts of their own. */
    private static final Path MOUNTS = Path.of("/proc/self/mounts");
    /** A space, tab, newline or backslash in a mount's folder, as /proc/self/mounts writes it: {@code \040}. */
    private static final Pattern OCTAL_ESCAPE = Pattern.compile("\\\\([0-7]{3})");

    private WritablePath() {
    }

    /**
     * Why this process cannot write {@code path}, if it cannot, such as {@code cannot write
     * /data/images (/data is not a writable folder)}, or {@code (a read-only file system: /data/images)}
     * with, under systemd, how to let the service write there.
     *
     * @param folder whether {@code path} is a folder to write files in, rather than a file
     */
    public static Optional<String> problem(String path, boolean folder) {
        return problem(path, folder, System.getenv("INVOCATION_ID") != null);
    }

    /** As {@link #problem(String, boolean)}, {@code underSystemd} telling whether systemd started this process. */
    static Optional<String> problem(String path, boolean folder, boolean underSystemd) {
        Path absolute;
        try {
            absolute = Path.of(path).toAbsolutePath();
        } catch (InvalidPathException e) { // a NUL character
            return Optional.of(LogSafe.whole("cannot write " + path + " (" + e.getReason() + ")"));
        }
        Path existing = absolute;
        // a link to nothing where a folder goes stops here: no folder can be made through it (a file can)
        while (!Files.exists(existing) && !(folder && Files.isSymbolicLink(existing))) {
            existing = existing.getParent();
        }
        boolean isFile = !folder && existing.equals(absolute);
        boolean rightKind = isFile ? Files.isRegularFile(existing) : Files.isDirectory(existing);
        if (rightKind && Files.isWritable(existing)) {
            return Optional.empty();
        }
        String why = existing + " is not a writable " + (isFile ? "file" : "folder");
        if (rightKind && onReadOnlyMount(existing)) {
            why = "a read-only file system: " + existing;
            if (underSystemd) { // ProtectSystem=strict: the unit's sandbox, not the disk
                why += "; a systemd unit with ProtectSystem=strict, as msight@NAME, writes only in its ReadWritePaths:"
                        + " add it with systemctl edit msight@NAME: [Service] ReadWritePaths="
                        + (isFile ? existing.getParent() : existing);
            }
        }
        return Optional.of(LogSafe.whole("cannot write " + path + " (" + why + ")"));
    }

    /**
     * Whether the mount {@code existing} is on is read-only, as /proc/self/mounts says: the JDK's
     * {@code FileStore.isReadOnly()} looks past a read-only bind mount of a folder of the same file
     * system (systemd's ReadOnlyPaths=, a container's volume) to the file system's own mount. False
     * where there is no /proc (not Linux).
     */
    private static boolean onReadOnlyMount(Path existing) {
        try {
            Path real = existing.toRealPath();
            int deepest = -1;
            boolean readOnly = false;
            for (String line : Files.readAllLines(MOUNTS)) {
                String[] fields = line.split(" "); // device, folder, type, options, ...
                Path mountPoint = Path.of(unescaped(fields[1]));
                // of the mounts on one folder, the last listed is the one on top
                if (real.startsWith(mountPoint) && mountPoint.getNameCount() >= deepest) {
                    deepest = mountPoint.getNameCount();
                    readOnly = List.of(fields[3].split(",")).contains("ro");
                }
            }
            return readOnly;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String unescaped(String field) {
        return OCTAL_ESCAPE.matcher(field).replaceAll(escape ->
                Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(escape.group(1), 8))));
    }
}

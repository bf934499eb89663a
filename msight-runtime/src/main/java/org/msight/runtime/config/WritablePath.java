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

    /**
     * Every mount of this process, with its own options and its file system's: systemd's unit
     * sandboxes are read-only mounts of a file system that is not.
     */
    private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");
    /** A space, tab, newline or backslash in a mount's folder, as /proc/self/mountinfo writes it: {@code \040}. */
    private static final Pattern OCTAL_ESCAPE = Pattern.compile("\\\\([0-7]{3})");
    /** What ends or starts quoting a word of a systemd unit's setting. */
    private static final Pattern SYSTEMD_QUOTED = Pattern.compile("[\\s\"'\\\\]");

    /** How the mount a folder is on refuses writes, if it does. */
    private enum ReadOnly {
        NO,
        /** Only this mount: a bind mount such as systemd's ProtectSystem=strict, the file system writable. */
        MOUNT,
        /** The file system itself: mounted so, or remounted so by the kernel after disk errors. */
        FILE_SYSTEM
    }

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
        ReadOnly readOnly = rightKind ? readOnly(existing) : ReadOnly.NO;
        if (readOnly != ReadOnly.NO) {
            why = "a read-only file system: " + existing;
        }
        if (readOnly == ReadOnly.FILE_SYSTEM) {
            why += "; the file system is mounted read-only (or was remounted so after disk errors: see dmesg)";
        } else if (readOnly == ReadOnly.MOUNT && underSystemd) { // ProtectSystem=strict: the unit's sandbox
            why += "; a systemd unit with ProtectSystem=strict, as msight@NAME, writes only in its ReadWritePaths:"
                    + " add it with systemctl edit msight@NAME: [Service] ReadWritePaths="
                    + systemdPath(isFile ? existing.getParent() : existing);
        }
        return Optional.of(LogSafe.whole("cannot write " + path + " (" + why + ")"));
    }

    /**
     * Whether the mount {@code existing} is on is read-only, and whether its file system is too, as
     * /proc/self/mountinfo says: the JDK's {@code FileStore.isReadOnly()} looks past a read-only bind
     * mount of a folder of the same file system (systemd's ReadOnlyPaths=, a container's volume) to
     * the file system's own mount. {@link ReadOnly#NO} where there is no /proc (not Linux).
     */
    private static ReadOnly readOnly(Path existing) {
        try {
            Path real = existing.toRealPath();
            int deepest = -1;
            ReadOnly readOnly = ReadOnly.NO;
            for (String line : Files.readAllLines(MOUNT_INFO)) {
                // id, parent, device, root, folder, mount options, optional fields..., "-", type, source, super options
                String[] fields = line.split(" ");
                String[] fileSystem = line.substring(line.indexOf(" - ") + 3).split(" ");
                Path mountPoint = Path.of(unescaped(fields[4]));
                // of the mounts on one folder, the last listed is the one on top
                if (real.startsWith(mountPoint) && mountPoint.getNameCount() >= deepest) {
                    deepest = mountPoint.getNameCount();
                    readOnly = !isReadOnly(fields[5]) ? ReadOnly.NO
                            : isReadOnly(fileSystem[2]) ? ReadOnly.FILE_SYSTEM : ReadOnly.MOUNT;
                }
            }
            return readOnly;
        } catch (IOException | RuntimeException e) {
            return ReadOnly.NO;
        }
    }

    private static boolean isReadOnly(String options) {
        return List.of(options.split(",")).contains("ro");
    }

    /**
     * {@code path} as a word of a systemd unit's setting: in double quotes when it has a space or a
     * quote (systemd splits a setting's words there), {@code %} doubled (a specifier otherwise).
     */
    private static String systemdPath(Path path) {
        String word = path.toString().replace("%", "%%");
        if (!SYSTEMD_QUOTED.matcher(word).find()) {
            return word;
        }
        return '"' + word.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String unescaped(String field) {
        return OCTAL_ESCAPE.matcher(field).replaceAll(escape ->
                Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(escape.group(1), 8))));
    }
}

package org.msight.runtime.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import org.msight.api.LogSafe;

/**
 * Whether this process can write a file or a folder a setting names, found without creating
 * anything: the path itself when it exists, else the nearest folder of its path that exists, where
 * the missing ones would be made.
 */
public final class WritablePath {

    private WritablePath() {
    }

    /**
     * Why this process cannot write {@code path}, if it cannot, such as {@code cannot write
     * /data/images (/data is not a writable folder)}.
     *
     * @param folder whether {@code path} is a folder to write files in, rather than a file
     */
    public static Optional<String> problem(String path, boolean folder) {
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
        boolean writable = Files.isWritable(existing) && (isFile ? Files.isRegularFile(existing) : Files.isDirectory(existing));
        return writable ? Optional.empty() : Optional.of(LogSafe.whole("cannot write " + path + " (" + existing
                + " is not a writable " + (isFile ? "file" : "folder") + ")"));
    }
}

package org.msight.plugins.imagedumper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.msight.api.Counter;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.LogThrottle;
import org.msight.api.NodeContext;
import org.msight.api.RetriableException;
import org.msight.api.SinkNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;

/**
 * Writes each JPEG {@link ImageData} it receives to a file in a folder, named by a
 * {@link FileNamePattern}; with {@code max-files}, deletes the oldest of its files beyond that
 * many. A file appears whole or not at all (written aside and synced to the device, then renamed;
 * what a failed write or a power cut left aside is deleted), and is on the device under its name,
 * the folder synced, when {@link #put} returns (on a file system that cannot sync folders, with one
 * warning, without). Other messages, encoded images that are not JPEG, and
 * images whose file name would be too long (a long sensor name), are counted as {@code skipped};
 * the last two with a warning at most once a minute. With a {@code file-name} without
 * {@code {frame}}, an image that replaces an earlier file of the same name is counted as
 * {@code replaced}, also with a warning at most once a minute.
 */
final class ImageDumperNode implements SinkNode {

    /** How the name of a file written aside, before its rename, begins and ends. */
    private static final String PARTIAL_PREFIX = ".";
    private static final String PARTIAL_SUFFIX = ".part";
    /**
     * When this process started: a partial file last written before is what a crash or a power cut
     * left; one written since may be another process's write under way, in a folder they share.
     */
    private static final Instant PROCESS_START = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);
    /** Linux's words for ENOSPC, as the JDK gives them. */
    private static final String NO_SPACE = "No space left on device";
    /** NAME_MAX of Linux file systems, less what the name of the file written aside adds. */
    static final int MAX_NAME_BYTES = 255 - PARTIAL_PREFIX.length() - PARTIAL_SUFFIX.length();
    /** Linux's words for EINVAL and ENOTSUP, as the JDK gives them in English. */
    private static final Set<String> CANNOT_SYNC_FOLDERS = Set.of("Invalid argument", "Operation not supported");
    /** A folder Linux cannot sync, as it cannot vboxsf's: its sync fails with EINVAL. */
    private static final Path UNSYNCABLE_FOLDER = Path.of("/proc/self");

    /** Waits until a folder's entries are on the device: {@link #syncToDevice}, or a test's. */
    interface FolderSync {
        void sync(Path folder) throws IOException;
    }

    /** An image renamed into place whose folder's sync failed, and whether it replaced a file of its name. */
    private record UnsyncedRename(Path file, boolean replacing) {
    }

    private final NodeContext context;
    private final Path folder;
    private final FileNamePattern fileName;
    private final int maxFiles;
    private final Counter written;
    private final Counter skipped;
    private final Counter replaced;
    private final FolderSync folderSync;
    /** With a cap, its files oldest first: a hash set, so that a name written again is found without a walk. */
    private final Set<Path> kept = new LinkedHashSet<>();
    private final LogThrottle nameWarnings = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle notJpegWarnings = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle replacedWarnings = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle undeletedWarnings = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle partInTheWayWarnings = new LogThrottle(Duration.ofMinutes(1));
    /** Whether the folder's file system was found unable to sync folders: it is no longer synced, until reopened. */
    private boolean folderSyncUnsupported;
    /** The image renamed whose sync failed, for its retry: it finds the file it renamed itself, not an earlier one. */
    private UnsyncedRename unsyncedRename;

    ImageDumperNode(NodeContext context, Path folder, FileNamePattern fileName, int maxFiles) {
        this(context, folder, fileName, maxFiles, ImageDumperNode::syncToDevice);
    }

    /** A dumper whose folder is synced by {@code folderSync}. */
    ImageDumperNode(NodeContext context, Path folder, FileNamePattern fileName, int maxFiles, FolderSync folderSync) {
        this.context = context;
        this.folder = folder;
        this.fileName = fileName;
        this.maxFiles = maxFiles;
        this.written = context.counter("written");
        this.skipped = context.counter("skipped");
        this.replaced = context.counter("replaced");
        this.folderSync = folderSync;
    }

    /**
     * Creates the folder, deletes the partial files of writes an earlier run did not finish (a
     * crash, a power cut: those last written before this process started), and, with a cap, takes
     * the files an earlier run left there, oldest first.
     *
     * @throws RetriableException when the folder cannot be made (a file in its way, no permission,
     *     a read-only disk): the runtime tries again with backoff
     */
    @Override
    public void open() throws IOException, RetriableException {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new RetriableException("cannot write images to " + folder.toAbsolutePath() + ": "
                    + IoFailures.reason(e), e);
        }
        deletePartialFiles();
        folderSyncUnsupported = false;
        unsyncedRename = null;
        kept.clear();
        if (maxFiles > 0) {
            try (Stream<Path> files = Files.list(folder)) {
                // each file's time read once: a file gone meanwhile must not change its place in the sort
                files.filter(file -> fileName.matches(file.getFileName().toString())
                                && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                        .map(file -> Map.entry(file, modified(file)))
                        .sorted(Map.Entry.<Path, FileTime>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                        .forEach(file -> kept.add(file.getKey()));
            }
            deleteBeyondCap();
        }
        context.logger().info("Writing images to {}", folder.toAbsolutePath());
    }

    @Override
    public void put(SensorData data) throws IOException, RetriableException {
        ImageData image = ImageData.in(data).filter(ImageData::encoded).orElse(null);
        if (image == null) {
            skipped.increment();
            return;
        }
        if (!isJpeg(image.image())) {
            skipped.increment();
            warnNotJpeg(image.metadata());
            return;
        }
        String name = fileName.nameFor(image.metadata());
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            skipped.increment();
            warnNameTooLong(image.metadata());
            return;
        }
        Path file = folder.resolve(name);
        Path partial = folder.resolve(PARTIAL_PREFIX + file.getFileName() + PARTIAL_SUFFIX);
        // without {frame}, two images may get one name ({time} alone, cameras of one sensor name); the retry of
        // an image renamed whose sync failed finds the file it renamed itself
        boolean replacing = unsyncedRename != null && unsyncedRename.file().equals(file) ? unsyncedRename.replacing()
                : !fileName.uniquePerImage() && Files.exists(file);
        try {
            writeToDevice(partial, image.image());
        } catch (FileAlreadyExistsException inTheWay) {
            skipped.increment();
            warnPartInTheWay(partial);
            return;
        } catch (IOException e) {
            throw cannotWrite(partial, e);
        }
        try {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            unsyncedRename = new UnsyncedRename(file, replacing);
            syncFolder();
            unsyncedRename = null;
        } catch (IOException e) {
            throw cannotWrite(partial, e);
        }
        written.increment();
        if (replacing) {
            replaced.increment();
            warnReplaced(name);
        }
        if (maxFiles > 0) {
            kept.remove(file); // written again (a frame sent twice), it is the newest
            kept.add(file);
            deleteBeyondCap();
        }
    }

    /**
     * Writes a new file, never one that is there (another dumper's write of this image, or a link put
     * there), and waits until its bytes are on the device: renamed before, it could be left empty by
     * a power cut (ext4 commits a rename seconds before the data it delays).
     */
    private static void writeToDevice(Path partial, byte[] bytes) throws IOException {
        try (FileChannel file = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer left = ByteBuffer.wrap(bytes);
            while (left.hasRemaining()) {
                file.write(left);
            }
            file.force(false);
        }
    }

    /**
     * Waits until the folder's entries are on the device, the rename among them, before the bus
     * (Kafka, NATS with JetStream) is told the image is done: until then a power cut can leave only
     * its part file, which the next start deletes. The cap's deletions are not synced by
     * themselves: the next image's sync takes them along, and one a power cut undoes, the next start
     * does again. A file system that cannot sync folders (VirtualBox's vboxsf, some FUSE ones, older
     * hostfs) is warned of once, and its folder no longer synced: the image is written all the same.
     */
    private void syncFolder() throws IOException {
        if (folderSyncUnsupported) {
            return;
        }
        try {
            folderSync.sync(folder);
        } catch (IOException e) {
            if (!cannotSyncFolders(e)) {
                throw e;
            }
            folderSyncUnsupported = true;
            context.logger().warn("{} is on a file system that cannot sync folders ({}): images are written there,"
                    + " but a power cut may lose the latest of them", folder.toAbsolutePath(), IoFailures.reason(e));
        }
    }

    /** Waits until {@code folder}'s entries are on the device (its fsync). */
    static void syncToDevice(Path folder) throws IOException {
        try (FileChannel entries = FileChannel.open(folder, StandardOpenOption.READ)) {
            entries.force(true);
        }
    }

    /**
     * Whether a folder's sync failed as its file system cannot sync folders: EINVAL (Linux's, where a
     * file system has no sync of folders; PostgreSQL ignores it for folders too), or ENOTSUP. The JDK
     * gives no errno, only its words, in the system's language (with a German LANG, {@code Das
     * Argument ist ungültig}): EINVAL's are taken from a folder that cannot be synced.
     */
    private static boolean cannotSyncFolders(IOException failure) {
        String reason = failure.getMessage();
        return reason != null && (CANNOT_SYNC_FOLDERS.contains(reason) || reason.equals(invalidArgumentWords()));
    }

    /** EINVAL's words in this process's language: a folder of /proc's sync fails with them; null if it does not. */
    private static String invalidArgumentWords() {
        try {
            syncToDevice(UNSYNCABLE_FOLDER);
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /**
     * A write that failed, for the runtime to retry with backoff (a full or read-only disk, a
     * folder taken away), once its part file is deleted: a full disk keeps no hidden remains.
     */
    private RetriableException cannotWrite(Path partial, IOException e) {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException notDeleted) {
            e.addSuppressed(notDeleted);
        }
        return new RetriableException("cannot write images to " + folder.toAbsolutePath() + ": "
                + (e instanceof NoSuchFileException ? makeFolderAgain() : withAdvice(IoFailures.reason(e))), e);
    }

    private void warnPartInTheWay(Path partial) {
        long inTheWaySinceWarning = partInTheWayWarnings.occurred();
        if (inTheWaySinceWarning > 0) {
            context.logger().warn("skipped {} image(s) whose part file was in the way, the latest {}: another dumper"
                    + " writing the same images to this folder, or a file put there", inTheWaySinceWarning,
                    LogSafe.text(partial.getFileName().toString()));
        }
    }

    /** Makes the folder taken away while running again, for the retry; says what happened. */
    private String makeFolderAgain() {
        try {
            Files.createDirectories(folder);
            return "the folder was gone (made again)";
        } catch (IOException notMade) {
            return "the folder is gone and cannot be made again: " + IoFailures.reason(notMade);
        }
    }

    /** A full disk's reason, with what to do: it does not end by itself, unlike a disk mounted late. */
    private static String withAdvice(String reason) {
        return reason.equals(NO_SPACE) ? reason + " (free some space there, or keep fewer images with max-files)" : reason;
    }

    private void warnReplaced(String name) {
        long replacedSinceWarning = replacedWarnings.occurred();
        if (replacedSinceWarning > 0) {
            context.logger().warn("{} image(s) replaced an earlier file of the same name, the latest {}: put {frame}"
                    + " in file-name, so that each image gets a name of its own", replacedSinceWarning,
                    LogSafe.text(name));
        }
    }

    private void warnNameTooLong(Metadata metadata) {
        long longNamesSinceWarning = nameWarnings.occurred();
        if (longNamesSinceWarning > 0) {
            context.logger().warn("skipped {} image(s) whose file name would be longer than {} bytes; the latest from"
                    + " sensor_name '{}': use a shorter sensor name, or a file-name without {sensor}",
                    longNamesSinceWarning, MAX_NAME_BYTES, LogSafe.text(metadata.sensorName()));
        }
    }

    /** Whether {@code bytes} begin as every JPEG does, with its start-of-image marker FF D8. */
    private static boolean isJpeg(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == (byte) 0xff && bytes[1] == (byte) 0xd8;
    }

    private void warnNotJpeg(Metadata metadata) {
        long notJpegSinceWarning = notJpegWarnings.occurred();
        if (notJpegSinceWarning > 0) {
            context.logger().warn("skipped {} encoded image(s) that are not JPEG (no FF D8 start marker; PNG or"
                    + " another format, or empty); the latest from sensor_name '{}': have its publisher encode JPEG",
                    notJpegSinceWarning, LogSafe.text(metadata.sensorName()));
        }
    }

    /**
     * None of these is of an image {@link #put} returned for (its rename was synced first): a bus that
     * keeps unacknowledged messages (Kafka, NATS with JetStream) delivers it again. None is renamed
     * instead: nothing shows it was written whole.
     */
    private void deletePartialFiles() throws IOException {
        List<Path> partials;
        try (Stream<Path> files = Files.list(folder)) {
            partials = files.filter(this::isPartial)
                    .filter(partial -> modified(partial).toInstant().isBefore(PROCESS_START)).toList();
        }
        for (Path partial : partials) {
            Files.deleteIfExists(partial);
        }
        if (!partials.isEmpty()) {
            context.logger().info("deleted {} partial file(s) of writes an earlier run did not finish", partials.size());
        }
    }

    /** Whether {@code file} is one of ours written aside: {@code .NAME.part}, NAME a name of the pattern. */
    private boolean isPartial(Path file) {
        String name = file.getFileName().toString();
        int end = name.length() - PARTIAL_SUFFIX.length();
        return name.startsWith(PARTIAL_PREFIX) && name.endsWith(PARTIAL_SUFFIX) && end > PARTIAL_PREFIX.length()
                && fileName.matches(name.substring(PARTIAL_PREFIX.length(), end));
    }

    /**
     * Deletes the oldest files beyond the cap. One that cannot be deleted (another user's, in a
     * folder whose sticky bit keeps it) is left in place, no longer counted, with a warning at most
     * once a minute: writing goes on.
     */
    private void deleteBeyondCap() {
        for (Iterator<Path> oldestFirst = kept.iterator(); kept.size() > maxFiles; ) {
            Path oldest = oldestFirst.next();
            oldestFirst.remove();
            try {
                Files.deleteIfExists(oldest);
            } catch (IOException e) {
                long undeletedSinceWarning = undeletedWarnings.occurred();
                if (undeletedSinceWarning > 0) {
                    context.logger().warn("{} file(s) beyond max-files could not be deleted, left in place and no"
                            + " longer counted; the latest {}: {}", undeletedSinceWarning,
                            LogSafe.text(oldest.getFileName().toString()), IoFailures.reason(e));
                }
            }
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}

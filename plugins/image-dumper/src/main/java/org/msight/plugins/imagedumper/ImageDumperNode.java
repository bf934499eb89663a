package org.msight.plugins.imagedumper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;
import org.msight.api.Counter;
import org.msight.api.NodeContext;
import org.msight.api.SinkNode;
import org.msight.api.data.ImageData;
import org.msight.api.data.SensorData;

/**
 * Writes each JPEG {@link ImageData} it receives to a file in a folder, named by a
 * {@link FileNamePattern}; with {@code max-files}, deletes the oldest of its files beyond that
 * many. A file appears whole or not at all (written aside, then renamed). Other messages are
 * counted as {@code skipped}.
 */
final class ImageDumperNode implements SinkNode {

    private final NodeContext context;
    private final Path folder;
    private final FileNamePattern fileName;
    private final int maxFiles;
    private final Counter written;
    private final Counter skipped;
    private final Deque<Path> kept = new ArrayDeque<>();

    ImageDumperNode(NodeContext context, Path folder, FileNamePattern fileName, int maxFiles) {
        this.context = context;
        this.folder = folder;
        this.fileName = fileName;
        this.maxFiles = maxFiles;
        this.written = context.counter("written");
        this.skipped = context.counter("skipped");
    }

    /** Creates the folder and, with a cap, takes the files an earlier run left there, oldest first. */
    @Override
    public void open() throws IOException {
        Files.createDirectories(folder);
        kept.clear();
        if (maxFiles > 0) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(file -> fileName.matches(file.getFileName().toString()))
                        .sorted(Comparator.comparing(ImageDumperNode::modified).thenComparing(Path::getFileName))
                        .forEach(kept::addLast);
            }
            deleteBeyondCap();
        }
        context.logger().info("Writing images to {}", folder.toAbsolutePath());
    }

    @Override
    public void put(SensorData data) throws IOException {
        if (!(data instanceof ImageData image) || !image.encoded()) {
            skipped.increment();
            return;
        }
        Path file = folder.resolve(fileName.nameFor(image.metadata()));
        Path partial = folder.resolve("." + file.getFileName() + ".part");
        Files.write(partial, image.image());
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written.increment();
        if (maxFiles > 0) {
            kept.remove(file);
            kept.addLast(file);
            deleteBeyondCap();
        }
    }

    private void deleteBeyondCap() throws IOException {
        while (kept.size() > maxFiles) {
            Files.deleteIfExists(kept.removeFirst());
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

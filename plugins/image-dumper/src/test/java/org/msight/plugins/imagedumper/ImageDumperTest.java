package org.msight.plugins.imagedumper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.api.NodeProvider;
import org.msight.api.RetriableException;
import org.msight.api.SinkNode;
import org.msight.api.data.BytesData;
import org.msight.api.data.Fields;
import org.msight.api.data.GenericData;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.api.data.SensorData;
import org.msight.runtime.PipelineFactory;
import org.msight.testkit.Mounts;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.slf4j.event.Level;

class ImageDumperTest {

    private static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8, 1, 2, 3, (byte) 0xff, (byte) 0xd9};

    @TempDir
    Path dir;

    private TestNodeContext context;

    @Test
    void writesEachJpegToAFileNamedBySensorTimeAndFrame() throws Exception {
        Path folder = dir.resolve("new/images");
        SinkNode node = dumper("folder = \"" + folder + "\"");
        node.open();
        Metadata metadata = new Metadata("cam 1/north", 1763335395.913, 1763335396.0, 42L, "edge-01");
        node.put(ImageData.jpeg(metadata, JPEG, 720, 1280));
        node.close();
        Path file = folder.resolve("cam_1_north_20251116-232315.913_42.jpg");
        assertThat(file).hasBinaryContent(JPEG);
        assertThat(files(folder)).containsExactly(file);
        assertThat(context.count("written")).isEqualTo(1);
    }

    @Test
    void keepsAtMostMaxFilesDeletingTheOldestAlsoAcrossRestarts() throws Exception {
        dir.resolve("notes.txt").toFile().createNewFile();
        SinkNode node = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\", max-files = 3");
        node.open();
        for (long frame = 1; frame <= 5; frame++) {
            node.put(image(frame));
        }
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("img-3.jpg", "img-4.jpg", "img-5.jpg", "notes.txt");

        // by their times, not their names (written within a millisecond, they may have one time): img-4 is the oldest
        Files.setLastModifiedTime(dir.resolve("img-4.jpg"), FileTime.fromMillis(0));
        Files.setLastModifiedTime(dir.resolve("img-5.jpg"), FileTime.fromMillis(1000));
        Files.setLastModifiedTime(dir.resolve("img-3.jpg"), FileTime.fromMillis(2000));
        SinkNode restarted = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\", max-files = 3");
        restarted.open();
        restarted.put(image(6));
        restarted.close();
        assertThat(names()).containsExactlyInAnyOrder("img-3.jpg", "img-5.jpg", "img-6.jpg", "notes.txt");
    }

    /** An image written again under a name it had (a frame sent twice) is the newest file, not the oldest. */
    @Test
    void theCapDeletesTheOldestFirstWhenANameIsNewAndWhenItRepeats() throws Exception {
        SinkNode node = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\", max-files = 3");
        node.open();
        for (long frame : new long[] {1, 2, 3, 1, 4}) {
            node.put(image(frame));
        }
        assertThat(names()).containsExactlyInAnyOrder("img-1.jpg", "img-3.jpg", "img-4.jpg");
        node.put(image(4));
        node.put(image(5));
        node.put(image(6));
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("img-4.jpg", "img-5.jpg", "img-6.jpg");
        assertThat(context.count("written")).isEqualTo(8);
    }

    /**
     * A capture time in milliseconds, taken for seconds, is a year past 9999: its files are named
     * with it in more digits, and counted by the cap after a restart (a {@code +} before the year
     * made them no files of the pattern's, left for ever).
     */
    @Test
    void imagesWithATimeFarInTheFutureAreNamedAndCountedAcrossRestarts() throws Exception {
        Path earlier = Files.write(dir.resolve("cam_+578471116-114515.000_0.jpg"), JPEG); // as earlier versions named it
        Files.setLastModifiedTime(earlier, FileTime.fromMillis(0));
        for (long frame = 1; frame <= 2; frame++) {
            SinkNode node = dumper("folder = \"" + dir + "\", max-files = 1");
            node.open();
            node.put(ImageData.jpeg(new Metadata("cam", 1763335395913.0 + frame, 1763335396.0, frame, "edge-01"), JPEG,
                    1, 1));
            node.close();
        }
        assertThat(names()).containsExactly("cam_578471116-114515.000_2.jpg");
    }

    /** A placeholder matched any text: the default pattern took a camera's IMG_20240101_123456.jpg for one of its files. */
    @Test
    void aCapDeletesOnlyFilesThePatternWrites() throws Exception {
        for (String other : List.of("IMG_20240101_123456.jpg", "my_trip_photo.jpg", "cam_20251116-232315.913_x.jpg")) {
            Files.write(dir.resolve(other), JPEG);
        }
        Path ours = Files.write(dir.resolve("cam_20251116-232315.913_-7.jpg"), JPEG);
        Files.setLastModifiedTime(ours, FileTime.fromMillis(0));
        SinkNode node = dumper("folder = \"" + dir + "\", max-files = 1");
        node.open();
        node.put(image(8));
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("IMG_20240101_123456.jpg", "my_trip_photo.jpg",
                "cam_20251116-232315.913_x.jpg", "cam_20251116-232323.000_8.jpg");
    }

    /** A folder of the pattern's name is not counted: deleting it failed at every open, and nothing was written. */
    @Test
    void aFolderNamedAsTheFilesIsNeitherCountedNorDeleted() throws Exception {
        Files.writeString(Files.createDirectory(dir.resolve("img-0.jpg")).resolve("keep.txt"), "a user's");
        SinkNode node = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\", max-files = 1");
        node.open();
        node.put(image(1));
        node.put(image(2));
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("img-0.jpg", "img-2.jpg");
    }

    /** One file the cap could not delete failed every image after it, and every open: nothing more was written. */
    @Test
    void aFileTheCapCannotDeleteIsLeftWithAWarningAndWritingGoesOn() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        SinkNode node = openedInDir(", file-name = \"img-{frame}.jpg\", max-files = 1", log);
        node.put(image(1));
        // what the cap will find no longer deletable: here a folder a user put in its place
        Files.delete(dir.resolve("img-1.jpg"));
        Files.writeString(Files.createDirectory(dir.resolve("img-1.jpg")).resolve("keep.txt"), "a user's");
        node.put(image(2));
        node.put(image(3));
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("img-1.jpg", "img-3.jpg");
        assertThat(context.count("written")).isEqualTo(3);
        assertThat(log.messages(Level.WARN)).containsExactly("1 file(s) beyond max-files could not be deleted, left in"
                + " place and no longer counted; the latest img-1.jpg: the folder is not empty");
    }

    /**
     * The part file was opened as it was: through a link put in its place, an image was written
     * outside the folder; over another dumper's part file of the same image, half of it was shown.
     */
    @Test
    void aPartFileInTheWayIsNeitherFollowedNorWrittenOver() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside")).resolve("target");
        Path images = Files.createDirectory(dir.resolve("images"));
        RecordingLogger log = new RecordingLogger("dumper");
        SinkNode node = dumper("folder = \"" + images + "\", file-name = \"img-{frame}.jpg\"");
        context.withLogger(log);
        node.open();
        Files.createSymbolicLink(images.resolve(".img-1.jpg.part"), outside);
        node.put(image(1));
        node.put(image(2));
        node.close();
        assertThat(outside).doesNotExist();
        assertThat(images.resolve("img-1.jpg")).doesNotExist();
        assertThat(images.resolve("img-2.jpg")).hasBinaryContent(JPEG);
        assertThat(context.count("skipped")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).containsExactly("skipped 1 image(s) whose part file was in the way, the"
                + " latest .img-1.jpg.part: another dumper writing the same images to this folder, or a file put there");
    }

    @Test
    void thePartialFilesOfAnEarlierRunAreDeleted() throws Exception {
        SinkNode node = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\"");
        FileTime beforeThisProcess = FileTime.from(ProcessHandle.current().info().startInstant().orElseThrow()
                .minus(Duration.ofMinutes(1)));
        Files.setLastModifiedTime(Files.writeString(dir.resolve(".img-1.jpg.part"), "cut off by a power cut"),
                beforeThisProcess);
        Files.setLastModifiedTime(Files.writeString(dir.resolve(".notes.txt.part"), "not the dumper's"),
                beforeThisProcess);
        // written since this process started: another process's image-dumper writing to the same folder
        Files.writeString(dir.resolve(".img-7.jpg.part"), "being written by another process");
        node.open();
        node.close();
        assertThat(names()).containsExactlyInAnyOrder(".notes.txt.part", ".img-7.jpg.part");
    }

    @Test
    void aWriteAFullDiskRefusesLeavesNoPartialFileAndIsRetried() throws Exception {
        Path disk = Files.createDirectory(dir.resolve("disk"));
        Mounts.tmpfs(disk, "64k");
        try {
            SinkNode node = dumper("folder = \"" + disk + "\", file-name = \"img-{frame}.jpg\"");
            node.open();
            Path filler = disk.resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler)) {
                assertThatThrownBy(() -> out.write(new byte[1 << 20])).hasMessage("No space left on device");
            }
            assertThatThrownBy(() -> node.put(image(2))).isInstanceOf(RetriableException.class)
                    .hasMessage("cannot write images to " + disk.toAbsolutePath() + ": No space left on device (free"
                            + " some space there, or keep fewer images with max-files)");
            assertThat(files(disk)).containsExactly(filler);
            Files.delete(filler);
            node.put(image(2)); // the runtime's retry
            node.close();
            assertThat(disk.resolve("img-2.jpg")).hasBinaryContent(JPEG);
            assertThat(files(disk)).hasSize(1);
        } finally {
            Mounts.unmount(disk);
        }
    }

    /** A folder that cannot be made is an outage, in one line without a trace, retried with backoff. */
    @Test
    void aFolderThatCannotBeMadeIsRetried() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "in the way");
        Path below = file.resolve("img");
        assertThatThrownBy(dumper("folder = \"" + below + "\"")::open).isInstanceOf(RetriableException.class)
                .hasMessage("cannot write images to " + below.toAbsolutePath() + ": Not a directory");
        assertThatThrownBy(dumper("folder = \"" + file + "\"")::open).isInstanceOf(RetriableException.class)
                .hasMessage("cannot write images to " + file.toAbsolutePath() + ": a file is in the way");
    }

    /** A folder taken away while the dumper runs is made again, so the retry of the image writes it. */
    @Test
    void aFolderTakenAwayIsMadeAgainForTheRetry() throws Exception {
        Path folder = dir.resolve("img");
        SinkNode node = dumper("folder = \"" + folder + "\", file-name = \"img-{frame}.jpg\"");
        node.open();
        Files.delete(folder);
        assertThatThrownBy(() -> node.put(image(1))).isInstanceOf(RetriableException.class)
                .hasMessage("cannot write images to " + folder.toAbsolutePath() + ": the folder was gone (made again)");
        node.put(image(1));
        node.close();
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactly("img-1.jpg");
        }
    }

    /**
     * A folder on a file system that cannot sync folders (vboxsf, some FUSE ones: EINVAL) failed each
     * image after its rename, retried for ever while the node's queue dropped every newer one.
     */
    @Test
    void aFolderItsFileSystemCannotSyncIsWarnedOfOnceAndWritingGoesOn() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        AtomicInteger syncs = new AtomicInteger();
        // the JDK's own failure, from a folder Linux cannot sync as it cannot vboxsf's, in this machine's language
        Path unsyncable = Path.of("/proc/self");
        String invalidArgument = catchThrowableOfType(IOException.class, () -> ImageDumperNode.syncToDevice(unsyncable))
                .getMessage();
        SinkNode node = openedSyncingWith("img-{frame}.jpg", folder -> {
            syncs.incrementAndGet();
            ImageDumperNode.syncToDevice(unsyncable);
        }, log);
        for (long frame = 1; frame <= 3; frame++) {
            node.put(image(frame));
        }
        node.close();
        assertThat(names()).containsExactlyInAnyOrder("img-1.jpg", "img-2.jpg", "img-3.jpg");
        assertThat(context.count("written")).isEqualTo(3);
        assertThat(syncs).hasValue(1);
        assertThat(log.messages(Level.WARN)).containsExactly(dir.toAbsolutePath() + " is on a file system that cannot"
                + " sync folders (" + invalidArgument + "): images are written there, but a power cut may lose"
                + " the latest of them");
        node.open();
        node.put(image(4));
        node.close();
        assertThat(syncs).as("tried again once reopened").hasValue(2);
    }

    /** The retry of an image renamed whose folder's sync failed found its own file, counted as replaced. */
    @Test
    void anImageRetriedAfterItsFolderSyncFailedIsWrittenOnceAndReplacesNothing() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        AtomicInteger syncs = new AtomicInteger();
        SinkNode node = openedSyncingWith("img-{time}.jpg", folder -> {
            if (syncs.incrementAndGet() == 1) {
                throw new IOException("Input/output error");
            }
            ImageDumperNode.syncToDevice(folder);
        }, log);
        assertThatThrownBy(() -> node.put(image(1))).isInstanceOf(RetriableException.class)
                .hasMessage("cannot write images to " + dir.toAbsolutePath() + ": Input/output error");
        node.put(image(1)); // the runtime's retry
        node.close();
        assertThat(names()).containsExactly("img-20251116-232316.000.jpg");
        assertThat(context.count("written")).isEqualTo(1);
        assertThat(context.count("replaced")).isZero();
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    @Test
    void aGenericMessageIsWrittenWhenItsTypedReadingIsAJpegImage() throws Exception {
        SinkNode node = dumper("folder = \"" + dir + "\", file-name = \"img-{frame}.jpg\"");
        node.open();
        // MSight's grayscale ImageData with integer timestamps, as the codec reads it
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("data_type", ImageData.TAG);
        fields.put("frame_id", 7L);
        fields.put("image", JPEG);
        fields.put("size", List.of(48L, 64L));
        node.put(new GenericData(new Fields(fields), new ImageData(metadata(7), JPEG, true, 48, 64, 1, null)));
        node.put(new GenericData(new Fields(fields), null));
        node.close();
        assertThat(dir.resolve("img-7.jpg")).hasBinaryContent(JPEG);
        assertThat(context.count("written")).isEqualTo(1);
        assertThat(context.count("skipped")).isEqualTo(1);
    }

    @Test
    void messagesThatAreNotJpegImagesAreCountedAndSkipped() throws Exception {
        SinkNode node = dumper("folder = \"" + dir + "\"");
        node.open();
        node.put(new BytesData(metadata(1), new byte[] {1}));
        node.put(new ImageData(metadata(2), new byte[12], false, 2, 2, 3, null));
        node.put(new SensorData(metadata(3)));
        node.close();
        assertThat(context.count("skipped")).isEqualTo(3);
        assertThat(files(dir)).isEmpty();
    }

    /** A publisher's PNG (or an empty image) marked encoded would otherwise be written as a .jpg no viewer opens. */
    @Test
    void encodedImagesThatAreNotJpegAreSkippedWithOneWarning() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        SinkNode node = openedInDir("", log);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        node.put(ImageData.jpeg(metadata(1), png, 1, 1));
        node.put(ImageData.jpeg(metadata(2), new byte[0], 1, 1));
        node.close();
        assertThat(context.count("skipped")).isEqualTo(2);
        assertThat(context.count("written")).isZero();
        assertThat(files(dir)).isEmpty();
        assertThat(log.messages(Level.WARN)).containsExactly("skipped 1 encoded image(s) that are not JPEG (no FF D8"
                + " start marker; PNG or another format, or empty); the latest from sensor_name 'cam': have its"
                + " publisher encode JPEG");
    }

    /** {@code {time}} alone names two cameras' images of one millisecond alike: the later replaced the earlier unseen. */
    @Test
    void anImageThatReplacesAFileOfTheSameNameIsCountedWithOneWarning() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        SinkNode node = openedInDir(", file-name = \"img-{time}.jpg\"", log);
        for (String sensor : List.of("north", "south", "east")) {
            node.put(ImageData.jpeg(new Metadata(sensor, 1763335395.913, 1763335396.0, 1L, "edge-01"), JPEG, 1, 1));
        }
        node.close();
        assertThat(names()).containsExactly("img-20251116-232315.913.jpg");
        assertThat(context.count("written")).isEqualTo(3);
        assertThat(context.count("replaced")).isEqualTo(2);
        assertThat(log.messages(Level.WARN)).containsExactly("1 image(s) replaced an earlier file of the same name,"
                + " the latest img-20251116-232315.913.jpg: put {frame} in file-name, so that each image gets a name"
                + " of its own");
    }

    @Test
    void aSensorNameTooLongForAFileNameIsSkippedWithOneWarning() throws Exception {
        RecordingLogger log = new RecordingLogger("dumper");
        SinkNode node = openedInDir("", log);
        String longName = "cam\n" + "x".repeat(1000);
        for (long frame = 1; frame <= 12; frame++) {
            node.put(ImageData.jpeg(new Metadata(longName, 1763335395.0, 1763335396.0, frame, "edge-01"), JPEG, 1, 1));
        }
        node.put(image(13));
        node.close();
        assertThat(context.count("skipped")).isEqualTo(12);
        assertThat(context.count("written")).isEqualTo(1);
        assertThat(names()).containsExactly("cam_20251116-232328.000_13.jpg");
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .startsWith("skipped 1 image(s) whose file name would be longer than 249 bytes; the latest from"
                        + " sensor_name 'cam\\nxxx")
                .endsWith("... (1004 chars)': use a shorter sensor name, or a file-name without {sensor}")
                .hasSizeLessThan(500);
        assertThat(log.lines()).noneMatch(line -> line.level() == Level.ERROR);
    }

    @Test
    void unusableSettingsAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> dumper("folder = \"" + dir + "\", file-name = \"../x-{frame}.jpg\""))
                .hasMessageStartingWith("file-name: must be a plain file name");
        assertThatThrownBy(() -> dumper("folder = \"" + dir + "\", file-name = \"{sensor}.jpg\""))
                .hasMessageStartingWith("file-name: must hold {frame} or {time}");
        assertThatThrownBy(() -> dumper("folder = \"" + dir + "\", file-name = \"{camera}-{frame}.jpg\""))
                .hasMessageStartingWith("file-name: knows only {sensor}, {time} and {frame}");
        // it failed every image with a stack trace, restarting the node each time
        assertThatThrownBy(() -> dumper("folder = \"" + dir + "\", file-name = \"img\\u0000{frame}.jpg\""))
                .hasMessage("file-name: must not hold a NUL character (\\u0000)");
    }

    @Test
    void declaredLimitsAreCheckedByTheRuntime() {
        assertThatThrownBy(() -> load("folder = \"" + dir + "\", max-files = -1"))
                .hasMessage("test:1: nodes.dump.max-files: must be 0 or more, not -1");
        assertThatThrownBy(() -> load("folder = \" \"")).hasMessage("test:1: nodes.dump.folder: must not be empty, not ' '");
    }

    /** Before the first image: a file in the way of the folder (refused even for root), and nothing created. */
    @Test
    void aFolderThatCannotBeWrittenOrMadeIsRefusedByTheRuntimeBeforeAnyImage() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "in the way");
        assertThatThrownBy(() -> load("folder = \"" + file.resolve("img") + "\"")).hasMessage("test:1: nodes.dump.folder:"
                + " cannot write " + file.resolve("img") + " (" + file + " is not a writable folder)");
        assertThatThrownBy(() -> load("folder = \"" + file + "\"")).hasMessage("test:1: nodes.dump.folder:"
                + " cannot write " + file + " (" + file + " is not a writable folder)");
        load("folder = \"" + dir.resolve("new/img") + "\"");
        assertThat(dir.resolve("new")).as("checking creates nothing").doesNotExist();
    }

    private static void load(String settings) throws Exception {
        new PipelineFactory(List.of()).load("test", ConfigFactory.parseString(
                "nodes.dump { type = image-dumper, subscribe-topic = images, " + settings + " }"));
    }

    @Test
    void referenceConfHasADefaultForEveryOptionalSettingAndNoneForRequiredOnes() {
        ImageDumperProvider provider = new ImageDumperProvider();
        Config defaults = ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".image-dumper");
        provider.settings().forEach(setting ->
                assertThat(defaults.hasPath(setting.key())).as(setting.key()).isEqualTo(!setting.required()));
        assertThat(defaults.root()).hasSize(provider.settings().size() - 1);
    }

    private static ImageData image(long frameId) {
        return ImageData.jpeg(metadata(frameId), JPEG, 1, 1);
    }

    private static Metadata metadata(long frameId) {
        return new Metadata("cam", 1763335395.0 + frameId, 1763335396.0, frameId, "edge-01");
    }

    private List<String> names() throws Exception {
        return files(dir).stream().map(file -> file.getFileName().toString()).toList();
    }

    private static List<Path> files(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.toList();
        }
    }

    /** A dumper writing to {@link #dir} with further {@code settings}, opened, logging to {@code log}. */
    private SinkNode openedInDir(String settings, RecordingLogger log) throws Exception {
        SinkNode node = dumper("folder = \"" + dir + "\"" + settings);
        context.withLogger(log);
        node.open();
        return node;
    }

    /** A dumper writing to {@link #dir}, named by {@code fileName}, its folder synced by {@code folderSync}, opened. */
    private SinkNode openedSyncingWith(String fileName, ImageDumperNode.FolderSync folderSync, RecordingLogger log)
            throws Exception {
        context = TestNodeContext.of("image-dumper", "folder = \"" + dir + "\"").withLogger(log);
        SinkNode node = new ImageDumperNode(context, dir, new FileNamePattern(fileName), 0, folderSync);
        node.open();
        return node;
    }

    private SinkNode dumper(String block) {
        context = TestNodeContext.of("image-dumper", block);
        return (SinkNode) new ImageDumperProvider().create(context);
    }
}

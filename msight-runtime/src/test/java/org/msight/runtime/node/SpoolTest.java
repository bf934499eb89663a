package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msight.testkit.Mounts;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.Tools;
import org.slf4j.event.Level;

/** The spool's segment log on a real folder: order, restart, size limit, damaged files. */
class SpoolTest {

    private static final long ONE_MIB = 1 << 20;

    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger("spool");

    @Test
    void recordsComeOutInOrderAcrossSegmentsAndARestart() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 100; i++) {
                spool.append(record(i, 5000)); // 500 KB: two 256 KiB segments and a bit
            }
            assertThat(takeAll(spool, 30)).containsExactlyElementsOf(range(0, 30));
        }
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isEqualTo(70);
            assertThat(takeAll(spool, 70)).containsExactlyElementsOf(range(30, 100));
            assertThat(spool.read()).isNull();
        }
        assertThat(log.messages(Level.INFO)).containsExactly(
                "70 message(s) remain in spool " + dir + ": the next run sends them",
                "spool " + dir + ": 70 messages from an earlier run to send");
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /**
     * A record acknowledged while an older one is still under way keeps no bytes: behind a message
     * the destination kept refusing, every one sent after it kept its bytes in memory until the heap
     * ran out.
     */
    @Test
    void aRecordDoneBehindOneStillUnderWayKeepsNoBytes() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            spool.append(record(0, 5000));
            spool.append(record(1, 5000));
            Spool.Entry stillUnderWay = spool.read();
            Spool.Entry done = spool.read();
            spool.acknowledge(done);
            assertThat(done.record).isNull();
            assertThat(stillUnderWay.record).hasSize(5000);
            assertThat(spool.records()).as("the cursor waits for the older one").isEqualTo(2);
        }
    }

    @Test
    void aSpoolInUseIsRefusedUntilItsUserClosesIt() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            spool.append(record(1, 100));
            assertThatThrownBy(() -> Spool.open(dir, ONE_MIB, log)).isInstanceOf(IOException.class)
                    .hasMessage("the spool " + dir + " is in use by another node or process");
            Path sameFolder = Files.createSymbolicLink(dir.resolveSibling(dir.getFileName() + "-link"), dir);
            try {
                assertThatThrownBy(() -> Spool.open(sameFolder, ONE_MIB, log)).isInstanceOf(IOException.class)
                        .hasMessage("the spool " + sameFolder + " is in use by another node or process");
            } finally {
                Files.delete(sameFolder);
            }
            assertThat(anotherProcessCanLock(dir.resolve("lock")))
                    .as("the refused opens left the first one's lock in place").isFalse();
            assertThat(spool.records()).isOne();
        }
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 1)).containsExactly(1);
        }
    }

    /**
     * A flaky server: each failure spools a message that is sent at once, so the spool empties
     * after each. Each time its segment goes, and the next record begins a new one.
     */
    @Test
    void aSpoolThatEmptiesAfterEachRecordKeepsNoSegment() throws Exception {
        try (Spool spool = Spool.open(dir, 256 << 10, log)) { // 64 KiB segments: 12 records each
            for (int i = 0; i < 100; i++) {
                spool.append(record(i, 5000));
                assertThat(takeAll(spool, 1)).containsExactly(i);
                assertThat(spool.records()).as("after record %d", i).isZero();
                assertThat(spool.read()).isNull();
            }
            assertThat(spool.dropped()).isZero();
            try (var segments = Files.list(dir)) {
                assertThat(segments.filter(file -> file.toString().endsWith(".seg"))).isEmpty();
            }
            spool.append(record(100, 5000));
        }
        try (Spool spool = Spool.open(dir, 256 << 10, log)) {
            assertThat(takeAll(spool, 1)).containsExactly(100);
            assertThat(spool.read()).isNull();
        }
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /** What an earlier version left: it kept a sent segment until the next one began. */
    @Test
    void aSentHeadSegmentFoundAtOpenBeforeAnotherIsDeleted() throws Exception {
        try (Spool spool = Spool.open(dir, 256 << 10, log)) {
            for (int i = 0; i < 13; i++) {
                spool.append(record(i, 5000));
            }
            assertThat(takeAll(spool, 13)).hasSize(13);
        }
        Files.write(dir.resolve("00000000000000000002.seg"), "MSPOOL1\n".getBytes(StandardCharsets.US_ASCII));
        try (Spool spool = Spool.open(dir, 256 << 10, log)) {
            for (int i = 13; i < 60; i++) {
                spool.append(record(i, 5000));
                assertThat(takeAll(spool, 1)).containsExactly(i);
                assertThat(spool.records()).as("after record %d", i).isZero();
            }
            assertThat(spool.dropped()).isZero();
        }
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    @Test
    void recordsReadButNotAcknowledgedAreSentAgainAfterARestart() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 5; i++) {
                spool.append(record(i, 100));
            }
            Spool.Entry first = spool.read();
            Spool.Entry second = spool.read();
            spool.read();
            spool.acknowledge(second);
            assertThat(spool.records()).as("the first is still under way").isEqualTo(5);
            spool.acknowledge(first);
            assertThat(spool.records()).isEqualTo(3);
        }
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 3)).containsExactly(2, 3, 4);
        }
    }

    @Test
    void aFullSpoolDropsItsOldestSegmentsAndCountsTheirRecords() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 400; i++) {
                spool.append(record(i, 5000)); // 2 MB into 1 MiB
            }
            assertThat(spool.dropped()).isPositive();
            assertThat(spool.records() + spool.dropped()).isEqualTo(400);
            List<Integer> left = takeAll(spool, (int) spool.records());
            assertThat(left).containsExactlyElementsOf(range(400 - left.size(), 400));
        }
    }

    @Test
    void aTornTailAndAFileThatIsNoSegmentAreReportedOnceAndSkipped() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 10; i++) {
                spool.append(record(i, 100));
            }
        }
        Path segment = dir.resolve("00000000000000000001.seg");
        Files.write(segment, new byte[] {0, 0, 0, 50, 1, 2, 3}, StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("00000000000000000000.seg"), "junk");

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 10)).containsExactlyElementsOf(range(0, 10));
            spool.append(record(10, 100));
            assertThat(takeAll(spool, 1)).containsExactly(10);
        }
        assertThat(log.messages(Level.WARN)).hasSize(2)
                .anyMatch(line -> line.contains("00000000000000000001.seg is corrupt at byte")
                        && line.contains("its last 7 bytes are skipped, 10 messages before them kept"))
                .anyMatch(line -> line.contains("00000000000000000000.seg skipped (it does not start as a spool segment)"));
        assertThat(dir.resolve("00000000000000000000.seg.corrupt")).exists();
        try (Spool again = Spool.open(dir, ONE_MIB, log)) {
            assertThat(again.records()).isZero();
        }
        assertThat(log.messages(Level.WARN)).hasSize(2);
    }

    /**
     * The newest segment, which a power cut may have left with stale bytes, has its records'
     * checksums checked at start: the newest that is one, not an empty file the cut left after it.
     */
    @Test
    void theNewestSegmentsRecordsAreCheckedAtStart() throws Exception {
        spoolOf(10, 100);
        damageTheFirstSegment(8 + 9 * 108 + 8 + 50, new byte[] {7}); // in the last record's bytes: torn
        Files.createFile(dir.resolve("00000000000000000002.seg")); // the next segment, begun as the power went

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 9)).containsExactlyElementsOf(range(0, 9));
            assertThat(spool.read()).isNull();
        }
        assertThat(log.messages(Level.WARN)).hasSize(2)
                .anyMatch(line -> line.contains("00000000000000000002.seg skipped (it does not start as a spool segment)"))
                .anyMatch(line -> line.contains("00000000000000000001.seg is corrupt at byte 980 (a record's checksum does"
                        + " not match): its last 108 bytes are skipped, 9 messages before them kept"));
    }

    /**
     * An older segment is walked by its record headers only; where they do not add up (a length a
     * bad block changed), it is read through as the newest is, and keeps its records up to the
     * damaged one: the walk would otherwise take the zeros inside a record for empty records.
     */
    @Test
    void anOlderSegmentWhoseHeadersDoNotAddUpKeepsItsRecordsUpToTheDamagedOne() throws Exception {
        spoolOf(100, 5000); // records 0-51 in the first 256 KiB segment, 52-99 in the second
        damageTheFirstSegment(8 + 3 * 5008, lengthOf(1000)); // the fourth record's length, within its bytes

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isEqualTo(3 + 48);
            List<Integer> kept = takeAll(spool, 51);
            assertThat(kept.subList(0, 3)).containsExactly(0, 1, 2);
            assertThat(kept.subList(3, 51)).containsExactlyElementsOf(range(52, 100));
        }
        assertThat(log.messages(Level.WARN)).singleElement().asString().contains("00000000000000000001.seg is corrupt at"
                + " byte 15032 (a record's checksum does not match)");
    }

    /**
     * A segment that cannot be read at start (an I/O error: a bad block under its headers) keeps
     * the spool from opening no more, so the node starts and sends the rest; appends go to a new
     * segment. A symbolic link to a folder stands in for the bad block: reading it fails with EISDIR.
     */
    @Test
    void aSegmentThatCannotBeReadAtStartIsSaidAndTheOthersAreSent() throws Exception {
        spoolOf(60, 5000); // records 0-51 in the first 256 KiB segment, 52-59 in the second
        Path unreadable = dir.resolve("00000000000000000002.seg");
        Path folder = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-folder"));
        Files.writeString(folder.resolve("file"), "a folder's size is never under 8 bytes then");
        Files.delete(unreadable);
        Files.createSymbolicLink(unreadable, folder);

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isEqualTo(52);
            spool.append(record(60, 5000));
            assertThat(takeAll(spool, 53)).containsExactlyElementsOf(
                    java.util.stream.IntStream.concat(java.util.stream.IntStream.range(0, 52),
                            java.util.stream.IntStream.of(60)).boxed().toList());
            assertThat(spool.read()).isNull();
        }
        assertThat(log.messages(Level.WARN)).singleElement().asString().startsWith("spool segment " + unreadable
                + " cannot be read past byte 0 (").endsWith("): its last " + Files.size(folder) + " bytes are skipped,"
                + " 0 messages before them kept");
        assertThat(unreadable).as("deleted once the segment before it was sent").doesNotExist();
        assertThat(folder.resolve("file")).exists();
    }

    /**
     * A record whose bytes changed (a bad block) with a whole record after it is kept, to be
     * skipped when read, though its segment is read through: only where the records break (a
     * length changed, a torn write) is the rest of a segment cut off.
     */
    @Test
    void aRecordWhoseBytesChangedBeforeAWholeOneIsKeptToBeSkippedWhenRead() throws Exception {
        spoolOf(100, 5000);
        damageTheFirstSegment(8 + 5 * 5008 + 8 + 50, new byte[] {7}); // in the sixth record's bytes
        damageTheFirstSegment(8 + 40 * 5008, lengthOf(1000)); // the 41st record's length

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isEqualTo(40 + 48);
            List<Spool.Entry> first = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                first.add(spool.read());
            }
            assertThat(first).filteredOn(entry -> !entry.intact).containsExactly(first.get(5));
            assertThat(first).filteredOn(entry -> entry.intact).extracting(entry -> number(entry.record))
                    .containsExactlyElementsOf(range(0, 40).stream().filter(n -> n != 5).toList());
            for (Spool.Entry entry : first) {
                spool.acknowledge(entry);
            }
            assertThat(takeAll(spool, 48)).containsExactlyElementsOf(range(52, 100));
        }
        assertThat(log.messages(Level.WARN)).singleElement().asString().contains("00000000000000000001.seg is corrupt at"
                + " byte " + (8 + 40 * 5008) + " (a record's checksum does not match)");
    }

    /**
     * Records appended while the segment being read cannot be read (cut short under the spool) go
     * to a new segment, which dropping the unreadable one keeps: they went to its end, and were
     * dropped with it.
     */
    @Test
    void recordsAppendedWhileTheTailCannotBeReadGoToANewSegmentThatItsDropKeeps() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 10; i++) {
                spool.append(record(i, 100));
            }
            try (FileChannel cut = FileChannel.open(dir.resolve("00000000000000000001.seg"), StandardOpenOption.WRITE)) {
                cut.truncate(8 + 5 * 108 + 50); // in the sixth record
            }
            assertThat(takeAll(spool, 5)).containsExactlyElementsOf(range(0, 5));
            assertThatThrownBy(spool::read).isInstanceOf(IOException.class).hasMessage("spool segment ends early");
            spool.append(record(10, 100));

            assertThat(spool.dropUnreadable()).isTrue();
            assertThat(spool.dropped()).isEqualTo(5);
            assertThat(takeAll(spool, 1)).containsExactly(10);
            assertThat(spool.read()).isNull();
        }
    }

    /** A record length a bad block changed after the spool opened fails the read: it was an allocation of up to 2 GiB. */
    @Test
    void aRecordLengthChangedOnDiskAfterTheSpoolOpenedFailsTheRead() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < 3; i++) {
                spool.append(record(i, 100));
            }
            damageTheFirstSegment(8 + 108, lengthOf(Integer.MAX_VALUE - 8));

            assertThat(takeAll(spool, 1)).containsExactly(0);
            assertThatThrownBy(spool::read).isInstanceOf(IOException.class)
                    .hasMessage("a spooled record's length (2147483639) changed on disk");
        }
    }

    /** A full disk writes part of a record, then fails: the part is cut off, and records appended later read back whole. */
    @Test
    void aRecordAFullDiskCutShortLeavesNoBytesBehind() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "256k");
        try {
            Path filler = Files.write(disk.resolve("filler"), new byte[64 << 10]);
            List<Integer> stored = new ArrayList<>();
            try (Spool spool = Spool.open(disk.resolve("spool"), ONE_MIB, log)) {
                for (int n = 0; ; n++) {
                    assertThat(n).as("the disk fills").isLessThan(100);
                    try {
                        spool.append(record(n, 10_000));
                    } catch (IOException e) {
                        assertThat(e).hasMessageContaining("No space left on device");
                        break;
                    }
                    stored.add(n);
                }
                Files.delete(filler);
                for (int n = 1000; n < 1003; n++) {
                    spool.append(record(n, 10_000));
                    stored.add(n);
                }
                assertThat(takeAll(spool, stored.size() - 1)).containsExactlyElementsOf(stored.subList(0,
                        stored.size() - 1));
            }
            try (Spool again = Spool.open(disk.resolve("spool"), ONE_MIB, log)) {
                assertThat(takeAll(again, 1)).containsExactly(1002);
            }
            assertThat(log.messages(Level.WARN)).as("no torn record found at the restart").isEmpty();
        } finally {
            Mounts.unmount(disk);
        }
    }

    /**
     * A disk smaller than a segment, filled by an outage: once every record is sent, the segment's
     * space is free again, and the next outage spools as much as the first.
     */
    @Test
    void aSegmentIsDeletedOnceAllItsRecordsAreSentSoAFullDiskTakesRecordsAgain() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "256k");
        try {
            try (Spool spool = Spool.open(disk.resolve("spool"), 100 * ONE_MIB, log)) { // 16 MiB segments
                int first = appendUntilFull(spool, 0);
                assertThat(takeAll(spool, first)).containsExactlyElementsOf(range(0, first));
                try (var segments = Files.list(disk.resolve("spool"))) {
                    assertThat(segments.filter(file -> file.toString().endsWith(".seg"))).as("sent, so gone").isEmpty();
                }
                assertThat(appendUntilFull(spool, 1000)).as("records the second outage spools").isEqualTo(first);
            }
            try (Spool again = Spool.open(disk.resolve("spool"), 100 * ONE_MIB, log)) {
                assertThat(number(again.read().record)).isEqualTo(1000);
            }
        } finally {
            Mounts.unmount(disk);
        }
    }

    /**
     * A record the full disk had no room for left the segment just begun for it without a record,
     * and the next record, larger than a segment, began one of its own: acknowledgements were
     * counted against the empty one, which was never deleted; the spool then held phantom records
     * (read failed for good), its dropped count went negative, and a restart sent everything again.
     */
    @Test
    void aSegmentAFullDiskLeftWithoutARecordDoesNotTakeTheAcknowledgementsOfTheNext() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "4m");
        try {
            Path filler = Files.write(disk.resolve("filler"), new byte[(3 << 20) + (700 << 10)]);
            Path folder = disk.resolve("spool");
            try (Spool spool = Spool.open(folder, ONE_MIB, log)) { // 256 KiB segments
                assertThatThrownBy(() -> spool.append(new byte[400_000])).hasMessageContaining("No space left");
                spool.append(new byte[270_000]); // larger than a segment: a segment of its own
                spool.acknowledge(spool.read());
                assertThat(spool.records()).isZero();
                try (var segments = Files.list(folder)) {
                    assertThat(segments.filter(file -> file.toString().endsWith(".seg"))).as("every record sent")
                            .isEmpty();
                }
                Files.delete(filler);
                for (int i = 0; i < 6; i++) {
                    spool.append(new byte[270_000]);
                    spool.acknowledge(spool.read());
                }
                assertThat(spool.dropped()).as("nothing was dropped").isZero();
                assertThat(spool.records()).isZero();
                assertThat(spool.read()).isNull();
            }
        } finally {
            Mounts.unmount(disk);
        }
    }

    /** Appends records of 10 kB numbered from {@code from} until the disk is full; returns how many it took. */
    private static int appendUntilFull(Spool spool, int from) throws IOException {
        for (int n = 0; ; n++) {
            assertThat(n).as("the disk fills").isLessThan(100);
            try {
                spool.append(record(from + n, 10_000));
            } catch (IOException e) {
                assertThat(e).hasMessageContaining("No space left on device");
                return n;
            }
        }
    }

    /** On a disk with no byte left, deliveries still move the cursor: a restart sends none of them again. */
    @Test
    void theCursorMovesOnAFullDisk() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "256k");
        try {
            try (Spool spool = Spool.open(disk.resolve("spool"), ONE_MIB, log)) {
                for (int n = 0; n < 5; n++) {
                    spool.append(record(n, 100));
                }
                assertThat(takeAll(spool, 1)).containsExactly(0);
                fill(disk);
                assertThat(takeAll(spool, 3)).containsExactly(1, 2, 3);
            }
            try (Spool again = Spool.open(disk.resolve("spool"), ONE_MIB, log)) {
                assertThat(takeAll(again, 1)).containsExactly(4);
                assertThat(again.read()).isNull();
            }
            assertThat(log.messages(Level.WARN)).isEmpty();
        } finally {
            Mounts.unmount(disk);
        }
    }

    /**
     * A spool an earlier version left without a cursor (none was written before a delivery), on a
     * full disk: it opens and reads as any; a delivery cannot give the cursor its line, and a restart
     * sends the whole spool again, skipping nothing.
     */
    @Test
    void aSpoolLeftWithoutACursorOnAFullDiskOpensAndARestartSkipsNothing() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Mounts.tmpfs(disk, "256k");
        Path folder = disk.resolve("spool");
        try {
            try (Spool spool = Spool.open(folder, ONE_MIB, log)) {
                for (int n = 0; n < 5; n++) {
                    spool.append(record(n, 100));
                }
            }
            Files.delete(folder.resolve("cursor"));
            fill(disk);
            Spool spool = Spool.open(folder, ONE_MIB, log);
            assertThat(spool.records()).isEqualTo(5);
            Spool.Entry first = spool.read();
            assertThatThrownBy(() -> spool.acknowledge(first)).hasMessage("No space left on device");
            assertThatThrownBy(spool::close).hasMessage("No space left on device");
            try (Spool again = Spool.open(folder, ONE_MIB, log)) {
                assertThat(takeAll(again, 5)).containsExactly(0, 1, 2, 3, 4);
            }
        } finally {
            Mounts.unmount(disk);
        }
        assertThat(log.messages(Level.WARN)).containsExactly("spool cursor " + folder.resolve("cursor")
                + " is unreadable (it is empty); sending the whole spool again");
    }

    @Test
    void aCursorWhoseChecksumDoesNotMatchSendsTheWholeSpoolAgain() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int n = 0; n < 3; n++) {
                spool.append(record(n, 100));
            }
            assertThat(takeAll(spool, 2)).containsExactly(0, 1);
        }
        String line = Files.readString(dir.resolve("cursor"));
        Files.writeString(dir.resolve("cursor"), line.replaceFirst(" 0000", " 0001")); // a digit torn by a power cut

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 3)).containsExactly(0, 1, 2);
        }
        assertThat(log.messages(Level.WARN)).singleElement().asString()
                .endsWith("is unreadable (its checksum does not match); sending the whole spool again");
    }

    @Test
    void aCursorOfBytesThatAreNoTextOrPastTheNewestSegmentSendsTheWholeSpoolAgain() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int n = 0; n < 3; n++) {
                spool.append(record(n, 100));
            }
        }
        Files.write(dir.resolve("cursor"), new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0, '\n'});
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isEqualTo(3);
        }
        Files.writeString(dir.resolve("cursor"), "7 8\n"); // segment 7 of spooled messages since delivered
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 3)).containsExactly(0, 1, 2);
        }
        // said in words, not as the parsing's NumberFormatException
        assertThat(log.messages(Level.WARN)).containsExactly(
                "spool cursor " + dir.resolve("cursor") + " is unreadable (it does not hold a segment and a position);"
                        + " sending the whole spool again",
                "spool cursor " + dir.resolve("cursor") + " is unreadable (it names segment 7, past the newest);"
                        + " sending the whole spool again");
    }

    /**
     * A cursor naming a segment gone while an older one is left is refused, and the whole spool
     * sent again; the next segment begun must not take the number it names. It did: left on disk
     * by a run killed before it moved the cursor, the cursor then skipped that segment's first
     * records, never sent.
     */
    @Test
    void aNewSegmentNeverTakesTheNumberOfTheSegmentARefusedCursorNames(@TempDir Path killed) throws Exception {
        try (Spool spool = Spool.open(dir, 256 << 10, log)) { // 64 KiB segments: 13 records of 5000 bytes each
            for (int i = 0; i < 13; i++) {
                spool.append(record(i, 5000));
            }
        }
        Files.writeString(dir.resolve("cursor"), "2 " + (8 + 2 * (8 + 5000)) + "\n"); // segment 2, sent and deleted
        try (Spool spool = Spool.open(dir, 256 << 10, log)) {
            assertThat(spool.records()).isEqualTo(13);
            for (int i = 13; i < 16; i++) {
                spool.append(record(i, 5000)); // in a new segment
            }
            try (var files = Files.list(dir)) { // what a kill now leaves: every record written, the cursor unmoved
                for (Path file : files.toList()) {
                    Files.copy(file, killed.resolve(file.getFileName()));
                }
            }
        }
        try (Spool spool = Spool.open(killed, 256 << 10, log)) {
            List<Integer> sent = takeAll(spool, (int) spool.records());
            assertThat(sent).as("the new segment's records").endsWith(13, 14, 15);
        }
    }

    /** A close with no acknowledgement in its run writes the cursor, and closes its file too. */
    @Test
    void aCloseWithNoAcknowledgementInItsRunLeavesNoFileOpen() throws Exception {
        spoolOf(3, 100);
        Spool.open(dir, ONE_MIB, log).close();
        Path cursor = dir.resolve("cursor").toRealPath();
        try (var descriptors = Files.list(Path.of("/proc/self/fd"))) { // of this process, on Linux
            List<Path> open = descriptors.filter(fd -> cursor.equals(target(fd))).toList();
            assertThat(open).as("descriptors open on the cursor").isEmpty();
        }
    }

    /** What the file descriptor {@code fd} of /proc/self/fd is open on, or {@code null} when it closed meanwhile. */
    private static Path target(Path fd) {
        try {
            return Files.readSymbolicLink(fd);
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void anEmptyCursorIsSaidToBeEmptyAndTheWholeSpoolIsSentAgain() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int n = 0; n < 3; n++) {
                spool.append(record(n, 100));
            }
            assertThat(takeAll(spool, 1)).containsExactly(0);
        }
        Files.write(dir.resolve("cursor"), new byte[0]);
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 3)).containsExactly(0, 1, 2);
        }
        assertThat(log.messages(Level.WARN)).containsExactly("spool cursor " + dir.resolve("cursor")
                + " is unreadable (it is empty); sending the whole spool again");
    }

    /**
     * A record under way when its segment is dropped counts by its outcome: not dropped when it is
     * acknowledged (delivered, or given up), dropped at close when it was not.
     */
    @Test
    void aRecordUnderWayWhenItsSegmentIsDroppedCountsAsDroppedOnlyIfNotAcknowledgedByTheClose() throws Exception {
        Spool spool = Spool.open(dir, ONE_MIB, log);
        spool.append(record(0, 5000));
        spool.append(record(1, 5000));
        Spool.Entry acknowledged = spool.read();
        spool.read(); // under way until the close
        for (int i = 2; i < 400; i++) {
            spool.append(record(i, 5000)); // 2 MB into 1 MiB: the first segment goes
        }
        long dropped = spool.dropped();
        assertThat(dropped).isPositive();
        long left = spool.records();
        spool.acknowledge(acknowledged);
        assertThat(spool.records()).as("not in the spool any more").isEqualTo(left);
        assertThat(spool.emptied()).isFalse();
        spool.close();
        assertThat(spool.dropped()).as("the one not acknowledged").isEqualTo(dropped + 1);
    }

    @Test
    void aCursorAnEarlierVersionWroteIsRead() throws Exception {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int n = 0; n < 3; n++) {
                spool.append(record(n, 100));
            }
        }
        long second = 8 + 8 + 100; // the segment's header, then the first record
        Files.writeString(dir.resolve("cursor"), "1 " + second + "\n");

        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(takeAll(spool, 2)).containsExactly(1, 2);
            assertThat(spool.read()).isNull();
        }
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            assertThat(spool.records()).isZero();
        }
        assertThat(log.messages(Level.WARN)).isEmpty();
    }

    /**
     * Sent segments that cannot be deleted (their folder made read-only) are said once a minute
     * and left behind: the spool reads on from the next one, and the next run deletes them,
     * skipping no message and sending none again.
     */
    @Test
    void aSentSegmentThatCannotBeDeletedIsSaidAndTheSpoolGoesOn() throws Exception {
        try (Spool spool = Spool.open(dir, 256 << 10, log)) { // 64 KiB segments: 12 records each
            for (int i = 0; i < 30; i++) {
                spool.append(record(i, 5000));
            }
            Mounts.readOnly(dir);
            try {
                assertThat(takeAll(spool, 12)).containsExactlyElementsOf(range(0, 12));
                assertThat(takeAll(spool, 13)).containsExactlyElementsOf(range(12, 25));
                assertThat(spool.records()).isEqualTo(5);
            } finally {
                Mounts.unmount(dir);
            }
        }
        assertThat(dir.resolve("00000000000000000001.seg")).as("left behind").exists();
        try (Spool spool = Spool.open(dir, 256 << 10, log)) {
            assertThat(takeAll(spool, 5)).containsExactlyElementsOf(range(25, 30));
            assertThat(spool.read()).isNull();
        }
        try (var segments = Files.list(dir)) {
            assertThat(segments.filter(file -> file.toString().endsWith(".seg"))).as("deleted by the next run")
                    .isEmpty();
        }
        assertThat(log.messages(Level.WARN)).containsExactly("spool segment " + dir.resolve("00000000000000000001.seg")
                + " cannot be deleted (Read-only file system), though none of its messages is left to send; it takes"
                + " room on the disk until the next run deletes it");
    }

    /** Fills {@code disk}, a tmpfs of 256 KiB at most, to its last byte. */
    static void fill(Path disk) throws IOException {
        try (var filler = Files.newOutputStream(disk.resolve("filler"))) {
            byte[] block = new byte[512];
            for (int written = 0; ; written += block.length) {
                assertThat(written).as("the disk fills").isLessThan(1 << 20);
                filler.write(block);
                filler.flush();
            }
        } catch (IOException e) {
            assertThat(e).hasMessageContaining("No space left on device");
        }
    }

    private static byte[] record(int number, int size) {
        byte[] record = new byte[size];
        byte[] text = Integer.toString(number).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, record, 0, text.length);
        return record;
    }

    /** Reads {@code count} records, then acknowledges them newest first: the cursor moves only when all are done. */
    private static List<Integer> takeAll(Spool spool, int count) throws Exception {
        List<Spool.Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(spool.read());
        }
        List<Integer> numbers = entries.stream().map(entry -> number(entry.record)).toList();
        for (int i = entries.size() - 1; i >= 0; i--) {
            spool.acknowledge(entries.get(i));
        }
        return numbers;
    }

    /** A spool of {@code count} records of {@code size} bytes, numbered from 0, closed. */
    private void spoolOf(int count, int size) throws IOException {
        try (Spool spool = Spool.open(dir, ONE_MIB, log)) {
            for (int i = 0; i < count; i++) {
                spool.append(record(i, size));
            }
        }
    }

    /** Writes {@code bytes} over the first segment's at {@code position}, as a bad block would change them. */
    private void damageTheFirstSegment(long position, byte[] bytes) throws IOException {
        try (FileChannel segment = FileChannel.open(dir.resolve("00000000000000000001.seg"), StandardOpenOption.WRITE)) {
            segment.write(ByteBuffer.wrap(bytes), position);
        }
    }

    private static byte[] lengthOf(int length) {
        return ByteBuffer.allocate(4).putInt(length).array();
    }

    private static int number(byte[] record) {
        return Integer.parseInt(new String(record, StandardCharsets.US_ASCII).replace("\0", ""));
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }

    /** Whether another process gets the POSIX lock on {@code file} that the JDK's file locks take. */
    private static boolean anotherProcessCanLock(Path file) {
        String python = Tools.require("/usr/bin/python3", "python3").toString();
        Tools.Output tried = Tools.run(new ProcessBuilder(python, "-c", "import fcntl, sys\n"
                + "with open(sys.argv[1], 'a') as f:\n"
                + "    try:\n"
                + "        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                + "        print('locked')\n"
                + "    except OSError:\n"
                + "        print('held')\n", file.toString()).redirectErrorStream(true), Duration.ofSeconds(30));
        assertThat(tried.text().strip()).as("the other process's answer").isIn("locked", "held");
        return tried.text().strip().equals("locked");
    }
}

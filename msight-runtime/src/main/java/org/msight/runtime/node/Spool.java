package org.msight.runtime.node;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.msight.api.IoFailures;
import org.msight.api.LogThrottle;
import org.slf4j.Logger;

/**
 * A bounded first-in first-out queue of records on disk: an append-only log of segment files
 * ({@code 00000000000000000001.seg} and on), each a header then records of
 * {@code [length][CRC32C][bytes]}, and a {@code cursor} file with the position of the first
 * record not yet delivered. Fully delivered segments are deleted, the tail too, so a disk that
 * filled has room again once the spool is sent; when the log outgrows its limit its oldest
 * segment is deleted and its records counted as dropped.
 *
 * <p>Durability: records are written with one {@code write} each, so a killed process (even
 * SIGKILL) loses none: they are in the operating system's cache. The tail segment is flushed to
 * the device ({@code fsync}) when it is full and by {@link #sync()}, which the runtime calls
 * once a second: a power cut loses at most the last second. The cursor is written after
 * deliveries, without fsync, so a restart may send a few records again: at least once. It is
 * written as the first segment begins, then in place, so it is written on a full disk too; it
 * carries a checksum, so a cursor a power cut tore sends the whole spool again rather than
 * skipping records.
 *
 * <p>At start the newest segment is read through: a torn or corrupt tail (a cut power supply) is
 * reported in one line and cut off. Older ones, flushed to the device as the next began, are
 * walked by their record headers only, so a full spool opens without reading all of it (on an
 * SD card, reading 1 GiB takes most of a minute), and read through too where their headers do not
 * add up; a record whose checksum does not match when it is read (a bad block) is handed out as
 * not {@link Entry#intact}, to be skipped. A file that is no segment is renamed to
 * {@code *.corrupt}, reported and skipped; one that cannot be read on (an I/O error) keeps its
 * records before the error, reported, and the spool opens all the same.
 *
 * <p>One spool has one user: the directory's {@code lock} file is locked while it is open, so a
 * second node or process given the same directory is refused instead of deleting the first's
 * records.
 *
 * <p>Records are read ahead of their acknowledgement, so several can be under way at once;
 * the cursor moves over a record only when it and every older one were acknowledged. Not
 * thread-safe: callers synchronize.
 */
final class Spool implements AutoCloseable {

    private static final byte[] MAGIC = "MSPOOL1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_HEADER = 8;
    private static final String SUFFIX = ".seg";
    /** Why a file is no segment: {@link #walk} found no segment's first bytes in it. */
    private static final String NO_SEGMENT = "it does not start as a spool segment";
    /** Segments are at most 16 MiB, and at most a quarter of the limit, so dropping one frees little of a small spool. */
    private static final long MAX_SEGMENT_BYTES = 16 << 20;

    private static final String LOCK = "lock";
    private static final String CURSOR = "cursor";
    /** The real paths of the spools open in this process. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    /** The folder's real path, in {@link #HELD} while this spool is open. */
    private final Path held;
    private final FileChannel lockFile;
    private final long maxBytes;
    private final long segmentBytes;
    private final Logger log;
    private final Deque<Segment> segments = new ArrayDeque<>();
    /** Records read and not yet acknowledged, oldest first. */
    private final Deque<Entry> reading = new ArrayDeque<>();
    private final ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER);
    private final CRC32C crc = new CRC32C();
    /** One line a minute at most for segments that cannot be deleted: in a read-only folder, none can. */
    private final LogThrottle undeletedLines = new LogThrottle(Duration.ofMinutes(1));
    private FileChannel tail;
    /** The cursor file, open from its first write on. */
    private FileChannel cursor;
    /** The oldest record not yet acknowledged: its segment is the first, this many of its records are done. */
    private long headPosition;
    private int headDone;
    /** The next record to read. */
    private Segment readSegment;
    private FileChannel reader;
    private long readPosition;
    private int readDone;
    /**
     * The newest segment's number, or that of a cursor refused at start, if higher: a new one never
     * takes that of one deleted, which the cursor may name.
     */
    private long newest;
    private long records;
    private long bytes;
    private long dropped;
    /** Records of this run read (or skipped) and not put back. */
    private long readPast;
    /** Records under way when their segment was dropped, not acknowledged since. */
    private long droppedUnderWay;

    private Spool(Path dir, Path held, FileChannel lockFile, long maxBytes, Logger log) {
        this.dir = dir;
        this.held = held;
        this.lockFile = lockFile;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.min(MAX_SEGMENT_BYTES, Math.max(64 << 10, maxBytes / 4));
        this.log = log;
    }

    /** Opens the spool in {@code dir}, creating it, and checks what an earlier run left there. */
    static Spool open(Path dir, long maxBytes, Logger log) throws IOException {
        Files.createDirectories(dir);
        Path held = dir.toRealPath();
        // A second channel on a file this process has locked is never opened: closing it would
        // release the first one's lock (POSIX locks belong to the process, not the channel).
        if (!HELD.add(held)) {
            throw inUse(dir);
        }
        FileChannel lockFile = null;
        try {
            lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (lockFile.tryLock() == null) {
                throw inUse(dir);
            }
            Spool spool = new Spool(dir, held, lockFile, maxBytes, log);
            spool.load();
            return spool;
        } catch (IOException | RuntimeException e) {
            if (lockFile != null) {
                lockFile.close(); // and with it the lock
            }
            HELD.remove(held);
            throw e;
        }
    }

    private static IOException inUse(Path dir) {
        return new IOException("the spool " + dir + " is in use by another node or process");
    }

    /** Records not yet acknowledged, those being read included. */
    long records() {
        return records;
    }

    /** Records not read yet: neither acknowledged nor being sent. */
    long unread() {
        return records - reading.size();
    }

    /**
     * Records dropped so far (oldest first) because the spool was full: those not read yet when
     * their segment was deleted. One under way then is counted by its outcome, once acknowledged
     * (delivered, or never deliverable), or dropped at {@link #close} if it was not.
     */
    long dropped() {
        return dropped;
    }

    /**
     * The number of the oldest record not read yet: records of this run read past or dropped unread
     * before it. It changes only when that record is read, skipped or dropped (under the caller's
     * lock on the spool, until {@link #close}).
     */
    long oldestUnread() {
        return readPast + dropped;
    }

    /** Whether no record is left, nor one under way when its segment was dropped. */
    boolean emptied() {
        return records == 0 && droppedUnderWay == 0;
    }

    /**
     * Appends one record; drops the oldest segments while the spool is over its limit. A record
     * the disk has no room for (a full disk writes part of it, then fails) is cut off again, so
     * the next one follows the last whole record.
     */
    void append(byte[] record) throws IOException {
        if (tail == null || segments.getLast().bytes + RECORD_HEADER + record.length > segmentBytes) {
            roll();
        }
        recordHeader.clear();
        recordHeader.putInt(record.length).putInt(checksum(record)).flip();
        ByteBuffer[] parts = {recordHeader, ByteBuffer.wrap(record)};
        Segment last = segments.getLast();
        try {
            while (parts[1].hasRemaining()) {
                tail.write(parts);
            }
        } catch (IOException e) {
            try {
                tail.truncate(last.bytes);
            } catch (IOException notCut) {
                e.addSuppressed(notCut);
            }
            throw e;
        }
        last.bytes += RECORD_HEADER + record.length;
        last.records++;
        records++;
        bytes += RECORD_HEADER + record.length;
        while (bytes > maxBytes && segments.size() > 1) {
            dropOldest();
        }
    }

    /** The oldest record not read yet, or {@code null}; it stays in the spool until {@link #acknowledge}d. */
    Entry read() throws IOException {
        return next(true);
    }

    /**
     * As {@link #read}, without the record's bytes: one never to be sent (the heap has no room
     * for it), to {@link #acknowledge}.
     */
    Entry skip() throws IOException {
        return next(false);
    }

    private Entry next(boolean withBytes) throws IOException {
        if (unread() == 0) {
            return null;
        }
        while (readDone == readSegment.records) {
            moveReaderTo(following(readSegment));
        }
        int length;
        byte[] record;
        try {
            if (reader == null) {
                reader = FileChannel.open(readSegment.path, StandardOpenOption.READ);
            }
            recordHeader.clear();
            readFully(reader, recordHeader, readPosition);
            length = recordHeader.getInt(0);
            if (length <= 0 || readPosition + RECORD_HEADER + length > readSegment.bytes) {
                throw new IOException("a spooled record's length (" + length + ") changed on disk");
            }
            record = new byte[withBytes ? length : 0];
            readFully(reader, ByteBuffer.wrap(record), readPosition + RECORD_HEADER);
        } catch (IOException e) {
            if (readSegment == segments.getLast()) { // appends go to a new segment, which a drop of this one keeps
                try {
                    closeTail();
                } catch (IOException notClosed) {
                    e.addSuppressed(notClosed);
                }
            }
            throw e;
        }
        Entry entry = new Entry(record, length, !withBytes || checksum(record) == recordHeader.getInt(4));
        reading.add(entry);
        readPosition += RECORD_HEADER + length;
        readDone++;
        readPast++;
        return entry;
    }

    /**
     * Drops the rest of the segment being read, which cannot be read (an I/O error: a bad block, a
     * file cut short), as a full spool drops its oldest, its unread records counted as
     * {@link #dropped}: only once it is the oldest, every segment before it done with.
     *
     * @return whether it was dropped; not while an older segment has records under way
     */
    boolean dropUnreadable() throws IOException {
        if (unread() == 0 || readSegment != segments.peekFirst()) {
            return false;
        }
        dropOldest();
        return true;
    }

    /** Puts back the record {@link #read} returned last, not yet acknowledged: the next read returns it again. */
    void unread(Entry entry) {
        reading.removeLast();
        readPosition -= RECORD_HEADER + entry.length;
        readDone--;
        readPast--;
    }

    /**
     * Marks a record read by {@link #read} as done with (delivered, or never deliverable); the
     * cursor moves over every done record that has no older one still under way. A record whose
     * segment was dropped meanwhile is no longer in the spool: it is only done with.
     */
    void acknowledge(Entry entry) throws IOException {
        entry.done = true;
        entry.record = null;
        if (entry.dropped) {
            droppedUnderWay--;
            return;
        }
        boolean moved = false;
        while (!reading.isEmpty() && reading.getFirst().done) {
            Entry done = reading.removeFirst();
            while (segments.getFirst() != done.segment) { // begun for a record the disk had no room for: left without one
                deleteHead();
            }
            headPosition += RECORD_HEADER + done.length;
            headDone++;
            records--;
            moved = true;
            deleteDoneHeads();
        }
        if (moved) {
            writeCursor();
        }
    }

    /** Flushes the tail segment to the device. */
    void sync() throws IOException {
        if (tail != null) {
            tail.force(false);
        }
    }

    /**
     * Writes the cursor and flushes; the files are closed even when that fails (a full disk). Says
     * how many records stay for the next run, if any. Records under way when their segment was
     * dropped, and not acknowledged, count as dropped now: the next run does not have them.
     */
    @Override
    public void close() throws IOException {
        dropped += droppedUnderWay;
        droppedUnderWay = 0;
        if (records > 0) {
            log.info("{} message(s) remain in spool {}: the next run sends them", records, dir);
        }
        // the cursor as it is at the end: writeCursor() opens it in a run that delivered nothing
        try (lockFile; FileChannel closingTail = tail; FileChannel closingReader = reader;
                Closeable closingCursor = this::closeCursor) {
            writeCursor();
            sync();
        } finally {
            HELD.remove(held);
        }
    }

    private void load() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(file -> file.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        // newest first: the newest segment is the last that is one, not a file set aside after it
        for (int i = files.size() - 1; i >= 0; i--) {
            Segment segment = check(files.get(i), segments.isEmpty());
            if (segment != null) {
                segments.addFirst(segment);
                records += segment.records;
                bytes += segment.bytes;
            }
        }
        headPosition = MAGIC.length;
        if (segments.isEmpty()) {
            Files.deleteIfExists(dir.resolve(CURSOR)); // it points into segments gone: new ones start at 1 again
        }
        readCursor();
        if (!segments.isEmpty()) {
            newest = Math.max(newest, segments.getLast().number);
            readSegment = segments.getFirst();
            readPosition = headPosition;
            readDone = headDone;
        }
        deleteDoneHeads(); // an earlier version, or a stop before a sent segment was deleted, left some
        if (!segments.isEmpty() && !segments.getLast().unreadablePast) { // or the first append begins a new one
            tail = FileChannel.open(segments.getLast().path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        if (records > 0) {
            log.info("spool {}: {} messages from an earlier run to send", dir, records);
        }
    }

    /**
     * Walks a segment's records; cuts a corrupt tail off, sets a file that is no segment aside.
     * One that cannot be read on (an I/O error: a bad block) keeps its records before the failure,
     * and takes no appends.
     *
     * @param newest whether it may have been torn: its records are read and their checksums checked;
     *     an older one's are where its headers do not add up (a write the device lost), to keep
     *     every record up to the damaged one
     */
    private Segment check(Path file, boolean newest) throws IOException {
        long number;
        try {
            number = Long.parseLong(file.getFileName().toString().replace(SUFFIX, ""));
        } catch (NumberFormatException e) {
            return setAside(file, "its name is not a segment number");
        }
        for (boolean readThrough = newest; ; readThrough = true) {
            Segment segment = new Segment(number, file);
            long size;
            String problem;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                size = channel.size();
                try {
                    problem = walk(channel, size, readThrough ? ByteBuffer.allocate(64 << 10) : null, segment);
                } catch (IOException e) {
                    log.warn("spool segment {} cannot be read past byte {} ({}): its last {} bytes are skipped, {}"
                            + " messages before them kept", file, segment.bytes, IoFailures.reason(e),
                            size - segment.bytes, segment.records);
                    segment.unreadablePast = true;
                    return segment;
                }
            }
            if (problem == null) {
                return segment;
            }
            if (segment.bytes == 0) {
                return setAside(file, problem);
            }
            if (readThrough) {
                log.warn("spool segment {} is corrupt at byte {} ({}): its last {} bytes are skipped, {} messages"
                        + " before them kept", file, segment.bytes, problem, size - segment.bytes, segment.records);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(segment.bytes);
                }
                return segment;
            }
        }
    }

    /**
     * Counts a segment's records into {@code segment}, and their bytes, as far as they go; returns
     * why the walk stopped before the end, or {@code null}. With {@code block}, records are read and
     * their checksums checked: one whose bytes changed is still counted where a whole record follows
     * it (a bad block, skipped when read), not where the segment ends or breaks (a torn write).
     */
    private String walk(FileChannel channel, long size, ByteBuffer block, Segment segment) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        if (size < MAGIC.length) {
            return NO_SEGMENT;
        }
        readFully(channel, magic, 0);
        if (!java.util.Arrays.equals(magic.array(), MAGIC)) {
            return NO_SEGMENT;
        }
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER);
        segment.bytes = MAGIC.length;
        while (segment.bytes < size) {
            long position = segment.bytes;
            String problem = headerProblem(channel, position, size, header);
            if (problem != null) {
                return problem;
            }
            int length = header.getInt(0);
            long next = position + RECORD_HEADER + length;
            if (block != null && !intact(channel, position + RECORD_HEADER, length, header.getInt(4), block)
                    && !(next < size && headerProblem(channel, next, size, header) == null
                            && intact(channel, next + RECORD_HEADER, header.getInt(0), header.getInt(4), block))) {
                return "a record's checksum does not match";
            }
            segment.bytes = next;
            segment.records++;
        }
        return null;
    }

    /** Why the record header at {@code position} is none, having read it into {@code header}; {@code null} if it is one. */
    private static String headerProblem(FileChannel channel, long position, long size, ByteBuffer header)
            throws IOException {
        if (size - position < RECORD_HEADER) {
            return "a record header is cut short";
        }
        header.clear();
        readFully(channel, header, position);
        int length = header.getInt(0);
        if (length <= 0 || length > size - position - RECORD_HEADER) { // none is written empty: zeros are no record
            return "a record length (" + length + ") " + (length <= 0 ? "is no length" : "runs past the end");
        }
        return null;
    }

    private Segment setAside(Path file, String why) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        log.warn("spool file {} skipped ({}); moved to {}", file, why, aside.getFileName());
        return null;
    }

    /** Skips what the cursor of an earlier run says was delivered. */
    private void readCursor() throws IOException {
        Path file = dir.resolve(CURSOR);
        if (segments.isEmpty() || !Files.exists(file)) {
            return;
        }
        try {
            byte[] line = Files.readAllBytes(file);
            if (line.length == 0) { // made, but its line had no room (a full disk) or a power cut came first
                throw new IllegalStateException("it is empty");
            }
            // bytes a power cut left are no characters: read as Latin-1, they fail the checks below
            String[] parts = new String(line, StandardCharsets.ISO_8859_1).trim().split(" ");
            // versions before the checksum wrote two numbers
            if (parts.length == 3 && Integer.parseUnsignedInt(parts[2], 16) != checksum(parts[0] + " " + parts[1])) {
                throw new IllegalStateException("its checksum does not match");
            }
            long number = Long.parseLong(parts[0]);
            long position = Long.parseLong(parts[1]);
            if (number > segments.getLast().number) {
                newest = number; // no new segment takes it: this cursor, left on disk, would skip its first records
                throw new IllegalStateException("it names segment " + number + ", past the newest");
            }
            while (segments.size() > 1 && segments.getFirst().number < number) {
                Segment done = segments.removeFirst();
                records -= done.records;
                bytes -= done.bytes;
                Files.deleteIfExists(done.path);
            }
            if (segments.getFirst().number == number) {
                try (FileChannel channel = FileChannel.open(segments.getFirst().path, StandardOpenOption.READ)) {
                    while (headPosition < position && headDone < segments.getFirst().records) {
                        recordHeader.clear();
                        readFully(channel, recordHeader, headPosition);
                        headPosition += RECORD_HEADER + recordHeader.getInt(0);
                        headDone++;
                        records--;
                    }
                }
            }
        } catch (RuntimeException e) {
            // ours say why; the parsing's (NumberFormatException...) only that it is no cursor's line
            log.warn("spool cursor {} is unreadable ({}); sending the whole spool again", file,
                    e instanceof IllegalStateException ? e.getMessage() : "it does not hold a segment and a position");
        }
    }

    private void closeCursor() throws IOException {
        if (cursor != null) {
            cursor.close();
        }
    }

    private void writeCursor() throws IOException {
        if (!segments.isEmpty()) {
            writeCursor(segments.getFirst().number, headPosition);
        }
    }

    /**
     * Overwrites the cursor's line in place (a full disk has room for it once the file has its
     * line): segment number and position, 20 digits each, and their CRC32C. An earlier version's
     * line is shorter, so none of it is left behind.
     */
    private void writeCursor(long segment, long position) throws IOException {
        if (cursor == null) {
            cursor = FileChannel.open(dir.resolve(CURSOR), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        String numbers = String.format(Locale.ROOT, "%020d %020d", segment, position);
        ByteBuffer line = ByteBuffer.wrap(String.format(Locale.ROOT, "%s %08x\n", numbers, checksum(numbers))
                .getBytes(StandardCharsets.US_ASCII));
        while (line.hasRemaining()) {
            cursor.write(line, line.position());
        }
    }

    private int checksum(String position) {
        crc.reset();
        crc.update(position.getBytes(StandardCharsets.US_ASCII));
        return (int) crc.getValue();
    }

    /**
     * Starts a new tail segment; one the disk has no room for is deleted again, and the next append
     * tries anew. The first segment of an empty spool writes the cursor, while the disk has room.
     */
    private void roll() throws IOException {
        try {
            sync();
        } finally {
            closeTail(); // whatever happens: the next append rolls again
        }
        long number = newest + 1;
        Segment segment = new Segment(number, dir.resolve(String.format(Locale.ROOT, "%020d%s", number, SUFFIX)));
        FileChannel created = FileChannel.open(segment.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            ByteBuffer magic = ByteBuffer.wrap(MAGIC);
            while (magic.hasRemaining()) {
                created.write(magic);
            }
            if (segments.isEmpty()) {
                writeCursor(number, MAGIC.length);
            }
        } catch (IOException e) {
            try (created) {
                Files.deleteIfExists(segment.path);
            } catch (IOException notDeleted) {
                e.addSuppressed(notDeleted);
            }
            throw e;
        }
        tail = created;
        newest = number;
        segment.bytes = MAGIC.length;
        bytes += MAGIC.length;
        segments.add(segment);
        if (segments.size() == 1) {
            headPosition = MAGIC.length;
            headDone = 0;
            readSegment = segment;
            readPosition = MAGIC.length;
            readDone = 0;
        }
    }

    /**
     * Deletes the oldest segment of a full spool; its records not read yet count as dropped, those
     * under way by their outcome ({@link #dropped()}), those done already as they were. The cursor
     * needs no update: one naming a deleted segment starts the next run at the head.
     */
    private void dropOldest() throws IOException {
        Segment oldest = segments.getFirst();
        int left = oldest.records - headDone;
        int read = 0;
        for (Entry entry : reading) {
            entry.dropped = entry.segment == oldest;
            if (entry.dropped) {
                read++;
                droppedUnderWay += entry.done ? 0 : 1;
            }
        }
        dropped += left - read;
        records -= left;
        reading.removeIf(entry -> entry.dropped);
        deleteHead();
    }

    /**
     * Deletes the head segments whose records are all done; the tail too once every record is, so
     * the next append starts a new one.
     */
    private void deleteDoneHeads() throws IOException {
        while (!segments.isEmpty() && headDone == segments.getFirst().records) {
            deleteHead();
        }
    }

    /**
     * Deletes the head segment; the next one, if any, becomes the head. A file that cannot be
     * deleted (a folder made read-only) is said, once a minute at most, and left for the next run
     * to delete: the spool goes on without it.
     */
    private void deleteHead() throws IOException {
        Segment done = segments.removeFirst();
        bytes -= done.bytes;
        headPosition = MAGIC.length;
        headDone = 0;
        if (readSegment == done) {
            moveReaderTo(segments.peekFirst());
        }
        if (segments.isEmpty()) {
            closeTail();
        }
        try {
            Files.deleteIfExists(done.path);
        } catch (IOException e) {
            long times = undeletedLines.occurred();
            if (times > 0) {
                log.warn("spool segment {} cannot be deleted ({}), though none of its messages is left to send; it"
                        + " takes room on the disk until the next run deletes it{}", done.path, IoFailures.reason(e),
                        times == 1 ? "" : " (" + times + " segments could not be deleted since the last such line)");
            }
        }
    }

    private void closeTail() throws IOException {
        try (FileChannel closing = tail) {
            tail = null;
        }
    }

    private Segment following(Segment segment) {
        Iterator<Segment> all = segments.iterator();
        while (all.next() != segment) {
            // to the segment itself
        }
        return all.next();
    }

    private void moveReaderTo(Segment segment) throws IOException {
        try (FileChannel closing = reader) {
            reader = null;
        }
        readSegment = segment;
        readPosition = MAGIC.length;
        readDone = 0;
    }

    /** Whether the {@code length} bytes at {@code position} have the checksum {@code expected}, read {@code block} by block. */
    private boolean intact(FileChannel channel, long position, int length, int expected, ByteBuffer block)
            throws IOException {
        crc.reset();
        for (long end = position + length; position < end; position += block.limit()) {
            block.clear().limit((int) Math.min(block.capacity(), end - position));
            readFully(channel, block, position);
            crc.update(block.flip());
        }
        return (int) crc.getValue() == expected;
    }

    private int checksum(byte[] record) {
        crc.reset();
        crc.update(record);
        return (int) crc.getValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new IOException("spool segment ends early");
            }
            position += read;
        }
    }

    /** One record read from the spool, until it is acknowledged. */
    final class Entry {
        /**
         * Its bytes; none when {@link #skip skipped}, nor once acknowledged (it may wait for an older one);
         * its reader lets them go once it has decoded them.
         */
        byte[] record;
        /** Whether its bytes are those written: their checksum matches (a bad block changes them). */
        final boolean intact;
        private final int length;
        private final Segment segment = readSegment;
        private boolean done;
        private boolean dropped;

        private Entry(byte[] record, int length, boolean intact) {
            this.record = record;
            this.length = length;
            this.intact = intact;
        }
    }

    private static final class Segment {
        final long number;
        final Path path;
        /** Its records' bytes, from its first; its file may be longer, past an I/O error at start. */
        long bytes;
        int records;
        /** Whether its file could not be read on at start: appends go to a new segment. */
        boolean unreadablePast;

        Segment(long number, Path path) {
            this.number = number;
            this.path = path;
        }
    }
}

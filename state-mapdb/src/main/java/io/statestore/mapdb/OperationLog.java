package io.statestore.mapdb;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The store's log ({@code FILE.log}): every change, in the order the store applied it, since the last
 * checkpoint (the last MapDB commit of the store file). A write is durable once its record is forced to the
 * disk, one sequential write and one flush shared by every writer waiting at that moment; the store file is
 * brought up to date by checkpoints, away from the writers' path, after which the log starts again from its
 * beginning. Opening the file replays the records the last checkpoint does not hold.
 *
 * <p>Layout, big-endian. Two header slots of {@value #SLOT_BYTES} bytes, each {@link #MAGIC} (8), a counter
 * (8), the pass (8), the length of the map's name (2), the name in UTF-8, and a CRC-32C of what precedes it
 * (4); the valid slot with the higher counter is the header, and a new header goes to the other slot, so that
 * a crash while one is written leaves the other. Then records, each the length of its change (4), a CRC-32C
 * of what follows (4), the sequence number (8), the pass (8) and the change ({@link Change}).
 *
 * <p>Every open starts a new pass, recorded in the header before its first record is written. Replay reads
 * records from the start while each one is whole and passes its checksum, its sequence number rises above
 * the one before, and its pass neither falls nor passes the header's; of those it applies the ones above the
 * checkpoint's number ({@code statestore.checkpoint} in the store file: a checkpoint whose commit a crash
 * interrupted holds part of the log). Whatever follows is a record a crash cut short, or a record from
 * before the log last started again, whose number is lower (and which the checkpoint holds), or one left
 * beyond a crash by an earlier open, whose pass is lower than the records written after it.
 *
 * <p>Room: the file is grown by writing zeros before any record needs the space ({@link #reserve}), so a
 * full disk refuses a write before it is applied, and a record written into room already there changes no
 * file length, which keeps the flush cheap. Records wait in memory until {@link #force} writes them; a
 * force that fails keeps them, and the next one writes them again.
 */
final class OperationLog implements Closeable {

    static final String SUFFIX = ".log";
    /** "SSOPLOG", then the format version. */
    private static final long MAGIC = 0x53534f504c4f4701L;
    private static final int SLOT_BYTES = 4096;
    private static final int SLOT_FIXED_BYTES = 30;
    static final int HEADER_BYTES = 2 * SLOT_BYTES;
    static final int RECORD_HEADER_BYTES = 24;
    /** The map name must fit a header slot. */
    static final int MAX_MAP_NAME_BYTES = SLOT_BYTES - SLOT_FIXED_BYTES;
    private static final int GROW_MIN_BYTES = 256 << 10;
    private static final int GROW_ALIGN_BYTES = 64 << 10;
    /** After a checkpoint, a log grown past this by a burst is cut back to it. */
    private static final long SHRINK_TO_BYTES = 16L << 20;

    private final DataFile file;
    private String mapName;
    /** The header's counter and the slot it is in. */
    private long headerCounter;
    private int headerSlot = 1;
    /** The pass of the records this open writes. */
    private long pass;

    // Guarded by this.
    /** The file offset of {@code pending[0]}: everything before it is forced. */
    private long durableEnd = HEADER_BYTES;
    /** Records appended but not yet forced. */
    private byte[] pending = new byte[64 << 10];
    private int pendingLength;
    /** The file's length: room written with zeros, or with records. */
    private long allocatedEnd;
    /** Room promised to changes being applied, not yet appended. */
    private long reserved;
    private long lastSeq;
    /** Whether {@link #growAhead()} is growing the file. */
    private boolean growingAhead;
    /** The sequence number the last successful force covered. */
    private long forcedSeq;

    private OperationLog(DataFile file) {
        this.file = file;
    }

    static Path pathFor(Path storeFile) {
        return storeFile.resolveSibling(storeFile.getFileName() + SUFFIX);
    }

    /**
     * Opens the log, creating it with the store's file permissions if missing. Nothing is replayed yet.
     *
     * @throws IOException if it cannot be created or opened
     */
    static OperationLog open(Path path, FileModes modes, boolean fsync, WriteFaults faults) throws IOException {
        modes.prepareFile(path);
        OperationLog log = new OperationLog(new DataFile(path, fsync, faults));
        log.allocatedEnd = log.file.length();
        return log;
    }

    /**
     * Replays the records above a checkpoint, in order, leaving the log ready for new records after the
     * last one replayed. Call {@link #beginPass} before appending.
     *
     * @param checkpoint the sequence number the store file holds every change up to
     * @param replay     applies one change to the map named by {@link #mapName()}
     * @return how many records were replayed
     * @throws IOException if the log cannot be read, or holds a record that passes its checksum but is not
     *                     a change
     */
    synchronized int replay(long checkpoint, Consumer<Change> replay) throws IOException {
        byte[] bytes = Files.readAllBytes(file.path());
        readHeader(bytes);
        long previousSeq = 0;
        long previousPass = 0;
        int position = HEADER_BYTES;
        int replayedEnd = HEADER_BYTES;
        int replayed = 0;
        while (mapName != null && bytes.length - position >= RECORD_HEADER_BYTES) {
            ByteBuffer header = ByteBuffer.wrap(bytes, position, RECORD_HEADER_BYTES);
            int length = header.getInt();
            int storedChecksum = header.getInt();
            long seq = header.getLong();
            long recordPass = header.getLong();
            if (length < 1 || length > bytes.length - position - RECORD_HEADER_BYTES || seq <= previousSeq
                    || recordPass < previousPass || recordPass > pass
                    || checksum(bytes, position + 8, RECORD_HEADER_BYTES - 8 + length) != storedChecksum) {
                break;
            }
            int end = position + RECORD_HEADER_BYTES + length;
            if (seq > checkpoint) {
                Change change;
                try {
                    change = Change.decode(bytes, position + RECORD_HEADER_BYTES, length);
                } catch (IOException damaged) {
                    throw new IOException("record " + seq + " at offset " + position + " of " + file + " passes its"
                            + " checksum but is not a change this version writes (" + damaged.getMessage() + "):"
                            + " the log was written by a newer version of statestore", damaged);
                }
                replay.accept(change);
                replayed++;
                replayedEnd = end;
            }
            previousSeq = seq;
            previousPass = recordPass;
            position = end;
        }
        // New records go after the last one replayed (the checkpoint holds everything before it), or from the
        // beginning when there was none.
        durableEnd = replayedEnd;
        pendingLength = 0;
        lastSeq = Math.max(checkpoint, previousSeq);
        forcedSeq = lastSeq;
        return replayed;
    }

    /** The map the log's records belong to, or {@code null} for a new log. */
    synchronized String mapName() {
        return mapName;
    }

    /** Reads the valid header slot with the higher counter, if any. */
    private void readHeader(byte[] bytes) {
        for (int slot = 0; slot < 2; slot++) {
            int at = slot * SLOT_BYTES;
            if (bytes.length < at + SLOT_FIXED_BYTES) {
                continue;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes, at, SLOT_BYTES - Math.max(0, at + SLOT_BYTES - bytes.length));
            if (buffer.getLong() != MAGIC) {
                continue;
            }
            long counter = buffer.getLong();
            long slotPass = buffer.getLong();
            int nameLength = buffer.getShort() & 0xffff;
            if (nameLength > MAX_MAP_NAME_BYTES || buffer.remaining() < nameLength + 4) {
                continue;
            }
            int checksumAt = at + SLOT_FIXED_BYTES - 4 + nameLength;
            if (checksum(bytes, at, checksumAt - at) != ByteBuffer.wrap(bytes, checksumAt, 4).getInt()) {
                continue;
            }
            if (mapName == null || counter > headerCounter) {
                mapName = new String(bytes, at + SLOT_FIXED_BYTES - 4, nameLength, StandardCharsets.UTF_8);
                headerCounter = counter;
                headerSlot = slot;
                pass = slotPass;
            }
        }
    }

    /**
     * Starts this open's pass: writes a header naming the map and a pass above every earlier one into the
     * slot not in use, and forces it, before any record of the pass is written. A log may change maps only
     * when no record awaits a checkpoint, since replay puts its records into the map its header names.
     *
     * @throws IOException if the header cannot be written
     */
    synchronized void beginPass(String name) throws IOException {
        if (!name.equals(mapName) && mapName != null && durableEnd + pendingLength > HEADER_BYTES) {
            throw new IllegalStateException("the log holds records of the map \"" + mapName + "\" that no checkpoint"
                    + " holds yet");
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int slot = 1 - headerSlot;
        ByteBuffer header = ByteBuffer.allocate(SLOT_BYTES);
        header.putLong(MAGIC).putLong(headerCounter + 1).putLong(pass + 1).putShort((short) nameBytes.length)
                .put(nameBytes);
        header.putInt(checksum(header.array(), 0, header.position()));
        if (allocatedEnd < HEADER_BYTES) {
            file.write(0, new byte[HEADER_BYTES], 0, HEADER_BYTES);
            allocatedEnd = HEADER_BYTES;
        }
        file.write((long) slot * SLOT_BYTES, header.array(), 0, SLOT_BYTES);
        file.force();
        headerCounter++;
        headerSlot = slot;
        pass++;
        mapName = name;
    }

    /**
     * Makes room for a record of at most {@code bytes} bytes, growing the file if needed; the caller
     * {@link #release}s it once its record is appended (or was not needed).
     *
     * @throws IOException if the file cannot grow, a full disk for instance; nothing is reserved then
     */
    synchronized void reserve(int bytes) throws IOException {
        long needed = durableEnd + pendingLength + reserved + bytes;
        boolean interrupted = false;
        while (needed > allocatedEnd && growingAhead) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (needed > allocatedEnd) {
            grow(needed);
        }
        reserved += bytes;
    }

    synchronized void release(int bytes) {
        reserved -= bytes;
    }

    /**
     * Claims the growing of the log ahead of need, when the room left runs low and no one grows it yet;
     * the claimer then calls {@link #growAhead()}.
     */
    synchronized boolean claimGrowth() {
        if (growingAhead || allocatedEnd - (durableEnd + pendingLength + reserved) >= GROW_MIN_BYTES / 2) {
            return false;
        }
        growingAhead = true;
        return true;
    }

    /** Gives up a growth {@link #claimGrowth() claimed} but never started. */
    synchronized void abandonGrowth() {
        growingAhead = false;
        notifyAll();
    }

    /**
     * Grows the log ahead of need, off the writers' path, after {@link #claimGrowth()}: writers keep
     * appending meanwhile, in the room already there. A failure (a full disk) is left for the writer that
     * needs the room to meet, and refuse its write on.
     */
    void growAhead() {
        long start;
        long end;
        synchronized (this) {
            start = allocatedEnd;
            end = align(start + Math.max(GROW_MIN_BYTES, start / 2));
        }
        boolean grown = false;
        try {
            file.fillWithZeros(start, end);
            forceGrowth(start);
            grown = true;
        } catch (IOException full) {
            // Given back; the writer that needs the room meets the error.
        } finally {
            synchronized (this) {
                if (grown) {
                    allocatedEnd = end;
                }
                growingAhead = false;
                notifyAll();
            }
        }
    }

    /** Writes zeros up to at least {@code needed}: generously if the disk has room, else just enough. */
    private void grow(long needed) throws IOException {
        long generous = align(Math.max(needed, allocatedEnd + Math.max(GROW_MIN_BYTES, allocatedEnd / 2)));
        try {
            fill(generous);
        } catch (IOException full) {
            try {
                fill(align(needed));
            } catch (IOException stillFull) {
                stillFull.addSuppressed(full);
                throw stillFull;
            }
        }
    }

    private static long align(long offset) {
        return (offset + GROW_ALIGN_BYTES - 1) / GROW_ALIGN_BYTES * GROW_ALIGN_BYTES;
    }

    private void fill(long end) throws IOException {
        long start = allocatedEnd;
        file.fillWithZeros(start, end);
        forceGrowth(start);
        allocatedEnd = end;
    }

    /** Forces newly written room to the disk, or gives it back. */
    private void forceGrowth(long start) throws IOException {
        try {
            file.force();
        } catch (IOException e) {
            try {
                file.setLength(start);
            } catch (IOException giveBack) {
                e.addSuppressed(giveBack);
            }
            throw e;
        }
    }

    /**
     * Appends a change's record, to be written by the next {@link #force}; the caller applied the change
     * and holds the locks that order it before every later change of the same keys.
     *
     * @return the record's sequence number
     */
    long append(Change change) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(new byte[RECORD_HEADER_BYTES]);
            change.writeTo(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        byte[] record = bytes.toByteArray();
        synchronized (this) {
            long seq = ++lastSeq;
            ByteBuffer header = ByteBuffer.wrap(record, 0, RECORD_HEADER_BYTES);
            header.putInt(record.length - RECORD_HEADER_BYTES).putInt(0).putLong(seq).putLong(pass);
            header.putInt(4, checksum(record, 8, record.length - 8));
            if (pendingLength + record.length > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + record.length));
            }
            System.arraycopy(record, 0, pending, pendingLength, record.length);
            pendingLength += record.length;
            return seq;
        }
    }

    /**
     * Writes the records appended so far and forces them to the disk. One caller at a time.
     *
     * @return the sequence number of the last record it made durable
     * @throws IOException if the write or the force fails; the records stay pending, for the next force
     */
    long force() throws IOException {
        byte[] chunk;
        long at;
        long covered;
        synchronized (this) {
            covered = lastSeq;
            if (pendingLength == 0 && forcedSeq == covered) {
                return covered;
            }
            chunk = Arrays.copyOf(pending, pendingLength);
            at = durableEnd;
        }
        if (chunk.length > 0) {
            file.write(at, chunk, 0, chunk.length);
        }
        file.force();
        synchronized (this) {
            System.arraycopy(pending, chunk.length, pending, 0, pendingLength - chunk.length);
            pendingLength -= chunk.length;
            durableEnd = at + chunk.length;
            allocatedEnd = Math.max(allocatedEnd, durableEnd);
            forcedSeq = covered;
            if (pending.length > (1 << 20) && pendingLength < pending.length / 4) {
                pending = Arrays.copyOf(pending, Math.max(64 << 10, pendingLength));
            }
        }
        return covered;
    }

    /**
     * Starts the log again from its beginning, after a checkpoint made every record so far part of the store
     * file; the caller keeps every writer out meanwhile. A log a burst made much larger than usual is cut
     * back.
     */
    void reset() {
        long shrinkTo;
        synchronized (this) {
            durableEnd = HEADER_BYTES;
            pendingLength = 0;
            forcedSeq = lastSeq;
            shrinkTo = allocatedEnd > 2 * SHRINK_TO_BYTES ? Math.max(SHRINK_TO_BYTES, HEADER_BYTES + reserved) : -1;
        }
        if (shrinkTo > 0) {
            try {
                file.setLength(shrinkTo);
                file.force();
                synchronized (this) {
                    allocatedEnd = shrinkTo;
                }
            } catch (IOException ignored) {
                // The log keeps its room; nothing is lost.
            }
        }
    }

    synchronized long lastSeq() {
        return lastSeq;
    }

    /** The bytes of records since the last checkpoint, written or not. */
    synchronized long usedBytes() {
        return durableEnd + pendingLength - HEADER_BYTES;
    }

    /** The bytes of records not yet forced. */
    synchronized int pendingBytes() {
        return pendingLength;
    }

    /** Tells whether there are records a checkpoint would take into the store file. */
    synchronized boolean hasRecords() {
        return durableEnd + pendingLength > HEADER_BYTES;
    }

    private static int checksum(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return "the log " + file;
    }
}

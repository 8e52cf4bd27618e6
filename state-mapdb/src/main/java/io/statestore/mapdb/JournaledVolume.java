package io.statestore.mapdb;

import io.statestore.mapdb.RedoJournal.Write;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.mapdb.DBException;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * The store file's volume, made crash-safe by a {@link RedoJournal}. MapDB's {@code StoreWAL} writes the
 * store file only while it commits, then calls {@link #sync()}; this volume holds those writes back until
 * then, and its {@code sync} writes them all to the journal (forced to the disk), copies them into the file,
 * forces the file and marks the journal applied. A crash at any point leaves either the previous commit
 * (journal incomplete, file untouched) or a complete journal that the next open replays.
 *
 * <p>A {@code sync} that fails (a full disk, an I/O error) keeps the writes it held, so that reads still see
 * the commit and a later {@code sync} finishes it: a commit whose journal was written whole is copied into
 * the file before the journal is written again, since the journal is then the only whole copy of it.
 *
 * <p>The copy goes through a {@link DataFile} of its own rather than through MapDB's volume: its errors name
 * the cause, a test can make it fail, and a memory-mapped file is never written through its mapping, where a
 * full disk would be a {@code SIGBUS} instead of an error. Reads go through MapDB's volume, which sees the same
 * pages.
 *
 * <p>MapDB's own write-ahead log cannot do this: it holds the changed records but not the index entries
 * that locate them, and MapDB 3.1 never replays it, so a crash during its copy could leave the file
 * unreadable.
 *
 * <p>Reads see writes still held back. Growing the file ({@link #ensureAvailable}) goes to the file at once,
 * as zeros written through the {@link DataFile}: so every byte a commit will copy has its room on the disk
 * before the journal is written, a full disk fails the commit while nothing needs finishing, and a
 * complete journal never needs more room to be copied (also when the next open replays it). A memory-mapped
 * file is grown to whole slices, so that its mapping never covers a hole (on a full tmpfs, even reading a
 * hole through a mapping faults). MapDB reads only up to the end its header records, so zeros beyond a
 * crashed commit's end are never read.
 */
final class JournaledVolume extends ForwardingVolume {

    private final RedoJournal journal;
    private final DataFile storeFile;
    /** Writes since the last completed sync, in order; guarded by {@code this}. */
    private final List<Write> pending = new ArrayList<>();
    /** How many of {@link #pending} (a prefix) the journal holds whole, not yet all in the file. */
    private int journaled;
    /** Whether {@link #pending} may be non-empty; lets reads skip the lock when nothing is held back. */
    private volatile boolean dirty;
    private final IntConsumer copyObserver;
    private final boolean finishJournaledFirst;
    /** The file grows in multiples of this: 1, or a memory-mapped file's slice. */
    private final long growthUnit;
    /** The file's bytes up to here have their room on the disk; guarded by {@code this}. */
    private long filledEnd;

    /**
     * @param delegate     the store file's volume, already locked and recovered
     * @param storeFile    the store file, for the copies into it
     * @param journal      the file's journal
     * @param growthUnit   the file grows in multiples of this: 1, or a memory-mapped file's slice size
     * @param hooks        a test's hooks, or {@link TestHooks#NONE}
     */
    JournaledVolume(Volume delegate, DataFile storeFile, RedoJournal journal, long growthUnit, TestHooks hooks)
            throws IOException {
        super(delegate);
        this.storeFile = storeFile;
        this.journal = journal;
        this.growthUnit = growthUnit;
        this.copyObserver = hooks.copyObserver();
        this.finishJournaledFirst = hooks.finishJournaledFirst();
        this.filledEnd = storeFile.length();
    }

    // ---- growing: zeros, written before MapDB's volume grows ----

    @Override
    public synchronized void ensureAvailable(long offset) {
        long end = (offset + growthUnit - 1) / growthUnit * growthUnit;
        if (end > filledEnd) {
            try {
                storeFile.fillWithZeros(filledEnd, end);
            } catch (IOException e) {
                throw new DBException.VolumeIOError(e.getMessage(), e);
            }
            filledEnd = end;
        }
        delegate.ensureAvailable(offset);
    }

    // ---- writes are held back until sync ----

    private synchronized void hold(long offset, int length, byte[] data) {
        if (offset < 0 || length < 0) {
            throw new DBException.DataCorruption("a write of " + length + " bytes at offset " + offset);
        }
        if (length > 0) {
            pending.add(new Write(offset, length, data));
            dirty = true;
        }
    }

    @Override
    public void putLong(long offset, long value) {
        hold(offset, Long.BYTES, ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    @Override
    public void putInt(long offset, int value) {
        hold(offset, Integer.BYTES, ByteBuffer.allocate(Integer.BYTES).putInt(value).array());
    }

    @Override
    public void putByte(long offset, byte value) {
        hold(offset, 1, new byte[] {value});
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        hold(offset, srcSize, java.util.Arrays.copyOfRange(src, srcPos, srcPos + srcSize));
    }

    @Override
    public void putDataOverlap(long offset, byte[] src, int srcPos, int srcSize) {
        putData(offset, src, srcPos, srcSize);
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        ByteBuffer source = buf.duplicate();
        byte[] data = new byte[source.remaining()];
        source.get(data);
        hold(offset, data.length, data);
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        clearOverlap(startOffset, endOffset);
    }

    @Override
    public void clearOverlap(long startOffset, long endOffset) {
        long length = endOffset - startOffset;
        for (long done = 0; done < length; done += Integer.MAX_VALUE) {
            hold(startOffset + done, (int) Math.min(Integer.MAX_VALUE, length - done), null);
        }
    }

    @Override
    public void truncate(long size) {
        synchronized (this) {
            if (dirty) {
                throw new IllegalStateException("cannot truncate the store file with a commit in progress");
            }
        }
        delegate.truncate(size);
    }

    // ---- reads see held-back writes ----

    @Override
    public long getLong(long offset) {
        return dirty ? ByteBuffer.wrap(read(offset, Long.BYTES)).getLong() : delegate.getLong(offset);
    }

    @Override
    public int getInt(long offset) {
        return dirty ? ByteBuffer.wrap(read(offset, Integer.BYTES)).getInt() : delegate.getInt(offset);
    }

    @Override
    public byte getByte(long offset) {
        return dirty ? read(offset, 1)[0] : delegate.getByte(offset);
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        return dirty ? new DataInput2.ByteArray(read(offset, size)) : delegate.getDataInput(offset, size);
    }

    @Override
    public DataInput2 getDataInputOverlap(long offset, int size) {
        return dirty ? new DataInput2.ByteArray(read(offset, size)) : delegate.getDataInputOverlap(offset, size);
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        if (dirty) {
            System.arraycopy(read(offset, size), 0, bytes, bytesPos, size);
        } else {
            delegate.getData(offset, bytes, bytesPos, size);
        }
    }

    /** Reads the file's bytes with the held-back writes laid over them, later writes over earlier ones. */
    private synchronized byte[] read(long offset, int size) {
        byte[] bytes = new byte[size];
        long available = Math.min(size, Math.max(0, delegate.length() - offset));
        if (available > 0) {
            try {
                delegate.getDataInputOverlap(offset, (int) available).readFully(bytes, 0, (int) available);
            } catch (IOException e) {
                throw new DBException.VolumeIOError(e);
            }
        }
        for (Write write : pending) {
            write.overlay(offset, bytes);
        }
        return bytes;
    }

    // ---- commit ----

    @Override
    public synchronized void sync() {
        try {
            if (journaled > 0 && finishJournaledFirst) {
                finish();
            }
            if (pending.isEmpty()) {
                storeFile.force();
                return;
            }
            journal.write(pending);
            journaled = pending.size();
            finish();
        } catch (IOException e) {
            throw new DBException.VolumeIOError(e.getMessage(), e);
        }
    }

    /** Copies the journaled writes into the file, forces it and marks the journal applied. */
    private void finish() throws IOException {
        List<Write> commit = pending.subList(0, journaled);
        copyIntoFile(delegate, storeFile, commit, copyObserver);
        storeFile.force();
        journal.markApplied();
        commit.clear();
        journaled = 0;
        dirty = !pending.isEmpty();
    }

    /**
     * Copies a commit's writes into the store file, in order; also how an open replays a journal.
     *
     * @param volume MapDB's volume of the file, grown first so that it covers the writes
     */
    static void copyIntoFile(Volume volume, DataFile file, List<Write> writes, IntConsumer copyObserver)
            throws IOException {
        long end = 0;
        for (Write write : writes) {
            end = Math.max(end, write.end());
        }
        volume.ensureAvailable(end);
        byte[] zeros = null;
        int copied = 0;
        for (Write write : writes) {
            if (write.data() == null) {
                if (zeros == null) {
                    zeros = new byte[64 << 10];
                }
                for (long at = write.offset(); at < write.end(); at += zeros.length) {
                    file.write(at, zeros, 0, (int) Math.min(zeros.length, write.end() - at));
                }
            } else {
                file.write(write.offset(), write.data(), 0, write.length());
            }
            copyObserver.accept(++copied);
        }
    }

    /**
     * Closes the file and the journal. Writes still held back belong to a commit whose sync failed; they are
     * dropped here, and the next open replays that commit if its journal was written whole, or else finds
     * the file as the commit before it left it.
     */
    @Override
    public synchronized void close() {
        pending.clear();
        journaled = 0;
        dirty = false;
        try (DataFile file = storeFile; RedoJournal closing = journal) {
            // Both closed here, before MapDB's volume releases the file's lock.
        } catch (IOException e) {
            throw new DBException.VolumeIOError(e);
        } finally {
            delegate.close();
        }
    }

    @Override
    public void deleteFile() {
        delegate.deleteFile();
        journal.delete();
    }
}

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
 * <p>MapDB's own write-ahead log cannot do this: it holds the changed records but not the index entries
 * that locate them, and MapDB 3.1 never replays it, so a crash during its copy could leave the file
 * unreadable.
 *
 * <p>Reads see writes still held back (MapDB does not read the file while it commits, but nothing here
 * relies on that). Growing the file ({@link #ensureAvailable}) goes to the file at once: MapDB reads only
 * up to the end its header records, so zeros beyond a crashed commit's end are never read.
 */
final class JournaledVolume extends ForwardingVolume {

    private final RedoJournal journal;
    private final boolean fsync;
    /** Writes since the last sync, in order; guarded by {@code this}. */
    private final List<Write> pending = new ArrayList<>();
    /** Whether {@link #pending} may be non-empty; lets reads skip the lock when nothing is held back. */
    private volatile boolean dirty;
    private final IntConsumer copyObserver;

    /**
     * @param delegate     the store file's volume, already locked and recovered
     * @param journal      the file's journal
     * @param fsync        whether commits force the journal and the file to the disk
     * @param copyObserver told how many writes of a commit have been copied into the file, after each one;
     *                     lets a test kill the process in the middle of a copy
     */
    JournaledVolume(Volume delegate, RedoJournal journal, boolean fsync, IntConsumer copyObserver) {
        super(delegate);
        this.journal = journal;
        this.fsync = fsync;
        this.copyObserver = copyObserver;
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
        if (pending.isEmpty()) {
            if (fsync) {
                delegate.sync();
            }
            return;
        }
        try {
            journal.write(pending, fsync);
        } catch (IOException e) {
            throw new DBException.VolumeIOError("cannot write " + journal + ": " + e, e);
        }
        copyIntoFile(delegate, pending, copyObserver);
        if (fsync) {
            delegate.sync();
        }
        try {
            journal.markApplied();
        } catch (IOException e) {
            throw new DBException.VolumeIOError("cannot mark " + journal + " applied: " + e, e);
        }
        pending.clear();
        dirty = false;
    }

    /** Copies a commit's writes into the store file, in order; also how an open replays a journal. */
    static void copyIntoFile(Volume file, List<Write> writes, IntConsumer copyObserver) {
        long end = 0;
        for (Write write : writes) {
            end = Math.max(end, write.end());
        }
        file.ensureAvailable(end);
        int copied = 0;
        for (Write write : writes) {
            if (write.data() == null) {
                file.clearOverlap(write.offset(), write.end());
            } else {
                file.putDataOverlap(write.offset(), write.data(), 0, write.length());
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
        dirty = false;
        try {
            journal.close();
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

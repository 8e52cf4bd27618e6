package io.statestore.mapdb;

import io.statestore.mapdb.RedoJournal.Write;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.mapdb.CC;
import org.mapdb.DBException;
import org.mapdb.volume.MappedFileVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/**
 * The volumes of one store file, as MapDB's {@code StoreWAL} asks for them: the store file itself becomes a
 * {@link JournaledVolume}, after its journal is replayed if a crash left one complete; MapDB's write-ahead
 * log files ({@code FILE.wal.N}) are never forced to the disk.
 *
 * <p>Not forcing the write-ahead log is safe because nothing reads it after a crash: MapDB 3.1 does not
 * replay it, and the journal is what recovers a commit. Forcing it would only add a disk flush per commit.
 *
 * <p>Interrupts: memory-mapped files are opened, grown, truncated and closed through an interruptible
 * {@code FileChannel}, so they are {@link ShieldedVolume}s; the journal and {@code RandomAccessFile}s do no
 * interruptible I/O.
 */
final class JournaledFiles extends VolumeFactory {

    /** A MapDB 3 store file's first two bytes: {@code CC.FILE_HEADER}, {@code CC.FILE_TYPE_STOREDIRECT}. */
    private static final long STORE_FILE_HEADER = CC.FILE_HEADER << 8 | CC.FILE_TYPE_STOREDIRECT;

    private final Path storeFile;
    private final String storeFileName;
    private final Path journalFile;
    private final VolumeFactory files;
    private final boolean mapLog;
    /** Runs the memory-mapped store file's interruptible operations; {@code null} for a RandomAccessFile. */
    private final IoThread ioThread;
    private final boolean fsync;
    private final IntConsumer copyObserver;
    /** What {@link #exists} answered for the store file, before MapDB locked it; {@code null} if not asked. */
    private Boolean existed;
    private JournaledVolume storeVolume;

    /**
     * @param storeFile    the store file
     * @param mmap         whether to memory-map it where the platform supports large mappings
     * @param mapLog       whether to memory-map MapDB's write-ahead log too, if the store file is
     * @param fsync        whether commits force the journal and the file to the disk
     * @param copyObserver see {@link JournaledVolume}
     */
    JournaledFiles(Path storeFile, boolean mmap, boolean mapLog, boolean fsync, IntConsumer copyObserver) {
        this.storeFile = storeFile.toAbsolutePath();
        this.storeFileName = this.storeFile.toString();
        this.journalFile = RedoJournal.pathFor(this.storeFile);
        boolean mapped = mmap && supportsLargeMappings();
        this.files = mapped ? new MappedFileVol.MappedFileFactory(false, false) : RandomAccessFileVol.FACTORY;
        this.mapLog = mapped && mapLog;
        this.ioThread = mapped ? new IoThread("statestore-mapdb-file") : null;
        this.fsync = fsync;
        this.copyObserver = copyObserver;
    }

    /** The platforms on which MapDB's own {@code fileMmapEnableIfSupported} maps files. */
    private static boolean supportsLargeMappings() {
        return System.getProperty("os.arch", "").contains("64")
                && !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** The name to give MapDB for the store file. */
    String storeFileName() {
        return storeFileName;
    }

    /** Whether the store file held a commit when MapDB opened it, that is, whether it was opened, not created. */
    boolean existed() {
        return Boolean.TRUE.equals(existed);
    }

    /** Closes the store file if MapDB opened it but then failed, so that the file is not left locked. */
    void closeAfterFailedOpen(Throwable failure) {
        try {
            if (storeVolume != null && !storeVolume.isClosed()) {
                storeVolume.close();
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        } finally {
            if (ioThread != null) {
                ioThread.close();
            }
        }
    }

    @Override
    public boolean exists(String file) {
        if (!storeFileName.equals(file)) {
            return files.exists(file);
        }
        try {
            existed = Files.exists(storeFile) && Files.size(storeFile) > 0 && holdsCommit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + storeFile + ": " + e, e);
        }
        return existed;
    }

    /**
     * Whether the non-empty store file holds a commit: its journal holds one, or MapDB's header is there.
     * MapDB writes the header in the file's first commit, so a file of zeros is one whose creation was cut
     * short before anything was stored. A file with some other header is refused here, before MapDB opens
     * it: a memory-mapped open would already have grown it.
     */
    private boolean holdsCommit() throws IOException {
        if (RedoJournal.readCommitted(journalFile).isPresent()) {
            return true;
        }
        long header;
        try (RandomAccessFile file = new RandomAccessFile(storeFile.toFile(), "r")) {
            header = file.length() >= Long.BYTES ? file.readLong() : 0;
        }
        if (header != 0 && header >>> 48 != STORE_FILE_HEADER) {
            throw new DBException.WrongFormat(String.format("not a MapDB store file: it starts with %016x,"
                    + " where a MapDB file starts with %04x", header, STORE_FILE_HEADER));
        }
        return header != 0;
    }

    /** The store never opens a file read-only, so it never asks for read-only volumes. */
    @Override
    public boolean handlesReadonly() {
        return false;
    }

    @Override
    public Volume makeVolume(String file, boolean readOnly, long fileLockWait, int sliceShift, long initSize,
            boolean fixedSize) {
        if (!storeFileName.equals(file)) {
            Volume log = mapLog ? open(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize, false)
                    : RandomAccessFileVol.FACTORY.makeVolume(file, readOnly, fileLockWait, sliceShift, initSize,
                            fixedSize);
            return new ForwardingVolume(log) {
                @Override
                public void sync() {
                    // MapDB's write-ahead log: see the class comment.
                }
            };
        }
        if (existed == null) {
            exists(file); // refuses a file that is not MapDB's before it is opened
        }
        Volume volume = open(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize, true);
        boolean recovered = false;
        try {
            recover(volume);
            storeVolume = new JournaledVolume(volume, new RedoJournal(journalFile), fsync, copyObserver);
            recovered = true;
            return storeVolume;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot recover " + storeFile + " from " + journalFile + ": " + e, e);
        } finally {
            if (!recovered) {
                volume.close();
            }
        }
    }

    /** Opens a file, shielded when it is memory-mapped; closing the store file's volume ends the I/O thread. */
    private Volume open(String file, boolean readOnly, long fileLockWait, int sliceShift, long initSize,
            boolean fixedSize, boolean isStoreFile) {
        if (ioThread == null) {
            return files.makeVolume(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
        }
        return ShieldedVolume.open(ioThread, isStoreFile,
                () -> files.makeVolume(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize));
    }

    /**
     * Finishes a commit a crash interrupted, now that this process holds the store file's lock: a complete
     * journal is copied into the file again. A journal beside an empty file belongs to an earlier file of
     * the same name and is deleted.
     */
    private void recover(Volume volume) throws IOException {
        boolean empty = Files.size(storeFile) == 0;
        Optional<List<Write>> committed = RedoJournal.readCommitted(journalFile);
        if (empty) {
            Files.deleteIfExists(journalFile);
        } else if (committed.isPresent()) {
            JournaledVolume.copyIntoFile(volume, committed.get(), copied -> { });
            if (fsync) {
                volume.sync();
            }
            try (RedoJournal journal = new RedoJournal(journalFile)) {
                journal.markApplied();
            }
        }
        if (existed != null && existed != (!empty && (committed.isPresent()
                || volume.length() >= Long.BYTES && volume.getLong(0) != 0))) {
            throw new FileChangedWhileLocking(storeFile);
        }
    }

    /** Another process created or replaced the store file between MapDB's first look and its lock. */
    static final class FileChangedWhileLocking extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FileChangedWhileLocking(Path file) {
            super("the MapDB file " + file + " was created or replaced by another process while this one waited"
                    + " for it");
        }
    }
}

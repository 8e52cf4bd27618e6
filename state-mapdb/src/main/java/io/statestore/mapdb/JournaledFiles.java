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
import java.util.concurrent.CopyOnWriteArrayList;
import org.mapdb.CC;
import org.mapdb.DBException;
import org.mapdb.volume.ByteArrayVol;
import org.mapdb.volume.MappedFileVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/**
 * The volumes of one store file, as MapDB's {@code StoreWAL} asks for them: the store file itself becomes a
 * {@link JournaledVolume}, after its journal is replayed if a crash left one complete; MapDB's write-ahead
 * log ({@code FILE.wal.N}) is kept in memory.
 *
 * <p>A write-ahead log in memory is safe because nothing reads it after a crash: MapDB 3.1 does not replay
 * it, the journal is what makes a commit atomic, and the store's own log ({@link OperationLog}) is what makes
 * a write durable. In memory, a change between two checkpoints touches no file at all, so no I/O error can
 * leave half of it in MapDB's structures, and nothing of the data is written outside the store's private
 * files. Its size is what {@link #writeAheadBytes()} reports; a checkpoint empties it.
 */
final class JournaledFiles extends VolumeFactory {

    /** A MapDB 3 store file's first two bytes: {@code CC.FILE_HEADER}, {@code CC.FILE_TYPE_STOREDIRECT}. */
    private static final long STORE_FILE_HEADER = CC.FILE_HEADER << 8 | CC.FILE_TYPE_STOREDIRECT;

    private final Path storeFile;
    private final String storeFileName;
    private final Path journalFile;
    private final VolumeFactory files;
    private final boolean mapped;
    private final boolean fsync;
    private final FileModes modes;
    private final WriteFaults faults;
    private final TestHooks hooks;
    /** MapDB's write-ahead log files, in memory. */
    private final List<Volume> writeAheadLog = new CopyOnWriteArrayList<>();
    /** What {@link #exists} answered for the store file, before MapDB locked it; {@code null} if not asked. */
    private Boolean existed;
    private JournaledVolume storeVolume;

    /**
     * @param storeFile    the store file
     * @param mmap         whether to memory-map it where the platform supports large mappings
     * @param fsync        whether commits force the journal and the file to the disk
     * @param modes        the permissions of the files the store creates
     * @param hooks        a test's hooks, or {@link TestHooks#NONE}
     */
    JournaledFiles(Path storeFile, boolean mmap, boolean fsync, FileModes modes, TestHooks hooks) {
        this.storeFile = storeFile.toAbsolutePath();
        this.storeFileName = this.storeFile.toString();
        this.journalFile = RedoJournal.pathFor(this.storeFile);
        // The journaled volume fills the file's growth with zeros itself (see JournaledVolume).
        this.mapped = mmap && supportsLargeMappings();
        this.files = mapped ? new MappedFileVol.MappedFileFactory(false, true) : RandomAccessFileVol.FACTORY;
        this.fsync = fsync;
        this.modes = modes;
        this.faults = hooks.faults();
        this.hooks = hooks;
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
        }
    }

    /** The bytes MapDB's write-ahead log holds in memory: what the changes since the last checkpoint cost. */
    long writeAheadBytes() {
        long bytes = 0;
        for (Volume volume : writeAheadLog) {
            if (volume.isClosed()) {
                writeAheadLog.remove(volume);
            } else {
                bytes += volume.length();
            }
        }
        return bytes;
    }

    /**
     * Deletes write-ahead log files an earlier version of the store left on the disk: MapDB never reads them,
     * and they may hold data outside the store's private files.
     */
    void deleteLeftoverWriteAheadLogs() throws IOException {
        String prefix = storeFile.getFileName() + ".wal.";
        try (java.util.stream.Stream<Path> siblings = Files.list(storeFile.getParent())) {
            for (Path sibling : (Iterable<Path>) siblings::iterator) {
                String name = sibling.getFileName().toString();
                if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]+")) {
                    Files.deleteIfExists(sibling);
                }
            }
        }
    }

    @Override
    public boolean exists(String file) {
        if (!storeFileName.equals(file)) {
            return false;
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
            Volume log = (hooks.writeAheadLogInMemory() ? ByteArrayVol.FACTORY : RandomAccessFileVol.FACTORY)
                    .makeVolume(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
            writeAheadLog.add(log);
            return log;
        }
        if (existed == null) {
            exists(file); // refuses a file that is not MapDB's before it is opened
        }
        long lengthBeforeMapping = storeFile.toFile().length();
        Volume volume = files.makeVolume(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
        DataFile data = null;
        RedoJournal journal = null;
        try {
            data = new DataFile(storeFile, fsync, faults);
            long growthUnit = 1;
            if (mapped) {
                // Mapping whole slices grew the file without room on the disk: give the tail its room.
                growthUnit = volume.sliceSize();
                data.fillWithZeros(lengthBeforeMapping, data.length());
            }
            recover(volume, data);
            journal = new RedoJournal(journalFile, modes, fsync, faults);
            storeVolume = new JournaledVolume(volume, data, journal, growthUnit, hooks);
            return storeVolume;
        } catch (IOException | RuntimeException e) {
            closeQuietly(data, e);
            closeQuietly(journal, e);
            volume.close();
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new UncheckedIOException("cannot recover " + storeFile + " from " + journalFile + ": "
                    + e.getMessage(), (IOException) e);
        }
    }

    private static void closeQuietly(java.io.Closeable closeable, Throwable failure) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Finishes a commit a crash interrupted, now that this process holds the store file's lock: a complete
     * journal is copied into the file again. A journal beside an empty file belongs to an earlier file of
     * the same name and is deleted.
     */
    private void recover(Volume volume, DataFile data) throws IOException {
        boolean empty = Files.size(storeFile) == 0;
        Optional<List<Write>> committed = RedoJournal.readCommitted(journalFile);
        if (empty) {
            Files.deleteIfExists(journalFile);
        } else if (committed.isPresent()) {
            JournaledVolume.copyIntoFile(volume, data, committed.get(), copied -> { });
            data.force();
            try (RedoJournal journal = new RedoJournal(journalFile, modes, fsync, faults)) {
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

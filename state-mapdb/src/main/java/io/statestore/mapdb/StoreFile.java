package io.statestore.mapdb;

import io.statestore.StateStoreException;
import io.statestore.spi.EntryLimit;
import io.statestore.spi.Expiry;
import io.statestore.value.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;

/**
 * Opening a store file: its directory and files with the store's permissions, MapDB's transactional store
 * over {@link JournaledFiles} (which finishes a commit a crash interrupted), the log replayed
 * ({@link LoggedCommits#recover}), maps of an earlier version given checksums ({@link Entries#upgrade}), and
 * the verification that refuses a damaged file at once. Every failure becomes a {@link StateStoreException}
 * that names the file and says what to do.
 */
final class StoreFile {

    private StoreFile() {
    }

    /**
     * Opens (or creates) a store file.
     *
     * @throws StateStoreException if the file is in use by another process, damaged, or cannot be opened
     */
    static MapDbStateStore open(MapDbSettings settings, TestHooks hooks) {
        Path file = settings.file().toAbsolutePath();
        String where = "the MapDB file " + file;
        if (!Files.exists(file)) {
            if (!settings.create()) {
                throw new StateStoreException(where + " does not exist and create=false; create it or drop"
                        + " create=false");
            }
            try {
                settings.modes().createDirectories(file.getParent());
            } catch (IOException e) {
                throw new StateStoreException("cannot create the directory for " + where + ": " + e, e);
            }
        }
        StoreThread thread = new StoreThread("statestore-mapdb " + file.getFileName());
        try {
            return thread.call(() -> openOnStoreThread(settings, file, where, hooks, thread));
        } catch (RuntimeException | Error e) {
            thread.close();
            throw e;
        }
    }

    private static MapDbStateStore openOnStoreThread(MapDbSettings settings, Path file, String where,
            TestHooks hooks, StoreThread thread) {
        JournaledFiles files;
        DB db;
        try {
            settings.modes().prepareFile(file);
            files = new JournaledFiles(file, settings.mmap(), settings.fsync(), settings.modes(), hooks);
            db = openDb(files, settings.lockWait());
        } catch (DBException.FileLocked | OverlappingFileLockException e) {
            throw new StateStoreException(where + " is in use by another process (or already open in this one):"
                    + " only one process may open a MapDB file at a time; close the other user, or use another"
                    + " file" + (settings.lockWait().isZero() ? "" : " (waited " + settings.lockWait().toMillis()
                    + " ms)"), e);
        } catch (IOException e) {
            throw new StateStoreException("cannot open " + where + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw damaged(where, e);
        }
        OperationLog log = null;
        try {
            BTreeMap<String, byte[]> map = treeMap(db, settings.mapName(), where);
            files.deleteLeftoverWriteAheadLogs();
            log = OperationLog.open(OperationLog.pathFor(file), settings.modes(), settings.fsync(), hooks.faults());
            LoggedCommits commits = LoggedCommits.recover(settings, db, files, log, map, thread, where);
            if (Entries.upgrade(db, settings.mapName(), map)) {
                db.commit();
            }
            // Without verification, a map that holds anything may hold values that expire.
            boolean expiring = settings.verify() ? verify(map, where) : !map.isEmpty();
            MapDbStateStore store = new MapDbStateStore(settings.uri(), db, map, commits, where,
                    settings.maxEntries() > 0 ? new EntryLimit(settings.maxEntries(), settings.uri(), map.sizeLong())
                            : null);
            if (expiring) {
                store.mayHoldExpiring();
            }
            return store;
        } catch (IOException | UncheckedIOException e) {
            closeQuietly(db, log, e);
            throw new StateStoreException("cannot open " + where + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(db, log, e);
            throw damaged(where, e);
        }
    }

    /**
     * Opens the file through MapDB's transactional store, with {@link JournaledFiles} as its volumes, which
     * is what {@code DBMaker.fileDB(file).transactionEnable()} builds, with the journal added.
     */
    private static DB openDb(JournaledFiles files, Duration lockWait) {
        try {
            return openDbOnce(files, lockWait);
        } catch (JournaledFiles.FileChangedWhileLocking e) {
            // Another process created the file while this one waited for its lock: look at it afresh.
            return openDbOnce(files, lockWait);
        }
    }

    private static DB openDbOnce(JournaledFiles files, Duration lockWait) {
        try {
            StoreWAL store = new StoreWAL(files.storeFileName(), files, lockWait.toMillis(), true,
                    CC.STORE_DIRECT_CONC_SHIFT, 0L, 0L, false, false, false, true, false);
            return new DB(store, files.existed(), true, Thread.currentThread().getContextClassLoader(), 0);
        } catch (RuntimeException | Error e) {
            files.closeAfterFailedOpen(e);
            throw e;
        }
    }

    /** The store's map in a DB, created if absent; refused if the name holds another kind of collection. */
    static BTreeMap<String, byte[]> treeMap(DB db, String mapName, String where) {
        try {
            return db.treeMap(mapName, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the map \"" + mapName + "\" in " + where + " cannot be opened as a"
                    + " tree map of String keys to byte[] values (was it created by something else under that"
                    + " name?): " + e, e);
        }
    }

    /**
     * Reads every entry once, so a damaged B-tree or value fails here rather than in some later call. A
     * B-tree iterates in strictly ascending key order; a key that is not above the one before it means the
     * tree's links are damaged (a cycle would otherwise make this loop forever). Each value must pass its
     * checksum and decode. Answers whether any value expires.
     */
    static boolean verify(BTreeMap<String, byte[]> map, String where) {
        boolean expiring = false;
        Comparator<? super String> order = map.comparator();
        String previous = null;
        for (Map.Entry<String, byte[]> entry : map.entrySet()) {
            String key = entry.getKey();
            if (previous != null && (order == null ? key.compareTo(previous) : order.compare(key, previous)) <= 0) {
                throw new IllegalStateException("the B-tree's keys are out of order (\"" + Keys.excerpt(key)
                        + "\" after \"" + Keys.excerpt(previous) + "\")");
            }
            previous = key;
            Entries.decode(key, entry.getValue(), where);
            expiring |= Entries.expiresAt(entry.getValue()) != Expiry.NONE;
        }
        return expiring;
    }

    private static RuntimeException damaged(String where, Throwable e) {
        if (e instanceof IllegalArgumentException || e instanceof StateStoreException) {
            return (RuntimeException) e;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.io.IOException) {
                // The disk refused a read or write (a full disk when the file is created, say): not damage.
                return new StateStoreException("cannot open " + where + ": " + cause.getMessage(), e);
            }
        }
        return new StateStoreException(where + " cannot be read (" + e + "): it is damaged, or it is not a"
                + " MapDB file. A crash does not do this (opening finishes or discards a commit a crash"
                + " interrupted, see docs/mapdb.md, \"Crash behaviour\"), but a disk fault, another program"
                + " writing the file, or a copy taken while the store was open can; restore it from a backup", e);
    }

    private static void closeQuietly(DB db, OperationLog log, Throwable failure) {
        try {
            if (log != null) {
                log.close();
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        try {
            db.close();
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }
}

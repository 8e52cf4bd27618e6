package io.statestore.mapdb;

import io.statestore.StateStoreClosedException;
import io.statestore.StateStoreException;
import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Counters;
import io.statestore.value.Keys;
import io.statestore.value.ValueCodec;
import io.statestore.value.Values;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreDirectAbstract;
import org.mapdb.StoreWAL;
import org.mapdb.volume.ByteArrayVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.VolumeFactory;

/**
 * A store in one MapDB file: a {@link BTreeMap} from keys to the value model's msgpack bytes
 * ({@link ValueCodec}), in a {@link DB} opened with transactions and a redo journal beside the file
 * ({@code FILE.journal}), so that after a crash the file reopens as of its last complete commit. When
 * commits happen is the {@link Durability} mode.
 *
 * <p>Guarantees: every method is thread-safe; {@code incr}, {@code compareAndSet} and every write are
 * atomic per key (a striped lock per key hash guards each read-modify-write, so MapDB's
 * {@code compute}/{@code merge} are never used); a {@code storeAll} or {@code clear} is applied between
 * two commits, never split by one, so a crash keeps all of it or none of it. A read may see a write whose
 * {@link Durability#SYNC} writer has not yet returned, that is, before it is durable.
 *
 * <p>Only one process may open a file: a second one fails at once with a {@link StateStoreException}
 * naming the file. A thread interrupted while it calls the store does not harm the store: its call
 * completes and the thread's interrupt status is kept.
 */
public final class MapDbStateStore extends AbstractStateStore {

    /** The map name used when none is given. */
    public static final String DEFAULT_MAP_NAME = "state";

    private static final int STRIPE_COUNT = 64;

    private final DB db;
    private final boolean ownsDb;
    private final BTreeMap<String, byte[]> map;
    private final Durability durability;
    private final String fileDescription;

    /* Lock order: key stripes (ascending index), then commitGate, then the map's own locks. */
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPE_COUNT];
    /** Writers hold it shared while they apply a change; a commit holds it exclusively. */
    private final ReentrantReadWriteLock commitGate = new ReentrantReadWriteLock();
    /** One commit at a time; a SYNC writer that finds its write committed meanwhile skips its own. */
    private final ReentrantLock committer = new ReentrantLock();
    /** Counts applied changes; a change's number is taken while it holds the commit gate. */
    private final AtomicLong appliedChanges = new AtomicLong();
    /** The number of changes the last commit covered; written only under {@link #committer}. */
    private volatile long committedChanges;
    private volatile LongConsumer commitObserver = committed -> { };
    private final ScheduledExecutorService groupCommitter;
    private volatile StateStoreException backgroundCommitFailure;
    /** Runs the writes and commits of a wrapped DB whose file I/O is interruptible; {@code null} otherwise. */
    private final IoThread ioThread;

    private MapDbStateStore(String description, DB db, boolean ownsDb, String mapName, Durability durability,
            Duration commitWindow, String fileDescription) {
        super(description);
        this.db = db;
        this.ownsDb = ownsDb;
        this.durability = durability;
        this.fileDescription = fileDescription;
        for (int i = 0; i < STRIPE_COUNT; i++) {
            stripes[i] = new ReentrantLock();
        }
        this.ioThread = interruptibleIo(db) ? new IoThread("statestore-mapdb-io") : null;
        try {
            this.map = db.treeMap(mapName, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
            db.commit();
        } catch (RuntimeException e) {
            if (ioThread != null) {
                ioThread.close();
            }
            throw new IllegalArgumentException("the map \"" + mapName + "\" in " + fileDescription
                    + " cannot be opened as a tree map of String keys to byte[] values (was it created by"
                    + " something else under that name?): " + e, e);
        }
        if (durability == Durability.GROUP) {
            long millis = Math.max(1, commitWindow.toMillis());
            groupCommitter = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "statestore-mapdb-committer");
                thread.setDaemon(true);
                return thread;
            });
            groupCommitter.scheduleWithFixedDelay(this::backgroundCommit, millis, millis, TimeUnit.MILLISECONDS);
        } else {
            groupCommitter = null;
        }
    }

    /**
     * Tells whether MapDB's volumes for this DB do I/O through an interruptible channel that the store must
     * shield: all but the random-access-file volume (the default for files) and the heap volume do, except
     * for a file the store opened itself, whose volumes shield their own interruptible operations.
     */
    private static boolean interruptibleIo(DB db) {
        if (db.getStore() instanceof StoreDirectAbstract) {
            VolumeFactory factory = ((StoreDirectAbstract) db.getStore()).getVolumeFactory();
            if (factory instanceof JournaledFiles) {
                return false;
            }
            return factory != RandomAccessFileVol.FACTORY && factory != ByteArrayVol.FACTORY;
        }
        return true;
    }

    /**
     * Opens (or creates) a store file as {@link MapDbStateStoreProvider} does for a {@code mapdb:} URI.
     *
     * @param settings the checked settings
     * @return an open store that owns its {@link DB}
     * @throws StateStoreException if the file is in use by another process or cannot be opened
     */
    static MapDbStateStore open(MapDbSettings settings) {
        return open(settings, copied -> { });
    }

    /**
     * Opens a store file, telling {@code copyObserver} how many writes of each commit have been copied into
     * the file (see {@link JournaledVolume}); lets a test kill the process in the middle of a commit.
     */
    static MapDbStateStore open(MapDbSettings settings, IntConsumer copyObserver) {
        Path file = settings.file();
        String where = "the MapDB file " + file.toAbsolutePath();
        if (!Files.exists(file)) {
            if (!settings.create()) {
                throw new StateStoreException(where + " does not exist and create=false; create it or"
                        + " drop create=false");
            }
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            } catch (java.io.IOException e) {
                throw new StateStoreException("cannot create the directory for " + where + ": " + e, e);
            }
        }
        DB db;
        try {
            db = openDb(settings, copyObserver);
        } catch (DBException.FileLocked | OverlappingFileLockException e) {
            throw new StateStoreException(where + " is in use by another process (or already open in this"
                    + " one): only one process may open a MapDB file at a time; close the other user, or use"
                    + " another file" + (settings.lockWait().isZero() ? "" : " (waited " + settings.lockWait()
                    .toMillis() + " ms)"), e);
        } catch (RuntimeException e) {
            throw damaged(where, e);
        }
        MapDbStateStore store;
        try {
            store = new MapDbStateStore(settings.uri(), db, true, settings.mapName(), settings.durability(),
                    settings.commitWindow(), where);
        } catch (RuntimeException | Error e) {
            closeQuietly(db, e);
            throw damaged(where, e);
        }
        if (settings.verify()) {
            try {
                store.verify();
            } catch (RuntimeException | Error e) {
                store.closeAfterFailedVerify(e);
                throw damaged(where, e);
            }
        }
        return store;
    }

    /**
     * Opens the file through MapDB's transactional store, with {@link JournaledFiles} as its volumes, which
     * is what {@code DBMaker.fileDB(file).transactionEnable()} builds, with the journal added.
     */
    private static DB openDb(MapDbSettings settings, IntConsumer copyObserver) {
        try {
            return openDb(files(settings, copyObserver), settings.lockWait());
        } catch (JournaledFiles.FileChangedWhileLocking e) {
            // Another process created the file while this one waited for its lock: look at it afresh.
            return openDb(files(settings, copyObserver), settings.lockWait());
        }
    }

    /**
     * The volumes for a file. MapDB's write-ahead log is memory-mapped with the store file except under
     * SYNC: MapDB starts a new log file for every commit, and a new memory-mapped file costs a mapping and a
     * megabyte of zeros (about 5 ms a commit against 0.8 ms, docs/benchmarks.md), while under GROUP and NONE
     * many writes share a log and each one is a memory write instead of a system call.
     */
    private static JournaledFiles files(MapDbSettings settings, IntConsumer copyObserver) {
        return new JournaledFiles(settings.file(), settings.mmap(), settings.durability() != Durability.SYNC,
                settings.fsync(), copyObserver);
    }

    private static DB openDb(JournaledFiles files, Duration lockWait) {
        try {
            StoreWAL store = new StoreWAL(files.storeFileName(), files, lockWait.toMillis(), true,
                    CC.STORE_DIRECT_CONC_SHIFT, 0L, 0L, false, false, false, true, false);
            return new DB(store, files.existed(), true, Thread.currentThread().getContextClassLoader(), 0);
        } catch (RuntimeException | Error e) {
            files.closeAfterFailedOpen(e);
            throw e;
        }
    }

    private static RuntimeException damaged(String where, Throwable e) {
        if (e instanceof IllegalArgumentException || e instanceof StateStoreException) {
            return (RuntimeException) e;
        }
        return new StateStoreException(where + " cannot be read (" + e + "): it is damaged, or it is not a"
                + " MapDB file. A crash does not do this (opening finishes or discards a commit a crash"
                + " interrupted, see docs/mapdb.md, \"Crash behaviour\"), but a disk fault, another program"
                + " writing the file, or a copy taken while the store was open can; restore it from a backup", e);
    }

    private static void closeQuietly(DB db, Throwable failure) {
        try {
            db.close();
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Reads every entry once, so a damaged B-tree or value fails here rather than in some later call. A
     * B-tree iterates in strictly ascending key order; a key that is not above the one before it means the
     * tree's links are damaged (a cycle would otherwise make this loop forever).
     */
    private void verify() {
        java.util.Comparator<? super String> order = map.comparator();
        String previous = null;
        for (Map.Entry<String, byte[]> entry : map.entrySet()) {
            String key = entry.getKey();
            if (previous != null && (order == null ? key.compareTo(previous) : order.compare(key, previous)) <= 0) {
                throw new IllegalStateException("the B-tree's keys are out of order (\"" + Keys.excerpt(key)
                        + "\" after \"" + Keys.excerpt(previous) + "\")");
            }
            previous = key;
            ValueCodec.decode(entry.getValue());
        }
    }

    private void closeAfterFailedVerify(Throwable failure) {
        if (groupCommitter != null) {
            groupCommitter.shutdownNow();
        }
        if (ioThread != null) {
            ioThread.close();
        }
        closeQuietly(db, failure);
    }

    /**
     * Wraps a {@link DB} the caller already has, with {@link Durability#SYNC}. The store keeps its entries
     * in the tree map of that name (created if absent). Closing the store commits but leaves the {@code DB}
     * open: it stays the caller's. Commits commit the whole {@code DB}, including the caller's own changes,
     * so the caller must not also roll it back. The {@code DB} keeps the crash behaviour its maker gave it,
     * which for plain MapDB files lacks the redo journal of a store opened by URI; for a crash-safe file
     * with collections of your own, open the store by URI and use {@code unwrap(DB.class)}.
     *
     * @param db      an open {@code DB}, best made with {@code transactionEnable()}
     * @param mapName the name of the map holding the store's entries
     * @return a store on that map; {@code unwrap(DB.class)} returns {@code db}
     * @throws IllegalArgumentException if {@code db} is closed or the name is taken by another kind of
     *                                  collection
     */
    public static MapDbStateStore wrap(DB db, String mapName) {
        return wrap(db, mapName, Durability.SYNC, Duration.ZERO);
    }

    /**
     * Wraps a {@link DB} the caller already has, as {@link #wrap(DB, String)} does, in a durability mode.
     *
     * @param db           an open {@code DB}
     * @param mapName      the name of the map holding the store's entries
     * @param durability   when to commit
     * @param commitWindow how often {@link Durability#GROUP} commits; ignored by the other modes
     * @return a store on that map
     * @throws IllegalArgumentException if {@code db} is closed, the name is taken by another kind of
     *                                  collection, or a GROUP window is not positive
     */
    public static MapDbStateStore wrap(DB db, String mapName, Durability durability, Duration commitWindow) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(mapName, "mapName");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(commitWindow, "commitWindow");
        if (db.isClosed()) {
            throw new IllegalArgumentException("the DB to wrap is closed");
        }
        if (mapName.isEmpty()) {
            throw new IllegalArgumentException("the map name is empty; give a name such as \""
                    + DEFAULT_MAP_NAME + "\"");
        }
        if (durability == Durability.GROUP && commitWindow.toMillis() < 1) {
            throw new IllegalArgumentException("a GROUP commit window must be at least 1 ms, not "
                    + commitWindow);
        }
        return new MapDbStateStore("mapdb (wrapped DB, map " + mapName + ")", db, false, mapName, durability,
                commitWindow, "the wrapped MapDB DB");
    }

    /**
     * Returns this store's durability mode.
     *
     * @return the mode
     */
    public Durability durability() {
        return durability;
    }

    /**
     * Commits every write made so far and returns once they are durable: the explicit commit of
     * {@link Durability#GROUP} and {@link Durability#NONE} (under {@link Durability#SYNC} there is nothing
     * left to commit).
     *
     * @throws StateStoreClosedException if the store is closed
     * @throws StateStoreException       if the commit fails
     */
    public void flush() {
        checkOpen();
        boolean interrupted = Thread.interrupted();
        try {
            onIoThread(() -> {
                committer.lock();
                try {
                    commitAll();
                } finally {
                    committer.unlock();
                }
                return null;
            });
        } catch (DBException | IllegalAccessError e) {
            throw translate(e);
        } finally {
            restoreInterrupt(interrupted);
        }
    }

    /** Lets a test see each commit: it is told how many changes had been applied when the commit started. */
    void observeCommits(LongConsumer observer) {
        commitObserver = Objects.requireNonNull(observer, "observer");
    }

    /**
     * Returns how many changes have been applied through this store, each write counting one.
     *
     * @return the count
     */
    long appliedChanges() {
        return appliedChanges.get();
    }

    // ---- reads: BTreeMap reads are thread-safe and need no lock of ours ----

    @Override
    protected Optional<Object> doFetch(String key) {
        byte[] bytes = read(() -> map.get(key));
        return bytes == null ? Optional.empty() : Optional.of(ValueCodec.decode(bytes));
    }

    @Override
    protected Map<String, Object> doFetchAll(List<String> keys) {
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        for (String key : keys) {
            byte[] bytes = read(() -> map.get(key));
            if (bytes != null) {
                result.put(key, ValueCodec.decode(bytes));
            }
        }
        return result;
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        return read(() -> {
            if (prefix.isEmpty()) {
                return new ArrayList<>(map.keySet());
            }
            // Keys sort by String.compareTo, so the keys with a prefix are one run starting at the prefix.
            List<String> keys = new ArrayList<>();
            for (String key : map.tailMap(prefix, true).keySet()) {
                if (!key.startsWith(prefix)) {
                    break;
                }
                keys.add(key);
            }
            return keys;
        });
    }

    @Override
    protected long doSize() {
        return read(map::sizeLong);
    }

    // ---- writes ----

    @Override
    protected void doStore(String key, Object value) {
        byte[] bytes = ValueCodec.encode(value);
        write(key, () -> {
            map.put(key, bytes);
            return Boolean.TRUE;
        });
    }

    @Override
    protected boolean doRemove(String key) {
        return write(key, () -> map.remove(key) != null ? Boolean.TRUE : null) != null;
    }

    @Override
    protected long doIncr(String key, long amount) {
        return write(key, () -> {
            byte[] current = map.get(key);
            long next = Counters.add(key, current == null ? null : ValueCodec.decode(current), amount);
            map.put(key, ValueCodec.encode(next));
            return next;
        });
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update) {
        byte[] updateBytes = update == null ? null : ValueCodec.encode(update);
        return write(key, () -> {
            byte[] current = map.get(key);
            if (!Values.equal(current == null ? null : ValueCodec.decode(current), expected)) {
                return null;
            }
            if (updateBytes == null) {
                if (current != null) {
                    map.remove(key);
                }
            } else {
                map.put(key, updateBytes);
            }
            return Boolean.TRUE;
        }) != null;
    }

    @Override
    protected void doStoreAll(Map<String, Object> entries) {
        if (entries.isEmpty()) {
            return;
        }
        Map<String, byte[]> encoded = new java.util.LinkedHashMap<>();
        TreeSet<Integer> stripeIndexes = new TreeSet<>();
        entries.forEach((key, value) -> {
            encoded.put(key, ValueCodec.encode(value));
            stripeIndexes.add(stripeIndex(key));
        });
        writeUnder(stripeIndexes.stream().mapToInt(Integer::intValue).toArray(), () -> {
            Map<String, byte[]> previous = new java.util.LinkedHashMap<>();
            try {
                encoded.forEach((key, bytes) -> previous.put(key, map.put(key, bytes)));
            } catch (RuntimeException | Error e) {
                undo(previous, e);
                throw e;
            }
            return Boolean.TRUE;
        });
    }

    /** Puts back what a failed batch replaced, so no later commit can store half of the batch. */
    private void undo(Map<String, byte[]> previous, Throwable failure) {
        previous.forEach((key, old) -> {
            try {
                if (old == null) {
                    map.remove(key);
                } else {
                    map.put(key, old);
                }
            } catch (RuntimeException | Error undoFailure) {
                failure.addSuppressed(undoFailure);
            }
        });
    }

    @Override
    protected void doClear() {
        writeUnder(java.util.stream.IntStream.range(0, STRIPE_COUNT).toArray(), () -> {
            map.clear();
            return Boolean.TRUE;
        });
    }

    @Override
    protected Object doUnwrap(Class<?> type) {
        if (type.isInstance(db)) {
            return db;
        }
        if (type.isInstance(map)) {
            return map;
        }
        return null;
    }

    @Override
    protected void doClose() {
        boolean interrupted = Thread.interrupted();
        try {
            if (groupCommitter != null) {
                groupCommitter.shutdown();
                IoThread.awaitUninterruptibly(groupCommitter);
            }
            onIoThread(() -> {
                committer.lock();
                try {
                    if (!db.isClosed()) {
                        commitAll();
                    }
                } finally {
                    committer.unlock();
                }
                return null;
            });
        } catch (DBException | IllegalAccessError e) {
            throw new StateStoreException("closing " + fileDescription + " failed to commit: " + e, e);
        } finally {
            try {
                if (ownsDb) {
                    onIoThread(this::closeDb);
                }
            } finally {
                if (ioThread != null) {
                    ioThread.close();
                }
                restoreInterrupt(interrupted);
            }
        }
    }

    private Void closeDb() {
        commitGate.writeLock().lock();
        try {
            if (!db.isClosed()) {
                db.close();
            }
        } catch (RuntimeException e) {
            throw new StateStoreException("closing " + fileDescription + " failed: " + e, e);
        } finally {
            commitGate.writeLock().unlock();
        }
        return null;
    }

    // ---- the write path and commits ----

    private int stripeIndex(String key) {
        int hash = key.hashCode();
        return (hash ^ (hash >>> 16)) & (STRIPE_COUNT - 1);
    }

    private <T> T write(String key, Supplier<T> change) {
        return writeUnder(new int[] {stripeIndex(key)}, change);
    }

    /**
     * Applies a change under the key stripes it touches and the shared commit gate, then, under SYNC,
     * waits for a commit covering it. A change returning {@code null} changed nothing and waits for
     * nothing. Stripes are taken in ascending order, so batches never deadlock. The caller's interrupt
     * status is cleared for the duration and restored afterwards, so MapDB never sees an interrupted thread
     * that called it.
     */
    private <T> T writeUnder(int[] stripeIndexes, Supplier<T> change) {
        StateStoreException failure = backgroundCommitFailure;
        if (failure != null) {
            throw new StateStoreException("the background commit of " + fileDescription + " failed, so"
                    + " writes are refused until a commit succeeds (see the cause; flush() retries)", failure);
        }
        boolean interrupted = Thread.interrupted();
        try {
            long[] changeNumber = new long[1];
            T result = onIoThread(() -> apply(stripeIndexes, change, changeNumber));
            if (durability == Durability.SYNC && changeNumber[0] > 0) {
                onIoThread(() -> commitThrough(changeNumber[0]));
            }
            return result;
        } catch (DBException | IllegalAccessError e) {
            throw translate(e);
        } finally {
            restoreInterrupt(interrupted);
        }
    }

    private <T> T apply(int[] stripeIndexes, Supplier<T> change, long[] changeNumber) {
        for (int index : stripeIndexes) {
            stripes[index].lock();
        }
        try {
            commitGate.readLock().lock();
            try {
                checkOpen();
                T result = change.get();
                changeNumber[0] = result == null ? 0 : appliedChanges.incrementAndGet();
                return result;
            } finally {
                commitGate.readLock().unlock();
            }
        } finally {
            for (int index : stripeIndexes) {
                stripes[index].unlock();
            }
        }
    }

    /**
     * Runs an action that may do file I/O. Where a wrapped DB's volume uses an interruptible {@link
     * java.nio.channels.FileChannel} (memory-mapped files grow through one), an interrupt during the I/O
     * would close the file for every user, so the action runs on the store's {@link IoThread}. Otherwise
     * (a {@link java.io.RandomAccessFile} volume, or a file the store opened, see {@link JournaledFiles})
     * the action runs on the caller's thread.
     */
    private <T> T onIoThread(Supplier<T> action) {
        if (ioThread == null) {
            return action.get();
        }
        try {
            return ioThread.call(action);
        } catch (RejectedExecutionException e) {
            throw isClosed() ? new StateStoreClosedException(toString()) : e;
        }
    }

    /** Returns once a commit has covered the given change, committing if no one else has. */
    private Void commitThrough(long changeNumber) {
        if (committedChanges >= changeNumber) {
            return null;
        }
        committer.lock();
        try {
            // Whoever held the committer before us may have committed our change with theirs.
            if (committedChanges < changeNumber) {
                commitAll();
            }
        } finally {
            committer.unlock();
        }
        return null;
    }

    /** Commits every applied change; the caller holds {@link #committer}. */
    private void commitAll() {
        long covered;
        commitGate.writeLock().lock();
        try {
            covered = appliedChanges.get();
            if (covered == committedChanges) {
                return;
            }
            db.commit();
        } finally {
            commitGate.writeLock().unlock();
        }
        committedChanges = covered;
        backgroundCommitFailure = null;
        commitObserver.accept(covered);
    }

    private void backgroundCommit() {
        committer.lock();
        try {
            if (!isClosed()) {
                commitAll();
            }
        } catch (RuntimeException | IllegalAccessError e) {
            if (!isClosed()) {
                backgroundCommitFailure = new StateStoreException("committing " + fileDescription + " failed: "
                        + e, e);
            }
        } finally {
            committer.unlock();
        }
    }

    private <T> T read(Supplier<T> read) {
        boolean interrupted = Thread.interrupted();
        try {
            return read.get();
        } catch (DBException | IllegalAccessError e) {
            throw translate(e);
        } finally {
            restoreInterrupt(interrupted);
        }
    }

    /** MapDB throws {@code IllegalAccessError("Store was closed")} when used after close. */
    private StateStoreException translate(Throwable e) {
        if (isClosed()) {
            StateStoreClosedException closed = new StateStoreClosedException(toString());
            closed.initCause(e);
            return closed;
        }
        if (e instanceof DBException.VolumeClosed || e instanceof DBException.VolumeClosedByInterrupt) {
            return new StateStoreException(fileDescription + " was closed underneath the store (" + e
                    + "); the store cannot continue: close it and open the file again, which recovers the"
                    + " last commit", e);
        }
        return new StateStoreException("MapDB failed on " + fileDescription + ": " + e, e);
    }

    private static void restoreInterrupt(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

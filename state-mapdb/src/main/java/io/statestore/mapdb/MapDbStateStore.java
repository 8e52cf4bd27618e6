package io.statestore.mapdb;

import io.statestore.OutcomeUnknownException;
import io.statestore.StateStoreClosedException;
import io.statestore.WatchEvent;
import io.statestore.StateStoreException;
import io.statestore.WriteNotAppliedException;
import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Counters;
import io.statestore.spi.EntryLimit;
import io.statestore.spi.Expiry;
import io.statestore.value.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;

/**
 * A store in one MapDB file: a {@link BTreeMap} from keys to the value model's msgpack bytes
 * ({@link io.statestore.value.ValueCodec}), each with a checksum, in a {@link DB} opened with transactions and
 * a redo journal beside the file ({@code FILE.journal}). Every write is recorded in the store's log
 * ({@code FILE.log}) and is durable once the log is forced to the disk, which the {@link Durability} mode
 * decides; checkpoints bring the file up to date in the background, and after a crash the file reopens with
 * every write the log holds.
 *
 * <p>Guarantees: every method is thread-safe; {@code incr}, {@code compareAndSet} and every write are
 * atomic per key (a striped lock per key hash guards each read-modify-write, so MapDB's
 * {@code compute}/{@code merge} are never used); a {@code storeAll} or {@code clear} is one record of the
 * log, so a crash keeps all of it or none of it. A read may see a write whose {@link Durability#EVERY_WRITE}
 * writer has not yet returned, that is, before it is durable.
 *
 * <p>When the disk fails or fills, a write fails with a {@link WriteNotAppliedException} (nothing changed)
 * or, if it failed after it was applied, an {@link OutcomeUnknownException}; the message names the file and
 * the cause. Reads carry on, and writes succeed again once the cause is gone, without reopening the store.
 *
 * <p>Only one process may open a file: a second one fails at once with a {@link StateStoreException}
 * naming the file. A thread interrupted while it calls the store does not harm the store: its call
 * completes and the thread's interrupt status is kept.
 */
public final class MapDbStateStore extends AbstractStateStore {

    /** The map name used when none is given. */
    public static final String DEFAULT_MAP_NAME = "state";

    private static final int STRIPE_COUNT = 64;
    /** The most a counter's stored bytes take: its expiry, a msgpack int64 and the checksum. */
    private static final int COUNTER_BYTES = Entries.EXPIRY_BYTES + 9 + Entries.CHECKSUM_BYTES;

    private final DB db;
    private final BTreeMap<String, byte[]> map;
    private final Commits commits;
    /** Names the file in messages. */
    private final String where;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPE_COUNT];
    /** The {@code maxEntries} limit, or {@code null} for none (then no write reads ahead to count). */
    private final EntryLimit limit;
    /** Whether the map may hold values that expire (set at open when it does, and at the first such write). */
    private volatile boolean expiring;

    MapDbStateStore(String description, DB db, BTreeMap<String, byte[]> map, Commits commits, String where,
            EntryLimit limit) {
        super(description);
        this.limit = limit;
        this.db = db;
        this.map = map;
        this.commits = commits;
        this.where = where;
        for (int i = 0; i < STRIPE_COUNT; i++) {
            stripes[i] = new ReentrantLock();
        }
        commits.start();
    }

    /**
     * Opens (or creates) a store file as {@link MapDbStateStoreProvider} does for a {@code mapdb:} URI.
     *
     * @param settings the checked settings
     * @return an open store that owns its {@link DB}
     * @throws StateStoreException if the file is in use by another process or cannot be opened
     */
    static MapDbStateStore open(MapDbSettings settings) {
        return StoreFile.open(settings, TestHooks.NONE);
    }

    /**
     * Opens a store file, telling {@code copyObserver} how many writes of each commit have been copied into
     * the file (see {@link JournaledVolume}); lets a test kill the process in the middle of a commit.
     */
    static MapDbStateStore open(MapDbSettings settings, IntConsumer copyObserver) {
        return StoreFile.open(settings, new TestHooks(copyObserver, WriteFaults.NONE, true, true));
    }

    /**
     * Wraps a {@link DB} the caller already has, with {@link Durability#EVERY_WRITE}. The store keeps its
     * entries in the tree map of that name (created if absent). Closing the store commits but leaves the
     * {@code DB} open: it stays the caller's. Commits commit the whole {@code DB}, including the caller's own
     * changes, so the caller must not also roll it back. The {@code DB} keeps the crash behaviour its maker
     * gave it, which for plain MapDB files lacks the log and journal of a store opened by URI; for a crash-safe
     * file with collections of your own, open the store by URI and use {@code unwrap(DB.class)}.
     *
     * @param db      an open {@code DB}, best made with {@code transactionEnable()}
     * @param mapName the name of the map holding the store's entries
     * @return a store on that map; {@code unwrap(DB.class)} returns {@code db}
     * @throws IllegalArgumentException if {@code db} is closed or the name is taken by another kind of
     *                                  collection
     */
    public static MapDbStateStore wrap(DB db, String mapName) {
        return wrap(db, mapName, Durability.EVERY_WRITE, Duration.ZERO);
    }

    /**
     * Wraps a {@link DB} the caller already has, as {@link #wrap(DB, String)} does, in a durability mode. For
     * a wrapped {@code DB} the store commits it: after every write ({@link Durability#EVERY_WRITE}, writers
     * that arrive during a commit sharing the next), every interval, or on {@link #flush()}.
     *
     * @param db         an open {@code DB}
     * @param mapName    the name of the map holding the store's entries
     * @param durability when to commit
     * @param interval   how often {@link Durability#INTERVAL} commits; ignored by the other modes
     * @return a store on that map
     * @throws IllegalArgumentException if {@code db} is closed, the name is taken by another kind of
     *                                  collection, or an INTERVAL is not positive
     */
    public static MapDbStateStore wrap(DB db, String mapName, Durability durability, Duration interval) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(mapName, "mapName");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(interval, "interval");
        if (db.isClosed()) {
            throw new IllegalArgumentException("the DB to wrap is closed");
        }
        if (mapName.isEmpty()) {
            throw new IllegalArgumentException("the map name is empty; give a name such as \""
                    + DEFAULT_MAP_NAME + "\"");
        }
        if (durability == Durability.INTERVAL && interval.toMillis() < 1) {
            throw new IllegalArgumentException("an INTERVAL must be at least 1 ms, not " + interval);
        }
        String description = "mapdb (wrapped DB, map " + mapName + ")";
        StoreThread thread = new StoreThread("statestore-mapdb wrapped " + mapName);
        try {
            BTreeMap<String, byte[]> map = StoreFile.treeMap(db, mapName, "the wrapped MapDB DB");
            DbCommits commits = new DbCommits(db, map, durability, interval, thread, description);
            if (Entries.upgrade(db, mapName, map)) {
                db.commit();
            }
            return new MapDbStateStore(description, db, map, commits, "the wrapped MapDB DB", null);
        } catch (RuntimeException | Error e) {
            thread.close();
            throw e;
        }
    }

    /**
     * Returns this store's durability mode.
     *
     * @return the mode
     */
    public Durability durability() {
        return commits.durability;
    }

    /**
     * Makes every write made so far durable, and returns once it is: the explicit force of
     * {@link Durability#INTERVAL} and {@link Durability#ON_FLUSH} (under {@link Durability#EVERY_WRITE}
     * there is nothing left to force).
     *
     * @throws StateStoreClosedException if the store is closed
     * @throws StateStoreException       if the writes cannot be made durable, naming the cause
     */
    public void flush() {
        checkOpen();
        commits.flush();
    }

    /** Lets a test see each force: it is told the number of the last change it made durable. */
    void observeCommits(LongConsumer observer) {
        commits.observe(observer);
    }

    /**
     * Returns the number of the last change applied through this store; changes are numbered in the order
     * they are applied, not always one apart.
     *
     * @return the number
     */
    long appliedChanges() {
        return commits.lastSeq();
    }

    /** Brings the store file up to date with the log now, as the store does by itself in the background. */
    void checkpoint() {
        checkOpen();
        commits.checkpoint();
    }

    // ---- reads: BTreeMap reads are thread-safe and need no lock of ours ----

    @Override
    protected Optional<Object> doFetch(String key) {
        byte[] stored = read(() -> map.get(key));
        return Entries.live(stored, Expiry.now()) ? Optional.of(Entries.decode(key, stored, where)) : Optional.empty();
    }

    @Override
    protected Map<String, Object> doFetchAll(List<String> keys) {
        Map<String, Object> result = new LinkedHashMap<>();
        long now = Expiry.now();
        for (String key : keys) {
            byte[] stored = read(() -> map.get(key));
            if (Entries.live(stored, now)) {
                result.put(key, Entries.decode(key, stored, where));
            }
        }
        return result;
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        long now = Expiry.now();
        return read(() -> {
            // Keys sort by String.compareTo, so the keys with a prefix are one run starting at the prefix.
            List<String> keys = new ArrayList<>();
            for (Map.Entry<String, byte[]> entry : map.tailMap(prefix, true).entrySet()) {
                if (!entry.getKey().startsWith(prefix)) {
                    break;
                }
                if (Entries.live(entry.getValue(), now)) {
                    keys.add(entry.getKey());
                }
            }
            return keys;
        });
    }

    @Override
    protected long doSize() {
        if (!expiring) {
            return read(map::sizeLong);
        }
        long now = Expiry.now();
        return read(() -> map.getValues().stream().filter(stored -> Entries.live(stored, now)).count());
    }

    // ---- writes: each computes, under its keys' stripes, the change it makes ----

    /**
     * What a write returns, the change it makes ({@code null} when it changes nothing), and the places of the
     * {@code maxEntries} limit it took for keys it creates (given back if the change fails) and freed by keys
     * it removes (given back once the change is made).
     */
    private record Outcome<T>(T result, Change change, long taken, long freed, Runnable publish) {
        Outcome(T result, Change change) {
            this(result, change, 0, 0, null);
        }

        Outcome(T result, Change change, long taken, long freed) {
            this(result, change, taken, freed, null);
        }

        /** The same outcome, telling the watchers with {@code events} once the change is applied. */
        Outcome<T> publishing(Runnable events) {
            return new Outcome<>(result, change, taken, freed, events);
        }
    }

    /** Tells the watchers that {@code key} now holds {@code value} (a copy is made only for a watcher). */
    private Runnable set(String key, Object value) {
        return () -> watchers().publish(key, () -> WatchEvent.set(key, Values.copyOut(value)));
    }

    /** Tells the watchers that {@code key}, which held {@code removed}, is gone: deleted, or expired. */
    private Runnable removal(String key, byte[] removed, long now) {
        return () -> watchers().publish(key, () -> Entries.live(removed, now) ? WatchEvent.delete(key)
                : WatchEvent.expire(key));
    }

    /** Takes a place for {@code key} if it is new ({@code current == null}); answers how many were taken. */
    private int placeFor(String key, byte[] current) {
        if (limit == null || current != null) {
            return 0;
        }
        limit.take(key);
        return 1;
    }

    /** What a write returns, and the number of its change (0 when it changed nothing). */
    private record Applied<T>(T result, long seq) {
    }

    /** Notes that the map may hold values that expire: size then counts live values one by one. */
    private void noteExpiry(long expiresAt) {
        if (expiresAt != Expiry.NONE && !expiring) {
            mayHoldExpiring();
        }
    }

    /** From now on, counts live values one by one and reclaims expired ones in the background. */
    void mayHoldExpiring() {
        expiring = true;
        ExpiredEntries.reclaim(this);
    }

    @Override
    protected void doStore(String key, Object value, long expiresAt) {
        noteExpiry(expiresAt);
        byte[] stored = Entries.encode(key, value, expiresAt);
        write(key, Change.sizeBound(key, stored.length), () -> new Outcome<>(null, new Change.Put(key, stored),
                limit == null ? 0 : placeFor(key, map.get(key)), 0).publishing(set(key, value)));
    }

    @Override
    protected boolean doRemove(String key) {
        return write(key, Change.sizeBound(key, 0), () -> {
            byte[] current = map.get(key);
            long now = Expiry.now();
            return current == null ? new Outcome<>(false, null)
                    : new Outcome<>(Entries.live(current, now), new Change.Remove(key), 0, 1)
                            .publishing(removal(key, current, now));
        });
    }

    /**
     * Removes a key if it has expired, as the background reclaiming does; a value written since stays.
     *
     * @return whether it was removed
     */
    boolean removeIfExpired(String key, long now) {
        return write(key, Change.sizeBound(key, 0), () -> {
            byte[] current = map.get(key);
            return current == null || Entries.live(current, now) ? new Outcome<>(false, null)
                    : new Outcome<>(true, new Change.Remove(key), 0, 1).publishing(removal(key, current, now));
        });
    }

    @Override
    protected long doIncr(String key, long amount, long expiresAtIfCreated) {
        noteExpiry(expiresAtIfCreated);
        return write(key, Change.sizeBound(key, COUNTER_BYTES), () -> {
            byte[] current = map.get(key);
            boolean live = Entries.live(current, Expiry.now());
            long next = Counters.add(key, live ? Entries.decode(key, current, where) : null, amount);
            long expiresAt = live ? Entries.expiresAt(current) : expiresAtIfCreated;
            return new Outcome<>(next, new Change.Put(key, Entries.encode(key, next, expiresAt)),
                    placeFor(key, current), 0).publishing(set(key, next));
        });
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
        noteExpiry(expiresAt);
        byte[] updateBytes = update == null ? null : Entries.encode(key, update, expiresAt);
        return write(key, Change.sizeBound(key, updateBytes == null ? 0 : updateBytes.length), () -> {
            byte[] current = map.get(key);
            boolean live = Entries.live(current, Expiry.now());
            if (!Values.equal(live ? Entries.decode(key, current, where) : null, expected)) {
                return new Outcome<>(false, null);
            }
            if (updateBytes != null) {
                return new Outcome<>(true, new Change.Put(key, updateBytes), placeFor(key, current), 0)
                        .publishing(set(key, update));
            }
            return current == null ? new Outcome<>(true, null) : new Outcome<>(true, new Change.Remove(key), 0, 1)
                    .publishing(removal(key, current, Expiry.now()));
        });
    }

    @Override
    protected boolean doExpire(String key, long expiresAt) {
        noteExpiry(expiresAt);
        return changeExpiry(key, expiresAt, true);
    }

    @Override
    protected boolean doPersist(String key) {
        return changeExpiry(key, Expiry.NONE, false);
    }

    /** Gives a live key a new expiry; answers whether it was live ({@code expire}) or had an expiry. */
    private boolean changeExpiry(String key, long expiresAt, boolean answerPresence) {
        while (true) {
            byte[] known = read(() -> map.get(key));
            int room = (known == null ? 0 : known.length) + Entries.EXPIRY_BYTES;
            Boolean answer = write(key, Change.sizeBound(key, room), () -> {
                byte[] current = map.get(key);
                if (!Entries.live(current, Expiry.now())) {
                    return new Outcome<>(false, null);
                }
                if (current.length + Entries.EXPIRY_BYTES > room) {
                    return new Outcome<Boolean>(null, null);  // a larger value came since: measure it again
                }
                boolean hadExpiry = Entries.expiresAt(current) != Expiry.NONE;
                Change change = hadExpiry || expiresAt != Expiry.NONE
                        ? new Change.Put(key, Entries.withExpiry(key, current, expiresAt, where)) : null;
                return new Outcome<>(answerPresence || hadExpiry, change);
            });
            if (answer != null) {
                return answer;
            }
        }
    }

    @Override
    protected long doExpiresAt(String key) {
        byte[] stored = read(() -> map.get(key));
        return Entries.live(stored, Expiry.now()) ? Entries.expiresAt(stored) : Expiry.NONE;
    }

    /** The keys of the map, from {@code after} (exclusive; {@code null} for the first), at most {@code count}. */
    List<Map.Entry<String, byte[]>> entriesAfter(String after, int count) {
        return read(() -> {
            List<Map.Entry<String, byte[]>> page = new ArrayList<>(count);
            Iterable<Map.Entry<String, byte[]>> from = after == null ? map.entrySet()
                    : map.tailMap(after, false).entrySet();
            for (Map.Entry<String, byte[]> entry : from) {
                if (page.size() == count) {
                    break;
                }
                page.add(Map.entry(entry.getKey(), entry.getValue()));
            }
            return page;
        });
    }

    @Override
    protected void doStoreAll(Map<String, Object> entries, long expiresAt) {
        noteExpiry(expiresAt);
        if (entries.isEmpty()) {
            return;
        }
        Map<String, byte[]> stored = new LinkedHashMap<>();
        TreeSet<Integer> stripeIndexes = new TreeSet<>();
        int bound = 1 + Integer.BYTES;
        for (Map.Entry<String, Object> entry : entries.entrySet()) {
            byte[] bytes = entry.getValue() == null ? null
                    : Entries.encode(entry.getKey(), entry.getValue(), expiresAt);
            stored.put(entry.getKey(), bytes);
            stripeIndexes.add(stripeIndex(entry.getKey()));
            bound += Change.sizeBound(entry.getKey(), bytes == null ? 0 : bytes.length);
        }
        writeUnder(stripeIndexes.stream().mapToInt(Integer::intValue).toArray(), bound, () -> {
            long taken = 0;
            long freed = 0;
            if (limit != null) {
                try {
                    for (Map.Entry<String, byte[]> entry : stored.entrySet()) {
                        byte[] current = map.get(entry.getKey());
                        if (entry.getValue() != null) {
                            taken += placeFor(entry.getKey(), current);
                        } else if (current != null) {
                            freed++;
                        }
                    }
                } catch (RuntimeException full) {
                    limit.giveBack(taken);
                    throw full;
                }
            }
            Map<String, byte[]> before = new LinkedHashMap<>();
            if (watchers().watched()) {
                stored.keySet().forEach(key -> before.put(key, map.get(key)));
            }
            long now = Expiry.now();
            return new Outcome<Void>(null, new Change.PutAll(stored), taken, freed).publishing(() -> entries.forEach(
                    (key, value) -> {
                        if (value != null) {
                            set(key, value).run();
                        } else if (before.get(key) != null) {
                            removal(key, before.get(key), now).run();
                        }
                    }));
        });
    }

    @Override
    protected void doClear() {
        writeUnder(java.util.stream.IntStream.range(0, STRIPE_COUNT).toArray(), 1, () -> {
            Map<String, byte[]> cleared = new LinkedHashMap<>();
            if (watchers().watched()) {
                map.forEach(cleared::put);
            }
            long now = Expiry.now();
            return new Outcome<Void>(null, new Change.Clear(), 0, limit == null ? 0 : map.sizeLong())
                    .publishing(() -> cleared.forEach((key, removed) -> removal(key, removed, now).run()));
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
        ExpiredEntries.forget(this);
        commits.close();
    }

    private int stripeIndex(String key) {
        int hash = key.hashCode();
        return (hash ^ (hash >>> 16)) & (STRIPE_COUNT - 1);
    }

    private <T> T write(String key, int bound, Supplier<Outcome<T>> step) {
        return writeUnder(new int[] {stripeIndex(key)}, bound, step);
    }

    /**
     * Makes room for the change ({@link Commits#reserve}, which may refuse the write before anything is
     * applied), computes and applies it under the key stripes it touches (taken in ascending order, so
     * batches never deadlock), then, outside them, waits as long as the durability mode says.
     */
    private <T> T writeUnder(int[] stripeIndexes, int bound, Supplier<Outcome<T>> step) {
        commits.reserve(bound);
        Applied<T> applied;
        try {
            applied = commits.shielded(() -> {
                for (int index : stripeIndexes) {
                    stripes[index].lock();
                }
                try {
                    Outcome<T> outcome = step.get();
                    long seq;
                    try {
                        seq = outcome.change() == null ? 0 : commits.apply(outcome.change());
                    } catch (RuntimeException | Error e) {
                        if (limit != null) {
                            limit.giveBack(outcome.taken());
                        }
                        throw e;
                    }
                    if (limit != null) {
                        limit.giveBack(outcome.freed());
                    }
                    if (outcome.publish() != null && outcome.change() != null) {
                        outcome.publish().run();  // under the stripes: a key's events keep the order of its changes
                    }
                    return new Applied<>(outcome.result(), seq);
                } finally {
                    for (int index : stripeIndexes) {
                        stripes[index].unlock();
                    }
                }
            });
        } catch (DBException | IllegalAccessError e) {
            throw translate(e);
        } finally {
            commits.release(bound);
        }
        commits.settle(applied.seq());
        return applied.result();
    }

    private <T> T read(Supplier<T> read) {
        boolean interrupted = Thread.interrupted();
        try {
            return read.get();
        } catch (DBException | IllegalAccessError e) {
            throw translate(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** MapDB throws {@code IllegalAccessError("Store was closed")} when used after close. */
    private StateStoreException translate(Throwable e) {
        if (isClosed()) {
            StateStoreClosedException closed = new StateStoreClosedException(toString());
            closed.initCause(e);
            return closed;
        }
        return new StateStoreException("MapDB failed on " + where + ": " + e, e);
    }
}

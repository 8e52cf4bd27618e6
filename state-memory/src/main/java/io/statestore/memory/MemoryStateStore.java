package io.statestore.memory;

import io.statestore.spi.AbstractStateStore;
import io.statestore.memory.ExpirySweeper.Expiring;
import io.statestore.spi.Counters;
import io.statestore.WatchEvent;
import io.statestore.spi.EntryLimit;
import io.statestore.spi.Expiry;
import io.statestore.spi.Watchers;
import io.statestore.value.Keys;
import io.statestore.value.Values;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store in a {@link ConcurrentHashMap}. Values are kept in the value model's normal form, which is
 * immutable but for byte arrays. A stored value without byte arrays is kept as the {@link Optional} that
 * fetch returns, so a fetch allocates nothing; a value holding byte arrays is kept wrapped in
 * {@link WithBytes} so that fetch knows to copy it; a counter written by incr is kept as a bare
 * {@link Long}, so an increment allocates no more than {@code ConcurrentHashMap.merge} does. A key with an
 * expiry holds its stored form inside an {@link Expiring}, so keys without one pay nothing for expiry but a
 * type check; an expired entry is absent to every operation and removed when met, or by the
 * {@link ExpirySweeper} in the background.
 */
public final class MemoryStateStore extends AbstractStateStore {

    private static final ConcurrentMap<String, Table> NAMED = new ConcurrentHashMap<>();

    /**
     * A map of entries, its limit, its watchers, and whether it has held an entry that expires (then the sweeper
     * reclaims it and size counts live entries), shared by every handle on the same name.
     */
    private record Table(ConcurrentHashMap<String, Object> entries, EntryLimit limit, Watchers watchers,
            AtomicBoolean expiring) {
        Table(EntryLimit limit) {
            this(new ConcurrentHashMap<>(), limit, new Watchers(), new AtomicBoolean());
        }
    }

    private final ConcurrentHashMap<String, Object> entries;
    /** The map's limit, or {@code null} for none (then no write pays for counting). */
    private final EntryLimit limit;
    /** The subscriptions of the map, shared by every handle on the name. */
    private final Watchers watchers;
    private final boolean isolated;
    private final AtomicBoolean expiring;

    private MemoryStateStore(String description, Table table, boolean isolated) {
        super(description);
        this.entries = table.entries();
        this.limit = table.limit();
        this.expiring = table.expiring();
        this.watchers = table.watchers();
        this.isolated = isolated;
    }

    /**
     * Opens a handle on the JVM-wide map of a name; every handle on the same name shares its entries.
     *
     * @param name the name; the empty name is the default map of {@code memory:}
     * @return a new handle
     */
    public static MemoryStateStore named(String name) {
        return named(name, 0);
    }

    /**
     * Opens a handle on the JVM-wide map of a name, which holds at most {@code maxEntries} keys: a new key
     * beyond them is refused with {@link io.statestore.WriteNotAppliedException}, updates of present keys are
     * not. The limit belongs to the map: the first handle on a name sets it.
     *
     * @param name       the name
     * @param maxEntries the limit, or 0 for the map's own (none for a new map)
     * @return a new handle
     * @throws IllegalArgumentException if the map exists with another limit
     */
    public static MemoryStateStore named(String name, long maxEntries) {
        String description = "memory:" + name;
        Table table = NAMED.computeIfAbsent(name, n -> new Table(
                maxEntries > 0 ? new EntryLimit(maxEntries, description, 0) : null));
        long current = table.limit() == null ? 0 : table.limit().max();
        if (maxEntries > 0 && maxEntries != current) {
            throw new IllegalArgumentException(description + " is open with " + (current == 0 ? "no maxEntries"
                    : "maxEntries=" + current) + " in this JVM; every handle on it must give the same maxEntries"
                    + " (or none), not " + maxEntries);
        }
        return new MemoryStateStore(description, table, false);
    }

    /**
     * Opens a store on a map of its own that no other handle sees.
     *
     * @return a new store
     */
    public static MemoryStateStore isolated() {
        return new MemoryStateStore("memory (isolated)", new Table(null), true);
    }

    /** A stored value with byte arrays inside, which must be copied on the way out. */
    private static final class WithBytes {
        final Object value;

        WithBytes(Object value) {
            this.value = value;
        }
    }

    private static Object wrap(Object normal) {
        return Values.containsBytes(normal) ? new WithBytes(normal) : Optional.of(normal);
    }

    private static Object unwrapStored(Object stored) {
        if (stored instanceof Optional<?>) {
            return ((Optional<?>) stored).get();
        }
        return stored instanceof WithBytes ? ((WithBytes) stored).value : stored;
    }

    /** The stored form with its expiry, if it has one. */
    private Object withExpiry(Object stored, long expiresAt) {
        if (expiresAt == Expiry.NONE) {
            return stored;
        }
        if (!expiring.get() && expiring.compareAndSet(false, true)) {
            ExpirySweeper.sweep(entries, this::removeExpired);
        }
        return new Expiring(stored, expiresAt);
    }

    /**
     * The stored form of a present entry, or {@code null} for none or an expired one; the clock is read only
     * for an entry that expires, so entries without expiry cost nothing more than before.
     */
    private static Object live(Object stored) {
        if (stored instanceof Expiring expiring) {
            return Expiry.passed(expiring.expiresAt, Expiry.now()) ? null : expiring.stored;
        }
        return stored;
    }

    /** The stored form of what {@code get} found, removing it if it has expired. */
    private Object present(String key, Object found) {
        if (found instanceof Expiring expiring) {
            if (Expiry.passed(expiring.expiresAt, Expiry.now())) {
                removeExpired(key, found);
                return null;
            }
            return expiring.stored;
        }
        return found;
    }

    /** Takes a place for a key this write creates (when the map has a limit). */
    private void creating(String key) {
        if (limit != null) {
            limit.take(key);
        }
    }

    /** Gives back the place of an entry a write removed. */
    private void removed() {
        if (limit != null) {
            limit.giveBack();
        }
    }

    @Override
    protected Watchers watchers() {
        return watchers;
    }

    /** Publishes the new value of {@code key}; called where the change is applied, so a key's events keep its order. */
    private void published(String key, Object stored) {
        watchers.publish(key, () -> WatchEvent.set(key, fetchStored(live(stored)).orElseThrow()));
    }

    /** Publishes the removal of {@code key}, which held {@code removed}: a delete, or an expiry if it had expired. */
    private void publishedRemoval(String key, Object removed) {
        watchers.publish(key, () -> live(removed) == null ? WatchEvent.expire(key) : WatchEvent.delete(key));
    }

    /** Stores {@code stored} under {@code key}, taking a place if the key is new. */
    private void putEntry(String key, Object stored) {
        if (limit == null && !watchers.watched()) {
            entries.put(key, stored);
            return;
        }
        entries.compute(key, (k, current) -> {
            if (current == null) {
                creating(k);
            }
            published(k, stored);
            return stored;
        });
    }

    /** Removes {@code key}; answers what it held. */
    private Object removeEntry(String key) {
        if (!watchers.watched()) {
            Object removed = entries.remove(key);
            if (removed != null) {
                removed();
            }
            return removed;
        }
        Object[] removed = new Object[1];
        entries.computeIfPresent(key, (k, current) -> {
            removed[0] = current;
            removed();
            publishedRemoval(k, current);
            return null;
        });
        return removed[0];
    }

    /** Removes {@code key} if it still holds {@code expired}, an entry whose time has passed. */
    private boolean removeExpired(String key, Object expired) {
        boolean[] gone = new boolean[1];
        entries.computeIfPresent(key, (k, current) -> {
            if (current != expired) {
                return current;
            }
            gone[0] = true;
            removed();
            publishedRemoval(k, current);
            return null;
        });
        return gone[0];
    }

    private static long expiresAt(Object stored) {
        return stored instanceof Expiring expiring ? expiring.expiresAt : Expiry.NONE;
    }

    @Override
    protected void doStore(String key, Object value, long expiresAt) {
        putEntry(key, withExpiry(wrap(value), expiresAt));
    }

    @Override
    protected Optional<Object> doFetch(String key) {
        return fetchStored(present(key, entries.get(key)));
    }

    @Override
    protected Optional<Object> doFetchUncheckedKey(String key) {
        // Every key in the map was checked when written and lookups compare exact strings, so a hit
        // proves the key valid; only a miss pays for the check (and reports a bad key).
        Object stored = key == null ? null : present(key, entries.get(key));
        if (stored == null) {
            Keys.check(key);
            return Optional.empty();
        }
        return fetchStored(stored);
    }

    @SuppressWarnings("unchecked")
    private static Optional<Object> fetchStored(Object stored) {
        if (stored == null) {
            return Optional.empty();
        }
        if (stored instanceof Optional<?>) {
            return (Optional<Object>) stored;
        }
        if (stored instanceof WithBytes) {
            return Optional.of(Values.copyOut(((WithBytes) stored).value));
        }
        return Optional.of(stored);
    }

    @Override
    protected boolean doRemove(String key) {
        Object removed = removeEntry(key);
        return removed != null && live(removed) != null;
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        entries.forEach((key, stored) -> {
            if (key.startsWith(prefix) && live(stored) != null) {
                keys.add(key);
            }
        });
        return keys;
    }

    @Override
    protected void doClear() {
        if (limit == null && !watchers.watched()) {
            entries.clear();
        } else {
            entries.keySet().forEach(this::removeEntry);
        }
    }

    @Override
    protected long doSize() {
        if (!expiring.get()) {
            return entries.mappingCount();
        }
        long[] live = new long[1];
        entries.forEach((key, stored) -> {
            if (live(stored) != null) {
                live[0]++;
            }
        });
        return live[0];
    }

    @Override
    protected long doIncr(String key, long amount, long expiresAtIfCreated) {
        // compute runs atomically per key, creation included; a throw leaves the entry as it was. An
        // expired counter starts again from 0, as a created one, with the expiry given for creation.
        Object stored = entries.compute(key, (k, current) -> {
            Object value = live(current);
            Long sum = Counters.add(k, unwrapStored(value), amount);
            if (current == null) {
                creating(k);
            }
            Object counter = value == null ? withExpiry(sum, expiresAtIfCreated) : withExpiry(sum, expiresAt(current));
            published(k, counter);
            return counter;
        });
        return (Long) (stored instanceof Expiring expiring ? expiring.stored : stored);
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
        boolean[] swapped = new boolean[1];
        entries.compute(key, (k, current) -> {
            Object value = live(current);
            if (!Values.equal(unwrapStored(value), expected)) {
                if (value == null && current != null) {
                    removed();  // the expired entry goes
                    publishedRemoval(k, current);
                }
                return value == null ? null : current;
            }
            if (current == null && update != null) {
                creating(k);
            } else if (current != null && update == null) {
                removed();
            }
            swapped[0] = true;
            if (update == null) {
                if (current != null) {
                    publishedRemoval(k, current);
                }
                return null;
            }
            Object stored = withExpiry(wrap(update), expiresAt);
            published(k, stored);
            return stored;
        });
        return swapped[0];
    }

    @Override
    protected boolean doExpire(String key, long expiresAt) {
        boolean[] present = new boolean[1];
        entries.computeIfPresent(key, (k, current) -> {
            Object value = live(current);
            present[0] = value != null;
            if (value == null) {
                removed();  // the expired entry goes
                publishedRemoval(k, current);
            }
            return value == null ? null : withExpiry(value, expiresAt);
        });
        return present[0];
    }

    @Override
    protected boolean doPersist(String key) {
        boolean[] persisted = new boolean[1];
        entries.computeIfPresent(key, (k, current) -> {
            Object value = live(current);
            persisted[0] = value != null && current instanceof Expiring;
            if (value == null) {
                removed();  // the expired entry goes
                publishedRemoval(k, current);
            }
            return value;
        });
        return persisted[0];
    }

    @Override
    protected long doExpiresAt(String key) {
        Object stored = entries.get(key);
        return live(stored) == null ? Expiry.NONE : expiresAt(stored);
    }

    @Override
    protected void doClose() {
        if (isolated) {
            ExpirySweeper.forget(entries);  // nobody else holds the map: it goes with this handle
        }
    }

    @Override
    protected void doStoreAll(Map<String, Object> checked, long expiresAt) {
        if (limit == null) {
            checked.forEach((key, value) -> {
                if (value == null) {
                    removeEntry(key);
                } else {
                    putEntry(key, withExpiry(wrap(value), expiresAt));
                }
            });
            return;
        }
        // All or nothing: places for every key new now are taken first; a key removed meanwhile reuses the
        // place its removal gave back, and places left over (a key created meanwhile) are given back.
        String firstNew = null;
        long reserved = 0;
        for (Map.Entry<String, Object> entry : checked.entrySet()) {
            if (entry.getValue() != null && !entries.containsKey(entry.getKey())) {
                firstNew = firstNew == null ? entry.getKey() : firstNew;
                reserved++;
            }
        }
        limit.take(firstNew, reserved);
        long[] unused = {reserved};
        checked.forEach((key, value) -> {
            if (value == null) {
                removeEntry(key);
                return;
            }
            Object stored = withExpiry(wrap(value), expiresAt);
            entries.compute(key, (k, current) -> {
                if (current == null) {
                    if (unused[0] > 0) {
                        unused[0]--;
                    } else {
                        limit.takeFreed();
                    }
                }
                published(k, stored);
                return stored;
            });
        });
        limit.giveBack(unused[0]);
    }
}

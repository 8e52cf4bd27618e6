package io.statestore.memory;

import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Counters;
import io.statestore.value.Keys;
import io.statestore.value.Values;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A store in a {@link ConcurrentHashMap}. Values are kept in the value model's normal form, which is
 * immutable but for byte arrays. A stored value without byte arrays is kept as the {@link Optional} that
 * fetch returns, so a fetch allocates nothing; a value holding byte arrays is kept wrapped in
 * {@link WithBytes} so that fetch knows to copy it; a counter written by incr is kept as a bare
 * {@link Long}, so an increment allocates no more than {@code ConcurrentHashMap.merge} does.
 */
public final class MemoryStateStore extends AbstractStateStore {

    private static final ConcurrentMap<String, ConcurrentHashMap<String, Object>> NAMED = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Object> entries;

    private MemoryStateStore(String description, ConcurrentHashMap<String, Object> entries) {
        super(description);
        this.entries = entries;
    }

    /**
     * Opens a handle on the JVM-wide map of a name; every handle on the same name shares its entries.
     *
     * @param name the name; the empty name is the default map of {@code memory:}
     * @return a new handle
     */
    public static MemoryStateStore named(String name) {
        return new MemoryStateStore("memory:" + name, NAMED.computeIfAbsent(name, n -> new ConcurrentHashMap<>()));
    }

    /**
     * Opens a store on a map of its own that no other handle sees.
     *
     * @return a new store
     */
    public static MemoryStateStore isolated() {
        return new MemoryStateStore("memory (isolated)", new ConcurrentHashMap<>());
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

    @Override
    protected void doStore(String key, Object value) {
        entries.put(key, wrap(value));
    }

    @Override
    protected Optional<Object> doFetch(String key) {
        return fetchStored(entries.get(key));
    }

    @Override
    protected Optional<Object> doFetchUncheckedKey(String key) {
        // Every key in the map was checked when written and lookups compare exact strings, so a hit
        // proves the key valid; only a miss pays for the check (and reports a bad key).
        Object stored = key == null ? null : entries.get(key);
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
        return entries.remove(key) != null;
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String key : entries.keySet()) {
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Override
    protected void doClear() {
        entries.clear();
    }

    @Override
    protected long doSize() {
        return entries.mappingCount();
    }

    @Override
    protected long doIncr(String key, long amount) {
        // compute runs atomically per key, creation included; a throw leaves the entry as it was.
        return (Long) entries.compute(key, (k, current) -> Counters.add(k, unwrapStored(current), amount));
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update) {
        boolean[] swapped = new boolean[1];
        entries.compute(key, (k, current) -> {
            if (!Values.equal(unwrapStored(current), expected)) {
                return current;
            }
            swapped[0] = true;
            return update == null ? null : wrap(update);
        });
        return swapped[0];
    }

    @Override
    protected void doStoreAll(Map<String, Object> checked) {
        checked.forEach((key, value) -> {
            if (value == null) {
                entries.remove(key);
            } else {
                entries.put(key, wrap(value));
            }
        });
    }
}

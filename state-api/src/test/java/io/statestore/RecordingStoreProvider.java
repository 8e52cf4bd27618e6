package io.statestore;

import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Counters;
import io.statestore.spi.Expiry;
import io.statestore.spi.OptionsReader;
import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;
import io.statestore.value.Values;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A provider for the scheme {@code recording}: remembers the options it was opened with, so tests can check discovery. */
public final class RecordingStoreProvider implements StateStoreProvider {

    static volatile StoreOptions lastOptions;
    /** How many times a service loader made one of these. */
    static final java.util.concurrent.atomic.AtomicInteger INSTANCES = new java.util.concurrent.atomic.AtomicInteger();

    /** Made by the service loader. */
    public RecordingStoreProvider() {
        INSTANCES.incrementAndGet();
    }

    @Override
    public String scheme() {
        return "recording";
    }

    @Override
    public StateStore open(StoreOptions options) {
        OptionsReader reader = options.reader();
        reader.string("label", "");
        reader.validate();
        lastOptions = options;
        return new MapStore(options.uri());
    }

    /** The smallest real store, over a map, so that open returns something usable. */
    static final class MapStore extends AbstractStateStore {
        private final Map<String, Object> entries = new ConcurrentHashMap<>();

        MapStore(String description) {
            super(description);
        }

        /** This store serves the discovery tests, which set no expiry. */
        private static void noExpiry(long expiresAt) {
            if (expiresAt != Expiry.NONE) {
                throw new UnsupportedOperationException("the discovery tests' store keeps no expiry");
            }
        }

        @Override
        protected void doStore(String key, Object value, long expiresAt) {
            noExpiry(expiresAt);
            entries.put(key, value);
        }

        @Override
        protected boolean doExpire(String key, long expiresAt) {
            noExpiry(expiresAt);
            return false;
        }

        @Override
        protected boolean doPersist(String key) {
            return false;
        }

        @Override
        protected long doExpiresAt(String key) {
            return Expiry.NONE;
        }

        @Override
        protected Optional<Object> doFetch(String key) {
            return Optional.ofNullable(entries.get(key)).map(Values::copyOut);
        }

        @Override
        protected boolean doRemove(String key) {
            return entries.remove(key) != null;
        }

        @Override
        protected Collection<String> doKeys(String prefix) {
            Collection<String> keys = new ArrayList<>();
            entries.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(keys::add);
            return keys;
        }

        @Override
        protected void doClear() {
            entries.clear();
        }

        @Override
        protected long doSize() {
            return entries.size();
        }

        @Override
        protected long doIncr(String key, long amount, long expiresAtIfCreated) {
            noExpiry(expiresAtIfCreated);
            return (Long) entries.compute(key, (k, current) -> Counters.add(k, current, amount));
        }

        @Override
        protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
            noExpiry(expiresAt);
            boolean[] swapped = new boolean[1];
            entries.compute(key, (k, current) -> {
                if (!Values.equal(current, expected)) {
                    return current;
                }
                swapped[0] = true;
                return update;
            });
            return swapped[0];
        }
    }
}

package io.statestore.memory;

import io.statestore.StateStore;
import io.statestore.spi.OptionsReader;
import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;

/**
 * The {@code memory} scheme: {@code memory:} is the JVM's default shared map, {@code memory:NAME} a named
 * one. Every handle opened on a name shares its entries; closing a handle keeps them. {@code maxEntries=N}
 * bounds the number of keys of a name (new keys beyond it are refused).
 */
public final class MemoryStateStoreProvider implements StateStoreProvider {

    @Override
    public String scheme() {
        return "memory";
    }

    @Override
    public StateStore open(StoreOptions options) {
        OptionsReader reader = options.reader();
        long maxEntries = reader.longValue("maxEntries", 0, 1, Long.MAX_VALUE);
        reader.validate();
        return MemoryStateStore.named(options.target(), maxEntries);
    }
}

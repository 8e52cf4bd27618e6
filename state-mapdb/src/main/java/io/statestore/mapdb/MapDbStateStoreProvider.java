package io.statestore.mapdb;

import io.statestore.StateStore;
import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;

/**
 * The {@code mapdb} scheme: {@code mapdb:PATH?option=value&...} opens (or creates) the MapDB file at PATH,
 * creating missing parent directories. Options: {@code durability} ({@code every-write}, {@code interval},
 * {@code on-flush}, or their earlier names {@code sync}, {@code group}, {@code none}; default
 * {@code every-write}), {@code intervalMillis} (default 100), {@code fileMode} (default {@code 600}),
 * {@code map} (default {@code state}), {@code mmap} (default true), {@code fsync} (default true),
 * {@code checkpointBytes} (default 8 MiB), {@code lockWaitMillis} (default 0), {@code create} (default true)
 * and {@code verify} (default true); see docs/mapdb.md.
 */
public final class MapDbStateStoreProvider implements StateStoreProvider {

    @Override
    public String scheme() {
        return "mapdb";
    }

    @Override
    public StateStore open(StoreOptions options) {
        return MapDbStateStore.open(MapDbSettings.from(options));
    }
}

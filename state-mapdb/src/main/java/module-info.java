import io.statestore.mapdb.MapDbStateStoreProvider;

/** A durable single-file backend on MapDB, scheme {@code mapdb}. */
module io.statestore.mapdb {
    requires io.statestore.api;
    // The store's public API takes and unwraps a MapDB DB, so users of it read MapDB too.
    requires transitive mapdb;
    // MapDB reaches both at run time without declaring them (it has no module descriptor).
    requires kotlin.stdlib;
    requires com.google.common;

    exports io.statestore.mapdb;

    provides io.statestore.spi.StateStoreProvider with MapDbStateStoreProvider;
}

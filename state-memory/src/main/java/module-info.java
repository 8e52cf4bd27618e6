import io.statestore.memory.MemoryStateStoreProvider;

/** The in-JVM backend, scheme {@code memory}: the embedded default. */
module io.statestore.memory {
    requires io.statestore.api;

    exports io.statestore.memory;

    provides io.statestore.spi.StateStoreProvider with MemoryStateStoreProvider;
}

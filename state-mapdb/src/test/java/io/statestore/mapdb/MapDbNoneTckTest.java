package io.statestore.mapdb;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.tck.StateStoreTck;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract, on a fresh file per test, committing only on close, with the file memory-mapped. */
class MapDbNoneTckTest extends StateStoreTck {

    @TempDir
    Path dir;

    @Override
    protected StateStore openEmptyStore() {
        return StateStores.open("mapdb:" + dir.resolve("tck.db") + "?durability=none&mmap=true");
    }

    @Override
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) {
        return StateStores.open("mapdb:" + dir.resolve("limited.db") + "?durability=none&mmap=true&maxEntries=" + maxEntries);
    }
}

package io.statestore.mapdb;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.tck.StateStoreTck;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract, on a fresh file per test, with a background commit every 10 ms. */
class MapDbGroupTckTest extends StateStoreTck {

    @TempDir
    Path dir;

    @Override
    protected StateStore openEmptyStore() {
        return StateStores.open("mapdb:" + dir.resolve("tck.db") + "?durability=group&commitMillis=10");
    }

    @Override
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) {
        return StateStores.open("mapdb:" + dir.resolve("limited.db") + "?durability=group&commitMillis=10&maxEntries=" + maxEntries);
    }
}

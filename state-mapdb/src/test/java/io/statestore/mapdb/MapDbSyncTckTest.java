package io.statestore.mapdb;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.tck.StateStoreTck;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract, on a fresh file per test in the default mode, SYNC. Every increment here is a commit to
 * the disk, so the contention test makes fewer of them than the kit's default; the GROUP and NONE runs
 * make the full count.
 */
class MapDbSyncTckTest extends StateStoreTck {

    @TempDir
    Path dir;

    @Override
    protected StateStore openEmptyStore() {
        return StateStores.open("mapdb:" + dir.resolve("tck.db") + "?durability=sync");
    }

    @Override
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) {
        return StateStores.open("mapdb:" + dir.resolve("limited.db") + "?durability=sync&maxEntries=" + maxEntries);
    }

    @Override
    protected int contentionIncrementsPerThread() {
        return 1_000;
    }

    @Override
    protected int compareAndSetIncrementsPerThread() {
        return 100;
    }
}

package io.statestore.memory;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.tck.StateStoreTck;
import java.util.UUID;

/** The memory backend keeps the whole contract; each test gets a fresh named map of its own. */
class MemoryStateStoreTest extends StateStoreTck {

    @Override
    protected StateStore openEmptyStore() {
        return StateStores.open("memory:tck-" + UUID.randomUUID());
    }

    @Override
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) {
        return StateStores.open("memory:tck-limited-" + UUID.randomUUID() + "?maxEntries=" + maxEntries);
    }
}

package io.statestore.tck;

import io.statestore.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract every backend keeps. A backend's test is a subclass that says how to open an empty store:
 *
 * <pre>{@code
 * class MemoryStateStoreTest extends StateStoreTck {
 *     protected StateStore openEmptyStore() {
 *         return StateStores.open("memory:tck-" + UUID.randomUUID());
 *     }
 * }
 * }</pre>
 */
public abstract class StateStoreTck {

    /** The store under test, opened empty before each test and closed after it. */
    protected StateStore store;

    /**
     * Opens a store that holds no keys. Called before each test; the store is closed after it.
     *
     * @return an open, empty store
     * @throws Exception if it cannot be opened
     */
    protected abstract StateStore openEmptyStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = openEmptyStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }
}

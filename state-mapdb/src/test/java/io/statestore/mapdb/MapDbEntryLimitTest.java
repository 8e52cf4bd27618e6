package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.WriteNotAppliedException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mapdb:FILE?maxEntries=N} counts the keys of the file at open (the limit itself is in the TCK). */
class MapDbEntryLimitTest {

    @TempDir
    Path directory;

    private StateStore open(long maxEntries) {
        return StateStores.open("mapdb:" + directory.resolve("limited.db") + "?durability=on-flush&maxEntries="
                + maxEntries);
    }

    @Test
    @DisplayName("a reopened file counts the keys it holds against maxEntries")
    void countsTheFileAtOpen() {
        try (StateStore store = open(3)) {
            store.storeAll(Map.of("a", 1, "b", 2, "c", 3));
        }
        try (StateStore reopened = open(3)) {
            assertEquals(3, reopened.size());
            assertThrows(WriteNotAppliedException.class, () -> reopened.store("e", 5));
            reopened.clear();
            reopened.storeAll(Map.of("x", 1, "y", 2, "z", 3));
            assertEquals(3, reopened.size());
        }
    }
}

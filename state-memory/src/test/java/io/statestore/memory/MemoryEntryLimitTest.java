package io.statestore.memory;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.WriteNotAppliedException;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code memory:NAME?maxEntries=N} belongs to the name (the limit itself is in the TCK). */
class MemoryEntryLimitTest {

    @Test
    @DisplayName("every handle on a name shares its limit; another limit for the same name is refused")
    void theLimitBelongsToTheMap() {
        String name = "memory:shared-limit-" + UUID.randomUUID();
        try (StateStore first = StateStores.open(name + "?maxEntries=1"); StateStore second = StateStores.open(name)) {
            first.store("a", 1);
            assertThrows(WriteNotAppliedException.class, () -> second.store("b", 2));
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> StateStores.open(name + "?maxEntries=5"));
            assertTrue(other.getMessage().contains("maxEntries=1"), other.getMessage());
        }
    }
}

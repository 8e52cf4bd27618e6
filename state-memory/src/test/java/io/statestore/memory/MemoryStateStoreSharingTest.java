package io.statestore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStoreClosedException;
import io.statestore.StateStores;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What only the memory backend promises: a name is a JVM-wide map shared by its handles, like a named ETS table. */
class MemoryStateStoreSharingTest {

    private static String freshName() {
        return "sharing-" + UUID.randomUUID();
    }

    @Test
    @DisplayName("two handles on the same memory:NAME share their entries")
    void handlesOnOneNameShare() {
        String uri = "memory:" + freshName();
        try (StateStore first = StateStores.open(uri); StateStore second = StateStores.open(uri)) {
            first.store("k", "v");
            assertEquals(Optional.of("v"), second.fetch("k"));
            second.incr("counter", 5);
            assertEquals(6, first.incr("counter"));
            second.remove("k");
            assertEquals(Set.of("counter"), first.keys());
        }
    }

    @Test
    @DisplayName("closing one handle keeps the data for the other handles and for later ones")
    void closingAHandleKeepsTheData() {
        String uri = "memory:" + freshName();
        StateStore first = StateStores.open(uri);
        try (StateStore second = StateStores.open(uri)) {
            first.store("k", "v");
            first.close();
            assertThrows(StateStoreClosedException.class, () -> first.fetch("k"));
            assertEquals(Optional.of("v"), second.fetch("k"));
        }
        try (StateStore later = StateStores.open(uri)) {
            assertEquals(Optional.of("v"), later.fetch("k"));
        }
    }

    @Test
    @DisplayName("different names are different maps")
    void namesAreSeparate() {
        try (StateStore a = StateStores.open("memory:" + freshName());
             StateStore b = StateStores.open("memory:" + freshName())) {
            a.store("k", "in a");
            assertEquals(Optional.empty(), b.fetch("k"));
            assertEquals(0, b.size());
        }
    }

    @Test
    @DisplayName("memory: is one default map shared by every handle, and openDefault() opens it")
    void defaultMapIsShared() {
        String key = "default-" + UUID.randomUUID();
        String previous = System.getProperty(StateStores.URI_SYSTEM_PROPERTY);
        System.clearProperty(StateStores.URI_SYSTEM_PROPERTY);
        try (StateStore first = StateStores.open("memory:"); StateStore second = StateStores.open("memory:")) {
            first.store(key, 1);
            assertEquals(Optional.of(1L), second.fetch(key));
            if (System.getenv(StateStores.URI_ENVIRONMENT_VARIABLE) == null) {
                try (StateStore byDefault = StateStores.openDefault()) {
                    assertEquals(Optional.of(1L), byDefault.fetch(key));
                }
            }
            assertTrue(first.remove(key));
        } finally {
            if (previous != null) {
                System.setProperty(StateStores.URI_SYSTEM_PROPERTY, previous);
            }
        }
    }

    @Test
    @DisplayName("an isolated store shares nothing with named ones")
    void isolatedStoreIsPrivate() {
        String name = freshName();
        try (StateStore named = StateStores.open("memory:" + name); StateStore isolated = MemoryStateStore.isolated()) {
            named.store("k", "v");
            assertEquals(Optional.empty(), isolated.fetch("k"));
            isolated.store("k", "other");
            assertEquals(Optional.of("v"), named.fetch("k"));
        }
    }

    @Test
    @DisplayName("memory takes only maxEntries: an unknown option is rejected by name, listing the known one")
    void unknownOptionRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("memory:x?durability=sync"));
        assertTrue(e.getMessage().contains("unknown option \"durability\""), e.getMessage());
        assertTrue(e.getMessage().contains("memory options: maxEntries"), e.getMessage());
    }
}

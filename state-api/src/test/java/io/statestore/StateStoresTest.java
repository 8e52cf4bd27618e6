package io.statestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Discovery as users meet it. The test class path installs the {@code recording} backend, two backends
 * claiming {@code twice}, and a services entry whose class is missing.
 */
class StateStoresTest {

    private String savedProperty;

    @BeforeEach
    void saveProperty() {
        savedProperty = System.getProperty(StateStores.URI_SYSTEM_PROPERTY);
        RecordingStoreProvider.lastOptions = null;
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(StateStores.URI_SYSTEM_PROPERTY);
        } else {
            System.setProperty(StateStores.URI_SYSTEM_PROPERTY, savedProperty);
        }
    }

    @Test
    @DisplayName("the scheme picks the backend, which gets the target and the options")
    void openByScheme() {
        try (StateStore store = StateStores.open("recording:some/target?label=a", Map.of())) {
            store.store("k", 1);
            assertEquals(Optional.of(1L), store.fetch("k"));
        }
        assertEquals("some/target", RecordingStoreProvider.lastOptions.target());
        assertEquals(Map.of("label", "a"), RecordingStoreProvider.lastOptions.asMap());
        StateStores.open(URI.create("RECORDING:other"), Map.of("label", "b")).close();
        assertEquals("other", RecordingStoreProvider.lastOptions.target());
        assertEquals(Map.of("label", "b"), RecordingStoreProvider.lastOptions.asMap());
    }

    @Test
    @DisplayName("providers are found once, not on every open")
    void discoveryIsNotRepeated() {
        StateStores.open("recording:first").close();
        int instances = RecordingStoreProvider.INSTANCES.get();
        for (int i = 0; i < 5; i++) {
            StateStores.open("recording:again").close();
        }
        StateStores.schemes();
        assertEquals(instances, RecordingStoreProvider.INSTANCES.get(), "no new service loader scan");
    }

    @Test
    @DisplayName("an unknown scheme fails, listing the installed schemes and the backends that failed to load")
    void unknownScheme() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("nosuch:x"));
        String message = e.getMessage();
        assertTrue(message.contains("no backend for the scheme \"nosuch\""), message);
        assertTrue(message.contains("installed schemes: [recording, twice]"), message);
        assertTrue(message.contains("failed to load") && message.contains("io.statestore.MissingProvider"), message);
        assertEquals(Set.of("recording", "twice"), StateStores.schemes());
    }

    @Test
    @DisplayName("two backends for one scheme is an error naming both, not a guess")
    void ambiguousScheme() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateStores.open("twice:"));
        assertTrue(e.getMessage().contains("several backends serve the scheme \"twice\"")
                && e.getMessage().contains("TwiceFirstProvider") && e.getMessage().contains("TwiceSecondProvider"),
                e.getMessage());
    }

    @Test
    @DisplayName("a backend's option errors reach the caller")
    void optionErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("recording:x?lable=typo"));
        assertTrue(e.getMessage().contains("unknown option \"lable\""), e.getMessage());
    }

    @Test
    @DisplayName("openDefault opens the URI of the system property statestore.uri")
    void openDefaultWithProperty() {
        System.setProperty(StateStores.URI_SYSTEM_PROPERTY, "  recording:from-property  ");
        assertEquals("recording:from-property", StateStores.defaultUri());
        StateStores.openDefault().close();
        assertEquals("from-property", RecordingStoreProvider.lastOptions.target());
    }

    @Test
    @DisplayName("without configuration openDefault opens memory:")
    void openDefaultFallsBackToMemory() {
        System.setProperty(StateStores.URI_SYSTEM_PROPERTY, " ");
        String environment = System.getenv(StateStores.URI_ENVIRONMENT_VARIABLE);
        String expected = environment == null || environment.isBlank() ? "memory:" : environment.trim();
        assertEquals(expected, StateStores.defaultUri());
        if (expected.equals("memory:")) {
            // state-api alone has no memory backend: the error proves which URI was opened.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, StateStores::openDefault);
            assertTrue(e.getMessage().contains("\"memory\""), e.getMessage());
        }
    }

    @Test
    @DisplayName("a string that is not a store URI is rejected with an example")
    void notAUri() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StateStores.open("./state.db")).getMessage()
                .contains("is not a store URI"));
    }
}

package io.statestore.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class KeysTest {

    private static IllegalArgumentException rejected(String key) {
        return assertThrows(IllegalArgumentException.class, () -> Keys.check(key));
    }

    @Test
    @DisplayName("a valid key is returned as it is")
    void validKey() {
        String key = "user:42 \uD83D\uDE00";
        assertSame(key, Keys.check(key));
        assertEquals("\u0000", Keys.check("\u0000"));
    }

    @Test
    @DisplayName("null and empty keys are rejected by name")
    void nullAndEmpty() {
        assertEquals("key must not be null", rejected(null).getMessage());
        assertEquals("key must not be empty", rejected("").getMessage());
    }

    @Test
    @DisplayName("keys of exactly 64 KiB of UTF-8 pass, in 1-, 2-, 3- and 4-byte characters; one byte more fails")
    void lengthLimit() {
        int limit = StateStore.MAX_KEY_BYTES;
        String[] atLimit = {"a".repeat(limit), "\u00e9".repeat(limit / 2), "\u20ac".repeat(limit / 3) + "a",
                "\uD83D\uDE00".repeat(limit / 4)};
        for (String key : atLimit) {
            assertSame(key, Keys.check(key));
            IllegalArgumentException e = rejected(key + "b");
            assertTrue(e.getMessage().contains((limit + 1) + " bytes of UTF-8; the limit is " + limit), e.getMessage());
            assertTrue(e.getMessage().length() < 300, "the message quotes an excerpt, not the whole key");
        }
        // 21,846 three-byte characters: few enough chars to look short, too many bytes.
        rejected("\u20ac".repeat(limit / 3 + 1));
    }

    @Test
    @DisplayName("keys with unpaired surrogates are rejected, saying where")
    void surrogates() {
        IllegalArgumentException e = rejected("ab\uD800c");
        assertTrue(e.getMessage().contains("unpaired surrogate") && e.getMessage().contains("index 2"),
                e.getMessage());
        rejected("\uDC00");
        rejected("x\uD83D");
        rejected("\uDE00\uD83D");
    }

    @Test
    @DisplayName("excerpt shortens long text for messages")
    void excerpt() {
        assertEquals("short", Keys.excerpt("short"));
        String excerpt = Keys.excerpt("x".repeat(1000));
        assertTrue(excerpt.length() < 100 && excerpt.endsWith("..."), excerpt);
    }
}

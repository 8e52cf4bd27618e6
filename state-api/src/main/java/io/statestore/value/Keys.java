package io.statestore.value;

import io.statestore.StateStore;
import java.nio.charset.StandardCharsets;

/** The rules for keys: non-null, non-empty, valid Unicode, at most {@value StateStore#MAX_KEY_BYTES} bytes of UTF-8. */
public final class Keys {

    private static final int EXCERPT_CHARS = 60;

    /** A string of at most this many chars is at most 3 bytes per char in UTF-8 and so short enough. */
    private static final int SURELY_SHORT_CHARS = StateStore.MAX_KEY_BYTES / 3;

    private Keys() {
    }

    /**
     * Checks a key.
     *
     * @param key the key
     * @return the key
     * @throws IllegalArgumentException naming what is wrong with the key
     */
    public static String check(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        if (key.length() > SURELY_SHORT_CHARS) {
            int bytes = key.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > StateStore.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("key \"" + excerpt(key) + "\" is " + bytes
                        + " bytes of UTF-8; the limit is " + StateStore.MAX_KEY_BYTES);
            }
        }
        // The message is built only on failure: this check runs on every call of every store.
        int surrogate = Values.unpairedSurrogateIndex(key);
        if (surrogate >= 0) {
            throw Values.unpairedSurrogate("key \"" + excerpt(key) + "\"", key, surrogate);
        }
        return key;
    }

    /**
     * Shortens a key or string for an error message.
     *
     * @param text the text
     * @return the text, cut to its first characters with an ellipsis when long
     */
    public static String excerpt(String text) {
        return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "...";
    }
}

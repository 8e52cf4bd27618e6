package io.statestore.python;

import io.statestore.WatchEvent;
import java.util.List;
import java.util.Locale;

/**
 * What the bridge protocol fixes besides its operations ({@link Operation}) and error codes ({@link ErrorCode}):
 * the versions this side speaks, offered by {@link BridgeClient} and accepted by the server at hello.
 * docs/protocol.md and the Python package ({@code statestore.protocol}) must name the same versions.
 */
final class Protocol {

    /** The protocol versions this side speaks, highest last. */
    static final List<Long> VERSIONS = List.of(1L, 2L);

    /** The first version whose connections may watch keys and receive push frames. */
    static final long WATCH_VERSION = 2;

    /** The name a push frame carrying a watched change has in its second element. */
    static final String EVENT_PUSH = "event";

    private Protocol() {
    }

    /** How a kind of watched change is named in push frames: "set", "delete", "expire", "lost". */
    static String wireName(WatchEvent.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** The kind a push frame names, or {@code null} for a name this side does not know. */
    static WatchEvent.Kind kindNamed(String wireName) {
        for (WatchEvent.Kind kind : WatchEvent.Kind.values()) {
            if (wireName(kind).equals(wireName)) {
                return kind;
            }
        }
        return null;
    }

    /** The start of a text a peer sent, for a message: at most 40 characters. */
    static String excerpt(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}

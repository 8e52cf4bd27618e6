package io.statestore.python;

import java.util.List;

/**
 * What the bridge protocol fixes besides its operations ({@link Operation}) and error codes ({@link ErrorCode}):
 * the versions this side speaks, offered by {@link BridgeClient} and accepted by the server at hello.
 * docs/protocol.md and the Python package ({@code statestore.protocol}) must name the same versions.
 */
final class Protocol {

    /** The protocol versions this side speaks, highest last. */
    static final List<Long> VERSIONS = List.of(1L);

    private Protocol() {
    }

    /** The start of a text a peer sent, for a message: at most 40 characters. */
    static String excerpt(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}

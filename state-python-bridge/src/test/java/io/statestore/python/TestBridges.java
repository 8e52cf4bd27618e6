package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/** Real bridges on real sockets over real stores, for the tests. */
final class TestBridges {

    enum Transport { UNIX, TCP }

    private TestBridges() {
    }

    /** A store of its own: a named memory store no other test uses. */
    static StateStore freshStore() {
        return StateStores.open("memory:bridge-test-" + UUID.randomUUID());
    }

    /** A bridge serving both a Unix socket in {@code directory} and TCP on 127.0.0.1. */
    static StateBridge startBoth(StateStore store, Path directory) throws IOException {
        return StateBridge.start(store, BridgeOptions.builder()
                .unixSocket(directory.resolve("bridge.sock"))
                .tcpLoopback(0)
                .build());
    }

    static BridgeAddress address(StateBridge bridge, Transport transport) {
        return bridge.addresses().stream()
                .filter(address -> address.isUnix() == (transport == Transport.UNIX))
                .findFirst()
                .orElseThrow();
    }
}

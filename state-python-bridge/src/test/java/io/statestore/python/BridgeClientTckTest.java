package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.tck.StateStoreTck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance kit, run against a {@link BridgeClient}: every rule of the StateStore contract holds end to
 * end, through the protocol and a real bridge over a Unix socket, to a memory store.
 */
class BridgeClientTckTest extends StateStoreTck {
    private static StateBridge bridge;
    private static StateStore served;

    @BeforeAll
    static void startBridge() throws Exception {
        served = TestBridges.freshStore();
        bridge = StateBridge.start(served, BridgeOptions.defaults());
    }

    @AfterAll
    static void stopBridge() {
        bridge.close();
        served.close();
    }

    /** A fresh connection per test, to a store emptied first (the TCK closes the client after each test). */
    @Override
    protected StateStore openEmptyStore() throws Exception {
        served.clear();
        return BridgeClient.connect(bridge.address(), bridge.token());
    }
}

package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.tck.StateStoreTck;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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

    /** The bridge and store behind a limited client, stopped after the test. */
    private final List<AutoCloseable> limitedServers = new ArrayList<>();

    /** A client of a bridge of its own over a limited memory store, so that the limit's refusals cross the wire. */
    @Override
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) throws Exception {
        StateStore limited = StateStores.open("memory:bridge-limited-" + UUID.randomUUID() + "?maxEntries="
                + maxEntries);
        StateBridge limitedBridge = StateBridge.start(limited, BridgeOptions.defaults());
        limitedServers.add(limited);
        limitedServers.add(limitedBridge);
        return BridgeClient.connect(limitedBridge.address(), limitedBridge.token());
    }

    @AfterEach
    void stopLimitedServers() throws Exception {
        for (int i = limitedServers.size() - 1; i >= 0; i--) {
            limitedServers.get(i).close();
        }
        limitedServers.clear();
    }
}

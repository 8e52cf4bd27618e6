package io.statestore.hazelcast;

import io.statestore.StateStore;
import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;

/**
 * The {@code hazelcast} scheme: {@code hazelcast:?members=127.0.0.1:5701,127.0.0.1:5702&map=state} starts an
 * embedded member that joins the listed members; {@code mode=client} connects as a client instead. Every
 * member and client of a cluster needs the cluster's secret ({@code secretFile=PATH} or the environment
 * variable {@code STATESTORE_CLUSTER_SECRET}). Options and defaults are listed in {@code docs/hazelcast.md}.
 */
public final class HazelcastStateStoreProvider implements StateStoreProvider {

    @Override
    public String scheme() {
        return "hazelcast";
    }

    @Override
    public StateStore open(StoreOptions options) {
        return HazelcastStateStore.open(options);
    }
}

package io.statestore;

import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;

/** One of two providers that claim the same scheme, which StateStores must refuse to choose between. */
public final class TwiceFirstProvider implements StateStoreProvider {

    @Override
    public String scheme() {
        return "twice";
    }

    @Override
    public StateStore open(StoreOptions options) {
        throw new AssertionError("StateStores must not pick one of two providers for a scheme");
    }
}

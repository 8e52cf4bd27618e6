package io.statestore.spi;

import io.statestore.StateStore;

/**
 * A backend, found by {@link java.util.ServiceLoader}: modules declare
 * {@code provides io.statestore.spi.StateStoreProvider with ...} and jars also list the class in
 * {@code META-INF/services/io.statestore.spi.StateStoreProvider} for class-path users.
 */
public interface StateStoreProvider {

    /**
     * Returns the URI scheme this backend serves, such as {@code memory}, {@code mapdb}, {@code hazelcast}.
     *
     * @return the scheme, lower case
     */
    String scheme();

    /**
     * Opens a store.
     *
     * @param options the URI's target and the options from its query and the options map, already parsed
     * @return an open store
     * @throws IllegalArgumentException       if the options are invalid; the message lists every problem
     * @throws io.statestore.StateStoreException if the backend cannot open the store
     */
    StateStore open(StoreOptions options);
}

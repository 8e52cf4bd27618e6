/**
 * The statestore API: the {@link io.statestore.StateStore} contract, {@link io.statestore.StateStores}
 * to open a store by URI, the value model and its msgpack codec on byte arrays ({@code io.statestore.value}),
 * and the provider SPI ({@code io.statestore.spi}) that backend modules implement. No msgpack-core type is
 * part of the API: the streaming codec ({@code io.statestore.codec}) is exported to the Python bridge only.
 */
@SuppressWarnings("module") // the bridge's module is not on the API's module path when the API is built
module io.statestore.api {
    requires msgpack.core;

    exports io.statestore;
    exports io.statestore.spi;
    exports io.statestore.value;
    exports io.statestore.codec to io.statestore.python;

    uses io.statestore.spi.StateStoreProvider;
}

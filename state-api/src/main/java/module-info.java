/**
 * The statestore API: the {@link io.statestore.StateStore} contract, {@link io.statestore.StateStores}
 * to open a store by URI, the value model and its msgpack codec ({@code io.statestore.value}), and the
 * provider SPI ({@code io.statestore.spi}) that backend modules implement.
 */
module io.statestore.api {
    // The codec's streaming methods take msgpack-core's packer and unpacker.
    requires transitive msgpack.core;

    exports io.statestore;
    exports io.statestore.spi;
    exports io.statestore.value;

    uses io.statestore.spi.StateStoreProvider;
}

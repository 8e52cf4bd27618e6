/**
 * Serves any StateStore to Python worker processes ({@link io.statestore.python.StateBridge}), launches
 * workers ({@link io.statestore.python.PythonWorkers}), speaks the bridge protocol from Java
 * ({@link io.statestore.python.BridgeClient}); carries the {@code statestore} Python package for its workers.
 * A service that embeds the bridge brings its own backend; the command line lives in {@code io.statestore.cli}.
 */
module io.statestore.python {
    requires transitive io.statestore.api;
    // Frames are read and written with msgpack-core, through the API's streaming codec (io.statestore.codec).
    requires msgpack.core;

    exports io.statestore.python;
}

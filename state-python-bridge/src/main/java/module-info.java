/**
 * Serves any StateStore to Python worker processes ({@link io.statestore.python.StateBridge}), launches
 * workers ({@link io.statestore.python.PythonWorkers}), speaks the bridge protocol from Java
 * ({@link io.statestore.python.BridgeClient}); the {@code statestore} command line.
 */
module io.statestore.python {
    requires transitive io.statestore.api;
    // Frames are read and written with msgpack-core, through the API's streaming codec (io.statestore.codec).
    requires msgpack.core;
    requires info.picocli;
    // sun.misc.Signal: serve stops cleanly on SIGTERM and SIGINT and exits 0.
    requires jdk.unsupported;

    exports io.statestore.python;

    // picocli fills the command classes' fields by reflection.
    opens io.statestore.python.cli to info.picocli;
}

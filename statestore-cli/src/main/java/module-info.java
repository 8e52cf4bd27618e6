/**
 * The {@code statestore} command line ({@link io.statestore.cli.StatestoreCommand}): {@code serve} a store to
 * Python workers, {@code run} workers against a private bridge, and {@code get}, {@code set}, {@code incr},
 * {@code keys}, {@code del} for a person at a terminal. It carries every backend, so any store URI works.
 */
module io.statestore.cli {
    requires io.statestore.api;
    requires io.statestore.python;
    requires io.statestore.memory;
    requires io.statestore.mapdb;
    requires io.statestore.hazelcast;
    requires info.picocli;
    // serve --metrics: Micrometer's Prometheus registry, scraped through the JDK's HTTP server.
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires jdk.httpserver;
    // sun.misc.Signal: serve stops cleanly on SIGTERM and SIGINT and exits 0.
    requires jdk.unsupported;

    // picocli fills the command classes' fields by reflection.
    opens io.statestore.cli to info.picocli;
}

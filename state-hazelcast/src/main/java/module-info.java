import io.statestore.hazelcast.HazelcastStateStoreProvider;

/** A clustered backend on a Hazelcast IMap, scheme {@code hazelcast}. */
module io.statestore.hazelcast {
    requires io.statestore.api;
    requires transitive com.hazelcast.core;
    // Hazelcast reaches these at run time; launched with -m they must be in the module graph.
    requires jdk.unsupported;
    requires jdk.management;
    requires jdk.net;
    requires java.transaction.xa;
    // A member's query engine loads javax.sql.DataSource when it starts (NoClassDefFoundError without it).
    requires java.sql;
    // ClusterNameRedaction filters Hazelcast's default (java.util.logging) log.
    requires java.logging;

    exports io.statestore.hazelcast;

    provides io.statestore.spi.StateStoreProvider with HazelcastStateStoreProvider;
}

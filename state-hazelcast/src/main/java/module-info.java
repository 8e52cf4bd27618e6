/** A clustered backend on a Hazelcast IMap, scheme {@code hazelcast}. */
module io.statestore.hazelcast {
    requires io.statestore.api;
    requires com.hazelcast.core;
    // Hazelcast reaches these at run time; launched with -m they must be in the module graph.
    requires jdk.unsupported;
    requires jdk.management;
    requires jdk.net;
    requires java.transaction.xa;
}

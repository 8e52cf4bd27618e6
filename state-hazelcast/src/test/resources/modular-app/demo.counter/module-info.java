/** A user's application on the module path: it knows only the API; the hazelcast provider is bound as a service. */
module demo.counter {
    requires io.statestore.api;
}

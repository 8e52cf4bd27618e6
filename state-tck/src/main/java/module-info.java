/** The statestore conformance kit: extend {@link io.statestore.tck.StateStoreTck} and say how to open a store. */
module io.statestore.tck {
    requires transitive io.statestore.api;
    requires transitive org.junit.jupiter.api;
    requires org.junit.jupiter.params;

    exports io.statestore.tck;
    opens io.statestore.tck to org.junit.platform.commons;
}

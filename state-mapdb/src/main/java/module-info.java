/** A durable single-file backend on MapDB, scheme {@code mapdb}. */
module io.statestore.mapdb {
    requires io.statestore.api;
    requires mapdb;
    // MapDB reaches both at run time without declaring them (it has no module descriptor).
    requires kotlin.stdlib;
    requires com.google.common;
}

/** Serves any StateStore to Python worker processes; the statestore command line. */
module io.statestore.python {
    requires io.statestore.api;
    requires info.picocli;
}

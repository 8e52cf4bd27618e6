/** Runnable statestore examples. */
module io.statestore.examples {
    requires io.statestore.api;
}

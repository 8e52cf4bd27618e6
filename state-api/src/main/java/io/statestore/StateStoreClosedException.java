package io.statestore;

/** Thrown by every method of a {@link StateStore} after it was closed. */
public class StateStoreClosedException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param store a description of the closed store, such as its URI
     */
    public StateStoreClosedException(String store) {
        super("the store " + store + " is closed");
    }
}

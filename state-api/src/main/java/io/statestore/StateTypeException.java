package io.statestore;

/**
 * Thrown when a key holds a value of another type than the operation needs, such as {@code incr} on a
 * key holding a string. The stored value is left as it was.
 */
public class StateTypeException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message names the key, the type found and the type needed
     */
    public StateTypeException(String message) {
        super(message);
    }
}

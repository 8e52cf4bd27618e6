package io.statestore;

/**
 * Thrown when a lock or a semaphore permit was not granted within the time the caller would wait. Nothing is
 * held then.
 */
public class LeaseTimeoutException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what was not granted, and after how long
     */
    public LeaseTimeoutException(String message) {
        super(message);
    }
}

package io.statestore;

/**
 * Thrown when a store refuses a write without applying any of it: the store holds exactly what it held
 * before the call, for example because the disk is full. The message names the cause (the file and the
 * operating system's error). The store keeps serving reads, and the same write may succeed once the cause is
 * gone, without reopening the store.
 */
public class WriteNotAppliedException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what was refused and why
     * @param cause   the failure that made the store refuse it, such as an {@link java.io.IOException}
     */
    public WriteNotAppliedException(String message, Throwable cause) {
        super(message, cause);
    }
}

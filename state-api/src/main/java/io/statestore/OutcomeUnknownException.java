package io.statestore;

/**
 * Thrown when a write failed after the store may already have applied it, so that it cannot say whether
 * the write took effect or will survive a crash: for example the disk failed while the write was being made
 * durable. Readers of the store may see the write; after a crash it may or may not be there. A caller that
 * must know reads the key back, or makes the write again if it is idempotent (a {@code store}, unlike an
 * {@code incr}).
 */
public class OutcomeUnknownException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed and why
     * @param cause   the failure, such as an {@link java.io.IOException}
     */
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}

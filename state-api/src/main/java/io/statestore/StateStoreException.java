package io.statestore;

/**
 * The root of statestore's own exceptions: a backend failure such as a file in use or a cluster out of
 * reach. Bad arguments throw {@link IllegalArgumentException}, and counter overflow throws
 * {@link ArithmeticException}, as the JDK does.
 */
public class StateStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what went wrong and, where known, what to do
     */
    public StateStoreException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what went wrong and, where known, what to do
     * @param cause   the backend's exception
     */
    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.statestore.python;

import io.statestore.StateStoreException;

/**
 * An error reply from a bridge that has no closer Java exception: a protocol error such as
 * {@link ErrorCode#UNAUTHORIZED}, {@link ErrorCode#MALFORMED} or {@link ErrorCode#SERVER_BUSY}, or a lost
 * connection ({@link #code()} {@code null}).
 */
public class BridgeException extends StateStoreException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code    the error code of the reply, or {@code null} when the connection failed
     * @param message the server's message, or what failed
     */
    public BridgeException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * Creates an exception for a failed connection.
     *
     * @param message what failed
     * @param cause   the I/O failure
     */
    public BridgeException(String message, Throwable cause) {
        super(message, cause);
        this.code = null;
    }

    /**
     * Returns the error code of the reply.
     *
     * @return the code, or {@code null} when the connection failed rather than the server replying
     */
    public ErrorCode code() {
        return code;
    }
}

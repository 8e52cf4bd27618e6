package io.statestore.python;

/**
 * The error codes of the bridge protocol: the second element of an error reply {@code [id, code, message]}.
 * Success is code 0, which is not an error and so not listed.
 */
public enum ErrorCode {
    /** The frame is not msgpack, or not an array {@code [int id, str op, args...]}; the connection stays. */
    MALFORMED(1),
    /** Wrong or missing token, or a request before a successful hello; the connection is closed. */
    UNAUTHORIZED(2),
    /** Client and server share no protocol version; the connection is closed. */
    UNSUPPORTED_VERSION(3),
    /** The op is not one the server knows. */
    UNKNOWN_OP(4),
    /** Wrong number or types of arguments, an invalid key, or a value outside the value model. */
    BAD_ARGUMENT(5),
    /** The key holds a value of another type than the op needs, such as {@code incr} on a string. */
    WRONG_TYPE(6),
    /** A counter would overflow a signed 64-bit integer; the value stays. */
    OVERFLOW(7),
    /** The frame is longer than the server's maximum; the connection is closed. */
    FRAME_TOO_LARGE(8),
    /** The backend failed, or the store is closed. */
    STORE_ERROR(9),
    /** The server has as many connections as it allows; sent, then the connection is closed. */
    SERVER_BUSY(10),
    /**
     * The store refused a write before applying any of it: nothing changed; the message names the cause (such
     * as a full disk); retrying may succeed.
     */
    NOT_APPLIED(11),
    /**
     * A write failed after the store may have applied it: readers may see it, and a crash may lose it; the
     * message names the cause.
     */
    OUTCOME_UNKNOWN(12),
    /** A lock or semaphore permit was not granted within the wait the request gave; nothing is held. */
    TIMEOUT(13);

    private static final ErrorCode[] BY_CODE = new ErrorCode[14];

    static {
        for (ErrorCode code : values()) {
            BY_CODE[code.code] = code;
        }
    }

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /**
     * Returns the number sent on the wire.
     *
     * @return the code, 1 to 12
     */
    public int code() {
        return code;
    }

    /**
     * Finds the error code of a number.
     *
     * @param code a number from an error reply
     * @return its error code, or {@code null} if the number is not one of this protocol version
     */
    public static ErrorCode of(long code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}

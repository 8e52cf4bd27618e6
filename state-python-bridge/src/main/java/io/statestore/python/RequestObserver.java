package io.statestore.python;

/**
 * Told of every request the bridge answers after the hello, for metrics. Called on the connection's own thread
 * between reading a request and sending its reply, so an implementation must be quick and must not throw.
 */
@FunctionalInterface
public interface RequestObserver {

    /** Observes nothing: the default. */
    RequestObserver NONE = (op, error, nanos) -> { };

    /**
     * One request was answered.
     *
     * @param op    the op's wire name ({@code "get"}, {@code "incr"}, ...), or {@code "unknown"} for a name the
     *              server does not know
     * @param error {@code null} when it succeeded, else the code of the error reply
     * @param nanos the time from the request being decoded to its reply being encoded
     */
    void answered(String op, ErrorCode error, long nanos);
}

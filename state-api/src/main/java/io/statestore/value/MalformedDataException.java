package io.statestore.value;

/**
 * Thrown when bytes that should hold msgpack are not well-formed msgpack (cut short, a length that points past
 * the end, invalid UTF-8 in a string), as opposed to well-formed msgpack outside the value model, which is a
 * plain {@link IllegalArgumentException}. The Python bridge answers the first with MALFORMED and the second with
 * BAD_ARGUMENT.
 */
public class MalformedDataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong with the bytes
     * @param cause   the decoder's exception, or {@code null}
     */
    public MalformedDataException(String message, Throwable cause) {
        super(message, cause);
    }
}

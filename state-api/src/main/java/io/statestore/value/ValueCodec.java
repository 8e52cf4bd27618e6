package io.statestore.value;

import io.statestore.codec.MsgpackValues;
import java.math.BigInteger;

/**
 * The one codec of the value model: msgpack, as the file and cluster backends store values and the Python
 * bridge sends them. The Python package uses the same mapping.
 *
 * <table>
 * <caption>Mapping</caption>
 * <tr><th>normal form</th><th>msgpack</th></tr>
 * <tr><td>{@code null}</td><td>nil</td></tr>
 * <tr><td>{@code Boolean}</td><td>bool</td></tr>
 * <tr><td>{@code Long}</td><td>int</td></tr>
 * <tr><td>{@code BigInteger} outside the long range</td><td>ext type {@value #BIG_INTEGER_EXT_TYPE}: the
 * two's-complement big-endian bytes ({@link BigInteger#toByteArray()}); a uint64 above the long range
 * decodes as a {@code BigInteger} too</td></tr>
 * <tr><td>{@code Double}</td><td>float 64 (float 32 is read)</td></tr>
 * <tr><td>{@code String}</td><td>str (UTF-8; invalid UTF-8 is rejected, never replaced)</td></tr>
 * <tr><td>{@code byte[]}</td><td>bin</td></tr>
 * <tr><td>{@code List}</td><td>array</td></tr>
 * <tr><td>{@code Map}</td><td>map, in insertion order</td></tr>
 * </table>
 *
 * <p>Decoded lists and maps are unmodifiable, decoded byte arrays fresh; decoding rejects other ext types,
 * map keys that are not scalars, nesting deeper than {@link Values#MAX_DEPTH} and trailing bytes. Bytes that
 * are not well-formed msgpack are a {@link MalformedDataException}; well-formed msgpack outside the value
 * model an {@link IllegalArgumentException}.
 */
public final class ValueCodec {

    /** The msgpack ext type that carries an integer outside the long range. */
    public static final byte BIG_INTEGER_EXT_TYPE = 1;

    private ValueCodec() {
    }

    /**
     * Encodes a value. A {@code Long}, what counters hold, is written directly, in the same bytes msgpack-core's
     * {@code packLong} writes (its most compact integer form), without a packer.
     *
     * @param value a value of the value model, best in normal form, possibly {@code null}
     * @return its msgpack bytes
     * @throws IllegalArgumentException if the value is outside the value model
     */
    public static byte[] encode(Object value) {
        return MsgpackValues.encode(value);
    }

    /**
     * Decodes one value that fills the whole byte array.
     *
     * @param bytes msgpack bytes
     * @return the value in normal form
     * @throws MalformedDataException   if the bytes are not well-formed msgpack
     * @throws IllegalArgumentException if they are well-formed but not one value of the value model
     */
    public static Object decode(byte[] bytes) {
        return MsgpackValues.decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes one value that fills a range of a byte array, such as a stored entry that carries more than
     * the value.
     *
     * @param bytes  the array
     * @param offset where the value starts
     * @param length how many bytes it fills
     * @return the value in normal form
     * @throws MalformedDataException   if the range is not well-formed msgpack
     * @throws IllegalArgumentException if it is well-formed but not one value of the value model
     */
    public static Object decode(byte[] bytes, int offset, int length) {
        return MsgpackValues.decode(bytes, offset, length);
    }
}

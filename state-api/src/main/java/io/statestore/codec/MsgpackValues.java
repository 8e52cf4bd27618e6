package io.statestore.codec;

import io.statestore.value.MalformedDataException;
import io.statestore.value.ValueCodec;
import io.statestore.value.Values;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The value model's msgpack codec, streaming: what {@link ValueCodec} does with byte arrays, here on
 * msgpack-core's packers and unpackers, for the Python bridge, which reads requests and writes replies without
 * a byte array per value. Not part of the API: the module exports this package to the bridge's module only, so
 * that no user of the API depends on msgpack-core's types.
 */
public final class MsgpackValues {

    /** The msgpack ext type that carries an integer outside the long range: {@link ValueCodec#BIG_INTEGER_EXT_TYPE}. */
    private static final byte BIG_INTEGER_EXT_TYPE = ValueCodec.BIG_INTEGER_EXT_TYPE;

    /**
     * Packers for {@link #encode} start small: msgpack-core's default buffer is 8 KiB, which a store's typical
     * value, and a counter always, leaves nearly all unused (and zeroed) on every encode.
     */
    private static final MessagePack.PackerConfig PACKER = new MessagePack.PackerConfig().withBufferSize(256);

    private MsgpackValues() {
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
        if (value instanceof Long) {
            return encodeLong((Long) value);
        }
        try (MessageBufferPacker packer = PACKER.newBufferPacker()) {
            pack(packer, value);
            return packer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory failed", e);
        }
    }

    private static byte[] encodeLong(long v) {
        if (v < -(1L << 5)) {
            if (v < -(1L << 15)) {
                return v < -(1L << 31) ? integer((byte) 0xd3, v, 8) : integer((byte) 0xd2, v, 4);
            }
            return v < -(1 << 7) ? integer((byte) 0xd1, v, 2) : integer((byte) 0xd0, v, 1);
        }
        if (v < (1 << 7)) {
            return new byte[] {(byte) v};
        }
        if (v < (1L << 16)) {
            return v < (1 << 8) ? integer((byte) 0xcc, v, 1) : integer((byte) 0xcd, v, 2);
        }
        return v < (1L << 32) ? integer((byte) 0xce, v, 4) : integer((byte) 0xcf, v, 8);
    }

    private static byte[] integer(byte format, long value, int length) {
        byte[] bytes = new byte[1 + length];
        bytes[0] = format;
        for (int i = length; i >= 1; i--) {
            bytes[i] = (byte) value;
            value >>>= 8;
        }
        return bytes;
    }

    /**
     * Reads an integer that fits a long and fills the range exactly, in any of msgpack's integer forms;
     * {@code null} for anything else (a uint64 may not fit a long, and every other type is the unpacker's).
     */
    private static Long decodeLong(byte[] bytes, int offset, int length) {
        int format = bytes[offset] & 0xff;
        if (length == 1) {
            return format <= 0x7f || format >= 0xe0 ? (long) bytes[offset] : null;
        }
        int width;
        boolean signed;
        if (format >= 0xcc && format <= 0xce) {
            width = 1 << (format - 0xcc);
            signed = false;
        } else if (format >= 0xd0 && format <= 0xd3) {
            width = 1 << (format - 0xd0);
            signed = true;
        } else {
            return null;
        }
        if (length != 1 + width) {
            return null;
        }
        long value = signed ? bytes[offset + 1] : bytes[offset + 1] & 0xff;
        for (int i = 2; i <= width; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xff);
        }
        return value;
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
        Long integer = length > 0 ? decodeLong(bytes, offset, length) : null;
        if (integer != null) {
            return integer;
        }
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes, offset, length)) {
            Object value = unpack(unpacker, length);
            if (unpacker.hasNext()) {
                throw new IllegalArgumentException("msgpack data has " + (length - unpacker.getTotalReadBytes())
                        + " bytes after the value");
            }
            return value;
        } catch (IOException e) {
            throw new MalformedDataException("malformed msgpack: " + e.getMessage(), e);
        }
    }

    /**
     * Returns an unpacker over bytes, for {@link #unpack(MessageUnpacker, int)}.
     *
     * @param bytes msgpack bytes
     * @return an unpacker
     */
    public static MessageUnpacker newUnpacker(byte[] bytes) {
        return MessagePack.newDefaultUnpacker(bytes);
    }

    /**
     * Writes a value to a packer.
     *
     * @param packer where to write
     * @param value  a value of the value model, best in normal form, possibly {@code null}
     * @throws IOException              if the packer fails to write
     * @throws IllegalArgumentException if the value is outside the value model
     */
    public static void pack(MessagePacker packer, Object value) throws IOException {
        pack(packer, value, 0);
    }

    private static void pack(MessagePacker packer, Object value, int depth) throws IOException {
        if (value == null) {
            packer.packNil();
        } else if (value instanceof String) {
            packer.packString(Values.checkUnicode((String) value, "string"));
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            packer.packLong(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            packer.packDouble(((Number) value).doubleValue());
        } else if (value instanceof Boolean) {
            packer.packBoolean((Boolean) value);
        } else if (value instanceof byte[]) {
            byte[] bytes = (byte[]) value;
            packer.packBinaryHeader(bytes.length);
            packer.writePayload(bytes);
        } else if (value instanceof BigInteger) {
            Object normal = Values.normalizeInteger((BigInteger) value);
            if (normal instanceof Long) {
                packer.packLong((Long) normal);
            } else {
                byte[] payload = ((BigInteger) value).toByteArray();
                packer.packExtensionTypeHeader(BIG_INTEGER_EXT_TYPE, payload.length);
                packer.writePayload(payload);
            }
        } else if (value instanceof List<?>) {
            checkDepth(depth);
            List<?> list = (List<?>) value;
            packer.packArrayHeader(list.size());
            for (Object element : list) {
                pack(packer, element, depth + 1);
            }
        } else if (value instanceof Map<?, ?>) {
            checkDepth(depth);
            Map<?, ?> map = (Map<?, ?>) value;
            if (!hasNormalKeys(map)) {
                // Integer 1 and Long 1 would be written as the same key twice, and an int[] key as an array:
                // bytes decode rejects. Normalizing widens the keys and names whatever is wrong.
                pack(packer, Values.normalize(map), depth);
                return;
            }
            packer.packMapHeader(map.size());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                pack(packer, entry.getKey(), depth + 1);
                pack(packer, entry.getValue(), depth + 1);
            }
        } else {
            // Arrays and anything unusual: the normal form decides, and names what is unsupported.
            Object normal = Values.normalize(value);
            if (normal instanceof List<?>) {
                pack(packer, normal, depth);
            } else {
                throw new IllegalArgumentException(value.getClass().getTypeName() + " is not a storable value");
            }
        }
    }

    private static boolean hasNormalKeys(Map<?, ?> map) {
        for (Object key : map.keySet()) {
            boolean normal = key == null || key instanceof String || key instanceof Long || key instanceof Double
                    || key instanceof Boolean
                    || key instanceof BigInteger && Values.normalizeInteger((BigInteger) key) instanceof BigInteger;
            if (!normal) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one value from an unpacker over a byte array. Lengths declared in the data are checked against
     * the bytes that remain before anything is allocated, so hostile input cannot claim gigabytes.
     *
     * @param unpacker    where to read, made by {@link #newUnpacker(byte[])}
     * @param inputLength the length of the byte array the unpacker reads
     * @return the value in normal form
     * @throws IOException              if the unpacker fails to read or the data ends early
     * @throws MalformedDataException   if the data is not well-formed msgpack
     * @throws IllegalArgumentException if it is well-formed but not a value of the value model
     */
    public static Object unpack(MessageUnpacker unpacker, int inputLength) throws IOException {
        try {
            return unpack(unpacker, inputLength, 0);
        } catch (MessagePackException e) {
            throw new MalformedDataException("malformed msgpack: " + e.getMessage(), e);
        }
    }

    private static int checkLength(MessageUnpacker unpacker, int inputLength, long declared, String what) {
        long remaining = inputLength - unpacker.getTotalReadBytes();
        if (declared < 0 || declared > remaining) {
            throw new MalformedDataException("malformed msgpack: " + what + " declares " + declared
                    + " bytes or items but only " + remaining + " bytes remain", null);
        }
        return (int) declared;
    }

    private static Object unpack(MessageUnpacker unpacker, int inputLength, int depth) throws IOException {
        MessageFormat format = unpacker.getNextFormat();
        ValueType type = format.getValueType();
        switch (type) {
            case NIL:
                unpacker.unpackNil();
                return null;
            case BOOLEAN:
                return unpacker.unpackBoolean();
            case INTEGER:
                if (format == MessageFormat.UINT64) {
                    return Values.normalizeInteger(unpacker.unpackBigInteger());
                }
                return unpacker.unpackLong();
            case FLOAT:
                return unpacker.unpackDouble();
            case STRING: {
                int length = checkLength(unpacker, inputLength, unpacker.unpackRawStringHeader(), "a string");
                return string(unpacker.readPayload(length));
            }
            case BINARY: {
                int length = checkLength(unpacker, inputLength, unpacker.unpackBinaryHeader(), "a binary");
                return unpacker.readPayload(length);
            }
            case ARRAY: {
                checkDepth(depth);
                int size = checkLength(unpacker, inputLength, unpacker.unpackArrayHeader(), "an array");
                List<Object> list = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    list.add(unpack(unpacker, inputLength, depth + 1));
                }
                return Collections.unmodifiableList(list);
            }
            case MAP: {
                checkDepth(depth);
                int size = checkLength(unpacker, inputLength, 2L * unpacker.unpackMapHeader(), "a map") / 2;
                Map<Object, Object> map = new LinkedHashMap<>(size * 4 / 3 + 1);
                for (int i = 0; i < size; i++) {
                    Object key = unpack(unpacker, inputLength, depth + 1);
                    if (key instanceof List<?> || key instanceof Map<?, ?> || key instanceof byte[]) {
                        throw new IllegalArgumentException("map key of type " + Values.typeName(key)
                                + "; map keys must be strings, integers, floats, booleans or null");
                    }
                    if (map.containsKey(key)) {
                        throw new IllegalArgumentException("map has the key " + key + " twice");
                    }
                    map.put(key, unpack(unpacker, inputLength, depth + 1));
                }
                return Collections.unmodifiableMap(map);
            }
            case EXTENSION: {
                var header = unpacker.unpackExtensionTypeHeader();
                if (header.getType() != BIG_INTEGER_EXT_TYPE) {
                    throw new IllegalArgumentException("msgpack ext type " + header.getType()
                            + " is not part of the value model (only ext type " + BIG_INTEGER_EXT_TYPE
                            + ", a big integer, is)");
                }
                int length = checkLength(unpacker, inputLength, header.getLength(), "a big integer");
                if (length == 0) {
                    throw new MalformedDataException("malformed msgpack: a big integer ext with no bytes", null);
                }
                return Values.normalizeInteger(new BigInteger(unpacker.readPayload(length)));
            }
            default:
                throw new IllegalArgumentException("msgpack format " + format + " is not part of the value model");
        }
    }

    /**
     * Decodes a string's UTF-8 bytes, refusing invalid UTF-8 rather than replacing it. Keys and most strings
     * are ASCII, which is decoded without a decoder.
     */
    private static String string(byte[] utf8) {
        boolean ascii = true;
        for (byte b : utf8) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(utf8, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedDataException("malformed msgpack: a string is not valid UTF-8", e);
        }
    }

    private static void checkDepth(int depth) {
        if (depth >= Values.MAX_DEPTH) {
            throw new IllegalArgumentException("lists and maps nest deeper than " + Values.MAX_DEPTH + " levels");
        }
    }
}

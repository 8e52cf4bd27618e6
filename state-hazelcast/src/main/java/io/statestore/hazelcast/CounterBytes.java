package io.statestore.hazelcast;

import io.statestore.value.ValueCodec;

/**
 * The msgpack bytes of counters, read and written on the partition thread once per increment without the
 * general codec's packer and unpacker objects (and its 8 KiB buffer). {@link #encode(long)} writes exactly
 * the bytes {@link ValueCodec#encode(Object)} writes for a {@code Long} (msgpack's most compact integer
 * form, as msgpack-core's {@code packLong} chooses it); {@link #decode(byte[])} reads the integer forms that
 * fit a long and hands everything else to {@link ValueCodec#decode(byte[])}. {@code CounterBytesTest}
 * checks both against the codec.
 */
final class CounterBytes {

    private CounterBytes() {
    }

    static byte[] encode(long v) {
        if (v < -(1L << 5)) {
            if (v < -(1L << 15)) {
                return v < -(1L << 31) ? bytes((byte) 0xd3, v, 8) : bytes((byte) 0xd2, v, 4);
            }
            return v < -(1 << 7) ? bytes((byte) 0xd1, v, 2) : bytes((byte) 0xd0, v, 1);
        }
        if (v < (1 << 7)) {
            return new byte[] {(byte) v};
        }
        if (v < (1L << 16)) {
            return v < (1 << 8) ? bytes((byte) 0xcc, v, 1) : bytes((byte) 0xcd, v, 2);
        }
        return v < (1L << 32) ? bytes((byte) 0xce, v, 4) : bytes((byte) 0xcf, v, 8);
    }

    private static byte[] bytes(byte format, long value, int length) {
        byte[] bytes = new byte[1 + length];
        bytes[0] = format;
        for (int i = length; i >= 1; i--) {
            bytes[i] = (byte) value;
            value >>>= 8;
        }
        return bytes;
    }

    /** Decodes a stored value, fast when it is an integer that fits a long. */
    static Object decode(byte[] bytes) {
        int format = bytes[0] & 0xff;
        if (bytes.length == 1 && (format <= 0x7f || format >= 0xe0)) {
            return (long) bytes[0];
        }
        switch (format) {
            case 0xcc:
            case 0xcd:
            case 0xce:
                return bytes.length == 1 + (1 << (format - 0xcc)) ? unsigned(bytes) : ValueCodec.decode(bytes);
            case 0xd0:
            case 0xd1:
            case 0xd2:
            case 0xd3:
                return bytes.length == 1 + (1 << (format - 0xd0)) ? signed(bytes) : ValueCodec.decode(bytes);
            default:
                // uint64 may not fit a long, and every other type is the codec's business.
                return ValueCodec.decode(bytes);
        }
    }

    private static long unsigned(byte[] bytes) {
        long value = 0;
        for (int i = 1; i < bytes.length; i++) {
            value = (value << 8) | (bytes[i] & 0xff);
        }
        return value;
    }

    private static long signed(byte[] bytes) {
        long value = bytes[1];
        for (int i = 2; i < bytes.length; i++) {
            value = (value << 8) | (bytes[i] & 0xff);
        }
        return value;
    }
}

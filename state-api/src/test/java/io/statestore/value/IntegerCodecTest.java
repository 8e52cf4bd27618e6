package io.statestore.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/** The codec's direct path for integers, what counters hold, against msgpack-core's packer and unpacker. */
class IntegerCodecTest {

    private static LongStream samples(long seed) {
        Random random = new Random(seed);
        LongStream edges = LongStream.of(0, 1, -1, 31, 32, 127, 128, -32, -33, -128, -129, 255, 256, 65_535, 65_536,
                -32_768, -32_769, Integer.MAX_VALUE, Integer.MIN_VALUE, (1L << 31) + 1, -(1L << 31) - 1,
                (1L << 32) - 1, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE);
        return LongStream.concat(edges, LongStream.generate(() -> random.nextLong() >> random.nextInt(64)).limit(5_000));
    }

    private static byte[] packLong(long value) throws Exception {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packLong(value);
            return packer.toByteArray();
        }
    }

    private static long unpackLong(byte[] bytes) throws Exception {
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes)) {
            return unpacker.unpackLong();
        }
    }

    @Test
    @DisplayName("a Long is encoded in exactly the bytes msgpack-core's packLong writes")
    void longsAreEncodedAsPackLongWritesThem() throws Exception {
        long seed = System.nanoTime();
        for (long value : samples(seed).toArray()) {
            assertArrayEquals(packLong(value), ValueCodec.encode(value), "value " + value + " (seed " + seed + ")");
            assertEquals(value, unpackLong(ValueCodec.encode(value)), "value " + value + " (seed " + seed + ")");
        }
    }

    @Test
    @DisplayName("integers decode in every width, including wider forms than packLong writes, and other values as before")
    void integersDecodeInEveryWidth() throws Exception {
        long seed = System.nanoTime();
        for (long value : samples(seed).toArray()) {
            assertEquals(value, ValueCodec.decode(packLong(value)), "value " + value + " (seed " + seed + ")");
        }
        // Other msgpack writers, such as Python's, may use wider forms.
        assertEquals(5L, ValueCodec.decode(new byte[] {(byte) 0xd3, 0, 0, 0, 0, 0, 0, 0, 5}));
        assertEquals(200L, ValueCodec.decode(new byte[] {(byte) 0xcd, 0, (byte) 200}));
        assertEquals(-2L, ValueCodec.decode(new byte[] {(byte) 0xd1, (byte) 0xff, (byte) 0xfe}));
        assertEquals(4_294_967_295L, ValueCodec.decode(new byte[] {(byte) 0xce, -1, -1, -1, -1}));
        assertEquals(7L, ValueCodec.decode(new byte[] {9, 9, (byte) 0xcc, 7, 9}, 2, 2));
        for (Object other : List.of("text", 1.5, true, List.of(1L), Map.of("a", 2L),
                new BigInteger("18446744073709551615"), Long.MAX_VALUE)) {
            assertEquals(other, ValueCodec.decode(ValueCodec.encode(other)));
        }
    }
}

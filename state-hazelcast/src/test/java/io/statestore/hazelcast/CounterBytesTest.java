package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statestore.value.ValueCodec;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CounterBytesTest {

    private static LongStream samples(long seed) {
        Random random = new Random(seed);
        LongStream edges = LongStream.of(0, 1, -1, 31, 32, 127, 128, -32, -33, -128, -129, 255, 256, 65_535, 65_536,
                -32_768, -32_769, Integer.MAX_VALUE, Integer.MIN_VALUE, (1L << 31) + 1, -(1L << 31) - 1,
                (1L << 32) - 1, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE);
        return LongStream.concat(edges, LongStream.generate(() -> random.nextLong() >> random.nextInt(64)).limit(5_000));
    }

    @Test
    void countersAreEncodedExactlyAsTheValueCodecEncodesLongs() {
        long seed = System.nanoTime();
        samples(seed).forEach(value -> assertArrayEquals(ValueCodec.encode(value), CounterBytes.encode(value),
                "value " + value + " (seed " + seed + ")"));
    }

    @Test
    void decodingAgreesWithTheValueCodecForIntegersInEveryWidthAndForOtherValues() {
        long seed = System.nanoTime();
        samples(seed).forEach(value -> assertEquals(value, CounterBytes.decode(ValueCodec.encode(value)),
                "value " + value + " (seed " + seed + ")"));
        // Wider forms than packLong writes (other msgpack writers, such as Python's, may use them).
        assertEquals(5L, CounterBytes.decode(new byte[] {(byte) 0xd3, 0, 0, 0, 0, 0, 0, 0, 5}));
        assertEquals(200L, CounterBytes.decode(new byte[] {(byte) 0xcd, 0, (byte) 200}));
        assertEquals(-2L, CounterBytes.decode(new byte[] {(byte) 0xd1, (byte) 0xff, (byte) 0xfe}));
        assertEquals(4_294_967_295L, CounterBytes.decode(new byte[] {(byte) 0xce, -1, -1, -1, -1}));
        for (Object other : List.of("text", 1.5, true, List.of(1L), Map.of("a", 2L), new BigInteger("18446744073709551615"),
                Long.MAX_VALUE)) {
            assertEquals(ValueCodec.decode(ValueCodec.encode(other)), CounterBytes.decode(ValueCodec.encode(other)));
        }
    }
}

package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.statestore.value.ValueCodec;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CounterBytesTest {

    @Test
    void countersAreEncodedExactlyAsTheValueCodecEncodesLongs() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        LongStream edges = LongStream.of(0, 1, -1, 127, 128, -32, -33, 255, 256, 65_535, 65_536, -32_768, -32_769,
                Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE);
        LongStream.concat(edges, LongStream.generate(() -> random.nextLong() >> random.nextInt(64)).limit(2_000))
                .forEach(value -> assertArrayEquals(ValueCodec.encode(value), CounterBytes.encode(value),
                        "value " + value + " (seed " + seed + ")"));
    }
}

package io.statestore.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the value model and its codec over random values. Each run draws fresh seeds; a failing
 * seed is in the test's name and message, and {@code -Dstatestore.seed=N} runs only that seed again.
 */
class ValueCodecPropertyTest {

    static final String SEED_PROPERTY = "statestore.seed";
    private static final int SEEDS = 150;
    private static final int VALUES_PER_SEED = 20;

    static LongStream seeds() {
        String fixed = System.getProperty(SEED_PROPERTY);
        if (fixed != null && !fixed.isBlank()) {
            return LongStream.of(Long.parseLong(fixed.trim()));
        }
        return new SecureRandom().longs(SEEDS);
    }

    private static String replay(long seed, int index) {
        return "seed " + seed + ", value #" + index + " (replay: -D" + SEED_PROPERTY + "=" + seed + ")";
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("decode(encode(v)) equals the normal form of v, built independently of the library")
    void roundTrip(long seed) {
        RandomValues values = new RandomValues(seed, 6);
        for (int i = 0; i < VALUES_PER_SEED; i++) {
            RandomValues.Sample sample = values.next();
            Object decoded;
            try {
                decoded = ValueCodec.decode(ValueCodec.encode(sample.input()));
            } catch (RuntimeException e) {
                throw new AssertionError("round trip threw, " + replay(seed, i), e);
            }
            if (!Values.equal(sample.expected(), decoded)) {
                fail("round trip differs, " + replay(seed, i) + "\nexpected " + sample.expected()
                        + "\ndecoded  " + decoded);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("normalize gives the expected normal form, equal to itself, and encodes to the same bytes as its input")
    void normalizeAgreesWithCodec(long seed) {
        RandomValues values = new RandomValues(seed, 6);
        for (int i = 0; i < VALUES_PER_SEED; i++) {
            RandomValues.Sample sample = values.next();
            Object normal = Values.normalize(sample.input());
            String where = replay(seed, i);
            assertTrue(Values.equal(sample.expected(), normal), () -> "normalize differs, " + where);
            assertTrue(Values.equal(normal, Values.normalize(sample.input())), () -> "not reflexive, " + where);
            assertTrue(Values.equal(normal, Values.copyOut(normal)), () -> "copyOut differs, " + where);
            byte[] fromInput = ValueCodec.encode(sample.input());
            byte[] fromNormal = ValueCodec.encode(normal);
            assertArrayEquals(fromInput, fromNormal, () -> "encodings differ, " + where);
            assertArrayEquals(fromNormal, ValueCodec.encode(ValueCodec.decode(fromNormal)),
                    () -> "re-encoding a decoded value changes its bytes, " + where);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("every truncation of an encoding is rejected with IllegalArgumentException")
    void truncationsRejected(long seed) {
        RandomValues values = new RandomValues(seed, 4);
        Random cuts = new Random(seed);
        for (int i = 0; i < VALUES_PER_SEED; i++) {
            byte[] full = ValueCodec.encode(values.next().input());
            for (int c = 0; c < 10; c++) {
                int length = cuts.nextInt(full.length);
                byte[] truncated = Arrays.copyOf(full, length);
                try {
                    ValueCodec.decode(truncated);
                    fail("a truncation to " + length + " of " + full.length + " bytes decoded, " + replay(seed, i));
                } catch (IllegalArgumentException expected) {
                    // the only acceptable outcome
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("a truncation threw " + e + " instead of IllegalArgumentException, "
                            + replay(seed, i), e);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("corrupted bytes decode to a value or throw IllegalArgumentException, nothing else")
    void corruptionOnlyEverThrowsIllegalArgument(long seed) {
        RandomValues values = new RandomValues(seed, 4);
        Random noise = new Random(seed);
        for (int i = 0; i < VALUES_PER_SEED; i++) {
            byte[] bytes = ValueCodec.encode(values.next().input());
            for (int flips = 1 + noise.nextInt(3); flips > 0; flips--) {
                bytes[noise.nextInt(bytes.length)] = (byte) noise.nextInt(256);
            }
            try {
                Object decoded = ValueCodec.decode(bytes);
                // Whatever decodes is a value of the model: it encodes again.
                ValueCodec.encode(decoded);
            } catch (IllegalArgumentException expected) {
                // rejected with a message: fine
            } catch (RuntimeException | Error e) {
                throw new AssertionError("corrupted bytes threw " + e + ", " + replay(seed, i), e);
            }
        }
    }
}

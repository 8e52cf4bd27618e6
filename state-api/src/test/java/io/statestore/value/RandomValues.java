package io.statestore.value;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of random values of the value model, for property tests: each {@link Sample} holds
 * a value as a caller may pass it (an {@code Integer}, a {@code Float}, an {@code int[]}, a mutable
 * {@code ArrayList}...) and, built independently of the library, the normal form a store must hand back.
 * The same seed always gives the same samples, so a failing case can be replayed from its seed.
 *
 * <p>The TCK ships the same generator as {@code io.statestore.tck.RandomValues} for backends; this test
 * copy exists because state-api cannot depend on state-tck, which depends on it. Keep the two in step.
 */
public final class RandomValues {

    /** A value to store and the value a fetch must return, equal by {@code Values.equal}. */
    public static final class Sample {
        private final Object input;
        private final Object expected;

        Sample(Object input, Object expected) {
            this.input = input;
            this.expected = expected;
        }

        /**
         * Returns the value as a caller passes it.
         *
         * @return the input value
         */
        public Object input() {
            return input;
        }

        /**
         * Returns the normal form of the input.
         *
         * @return the expected value
         */
        public Object expected() {
            return expected;
        }
    }

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final Random random;
    private final int maxDepth;

    /**
     * Creates a generator.
     *
     * @param seed     the seed; print it when a property fails
     * @param maxDepth how deep containers may nest in ordinary samples (a rare deep chain goes further)
     */
    public RandomValues(long seed, int maxDepth) {
        this.random = new Random(seed);
        this.maxDepth = maxDepth;
    }

    /**
     * Returns a random non-null value: a scalar, or a container of any nesting up to the maximum depth,
     * occasionally a deep chain of nested lists and maps.
     *
     * @return a sample
     */
    public Sample next() {
        if (random.nextInt(40) == 0) {
            return deepChain(50 + random.nextInt(150));
        }
        Sample sample;
        do {
            sample = value(0);
        } while (sample.input == null);
        return sample;
    }

    private Sample deepChain(int depth) {
        Sample inner = scalar();
        for (int i = 0; i < depth; i++) {
            if (random.nextBoolean()) {
                List<Object> input = new ArrayList<>();
                input.add(inner.input);
                inner = new Sample(input, Collections.singletonList(inner.expected));
            } else {
                Map<Object, Object> input = new LinkedHashMap<>();
                Map<Object, Object> expected = new LinkedHashMap<>();
                input.put("d" + i, inner.input);
                expected.put("d" + i, inner.expected);
                inner = new Sample(input, expected);
            }
        }
        return inner;
    }

    private Sample value(int depth) {
        int choice = random.nextInt(depth < maxDepth ? 14 : 10);
        if (choice < 10) {
            return scalar();
        }
        switch (choice) {
            case 10:
            case 11:
                return list(depth);
            case 12:
                return map(depth);
            default:
                return array(depth);
        }
    }

    /**
     * Returns a random scalar, possibly {@code null}.
     *
     * @return a sample
     */
    public Sample scalar() {
        switch (random.nextInt(13)) {
            case 0:
                return new Sample(null, null);
            case 1: {
                Boolean b = random.nextBoolean();
                return new Sample(b, b);
            }
            case 2: {
                long l = randomLong();
                return new Sample(l, l);
            }
            case 3: {
                int i = random.nextBoolean() ? random.nextInt() : random.nextInt(100) - 50;
                return new Sample(i, (long) i);
            }
            case 4: {
                short s = (short) random.nextInt();
                byte b = (byte) random.nextInt();
                return random.nextBoolean() ? new Sample(s, (long) s) : new Sample(b, (long) b);
            }
            case 5: {
                BigInteger big = randomBigInteger();
                boolean fits = big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0;
                return new Sample(big, fits ? (Object) big.longValue() : big);
            }
            case 6: {
                double d = randomDouble();
                return new Sample(d, d);
            }
            case 7: {
                float f = random.nextInt(5) == 0 ? Float.NaN : Float.intBitsToFloat(random.nextInt());
                return new Sample(f, (double) f);
            }
            case 8:
            case 9: {
                String s = randomString();
                return new Sample(s, s);
            }
            case 10:
            case 11: {
                byte[] bytes = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(300)];
                random.nextBytes(bytes);
                return new Sample(bytes, bytes.clone());
            }
            default: {
                // A map key type as a value too, so every scalar also appears outside maps.
                String s = "";
                return new Sample(s, s);
            }
        }
    }

    private Sample list(int depth) {
        int size = random.nextInt(5) == 0 ? 0 : random.nextInt(8);
        List<Object> input = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Sample element = value(depth + 1);
            input.add(element.input);
            expected.add(element.expected);
        }
        return new Sample(input, Collections.unmodifiableList(expected));
    }

    private Sample map(int depth) {
        int size = random.nextInt(5) == 0 ? 0 : random.nextInt(8);
        Map<Object, Object> input = new LinkedHashMap<>();
        Map<Object, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            Sample key = mapKey();
            if (expected.containsKey(key.expected)) {
                continue; // two keys equal once widened would be rejected; that is tested elsewhere
            }
            Sample element = value(depth + 1);
            input.put(key.input, element.input);
            expected.put(key.expected, element.expected);
        }
        return new Sample(input, Collections.unmodifiableMap(expected));
    }

    private Sample mapKey() {
        while (true) {
            Sample key = scalar();
            if (!(key.input instanceof byte[])) {
                return key;
            }
        }
    }

    private Sample array(int depth) {
        int size = random.nextInt(6);
        List<Object> expected = new ArrayList<>();
        switch (random.nextInt(5)) {
            case 0: {
                int[] input = new int[size];
                for (int i = 0; i < size; i++) {
                    input[i] = random.nextInt();
                    expected.add((long) input[i]);
                }
                return new Sample(input, expected);
            }
            case 1: {
                long[] input = new long[size];
                for (int i = 0; i < size; i++) {
                    input[i] = randomLong();
                    expected.add(input[i]);
                }
                return new Sample(input, expected);
            }
            case 2: {
                double[] input = new double[size];
                for (int i = 0; i < size; i++) {
                    input[i] = randomDouble();
                    expected.add(input[i]);
                }
                return new Sample(input, expected);
            }
            case 3: {
                boolean[] input = new boolean[size];
                for (int i = 0; i < size; i++) {
                    input[i] = random.nextBoolean();
                    expected.add(input[i]);
                }
                return new Sample(input, expected);
            }
            default: {
                Object[] input = new Object[size];
                for (int i = 0; i < size; i++) {
                    Sample element = value(depth + 1);
                    input[i] = element.input;
                    expected.add(element.expected);
                }
                return new Sample(input, expected);
            }
        }
    }

    private long randomLong() {
        switch (random.nextInt(6)) {
            case 0:
                return Long.MAX_VALUE;
            case 1:
                return Long.MIN_VALUE;
            case 2:
                return random.nextInt(3) - 1;
            default:
                return random.nextLong() >> random.nextInt(64);
        }
    }

    private BigInteger randomBigInteger() {
        switch (random.nextInt(5)) {
            case 0:
                return LONG_MAX.add(BigInteger.ONE);
            case 1:
                return LONG_MIN.subtract(BigInteger.ONE);
            case 2:
                return BigInteger.valueOf(randomLong());
            default: {
                BigInteger magnitude = new BigInteger(64 + random.nextInt(300), random);
                return random.nextBoolean() ? magnitude : magnitude.negate();
            }
        }
    }

    private double randomDouble() {
        switch (random.nextInt(10)) {
            case 0:
                return Double.NaN;
            case 1:
                return random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2:
                return random.nextBoolean() ? -0.0 : 0.0;
            case 3:
                return random.nextBoolean() ? Double.MIN_VALUE : Double.MAX_VALUE;
            case 4:
                return random.nextInt(1000) - 500; // whole doubles, which must stay doubles
            default:
                return Double.longBitsToDouble(random.nextLong());
        }
    }

    private String randomString() {
        int length = random.nextInt(5) == 0 ? 0 : random.nextInt(40);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(4)) {
                case 0:
                    text.append((char) (' ' + random.nextInt(95)));
                    break;
                case 1:
                    // Non-BMP: emoji and other supplementary code points, written as surrogate pairs.
                    text.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1));
                    break;
                default: {
                    int codePoint;
                    do {
                        codePoint = random.nextInt(0x10000);
                    } while (Character.isSurrogate((char) codePoint));
                    text.appendCodePoint(codePoint);
                }
            }
        }
        return text.toString();
    }
}

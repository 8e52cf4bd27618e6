package io.statestore.tck;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statestore.Lease;
import io.statestore.LeaseTimeoutException;
import io.statestore.StateStore;
import io.statestore.StateStoreClosedException;
import io.statestore.StateTypeException;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import io.statestore.WriteNotAppliedException;
import io.statestore.value.Values;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every backend keeps. A backend's test is a subclass that says how to open an empty store:
 *
 * <pre>{@code
 * class MemoryStateStoreTest extends StateStoreTck {
 *     protected StateStore openEmptyStore() {
 *         return StateStores.open("memory:tck-" + UUID.randomUUID());
 *     }
 * }
 * }</pre>
 *
 * <p>The kit checks behaviour only, never identity or in-JVM details, so it runs unchanged against a
 * store in memory, in a file or in a cluster. Backends whose operations are slow (a network round trip
 * each) may lower the sizes of the concurrency tests by overriding {@link #contentionThreads()},
 * {@link #contentionIncrementsPerThread()}, {@link #creationRaceRounds()},
 * {@link #compareAndSetIncrementsPerThread()} and {@link #randomValueCount()}. The random property
 * test reads the seed from the system property {@value #SEED_PROPERTY} when set, to replay a failure.
 */
public abstract class StateStoreTck {

    /** The system property that fixes the seed of the random value test, to replay a failure: {@value}. */
    public static final String SEED_PROPERTY = "statestore.tck.seed";

    private static final Duration CONCURRENCY_LIMIT = Duration.ofMinutes(3);

    /** The store under test, opened empty before each test and closed after it. */
    protected StateStore store;

    /**
     * Opens a store that holds no keys. Called before each test; the store is closed after it.
     *
     * @return an open, empty store
     * @throws Exception if it cannot be opened
     */
    protected abstract StateStore openEmptyStore() throws Exception;

    /**
     * How long the watch test waits for the event of a key's expiry: a backend tells it when it reclaims the key,
     * at its own pace.
     *
     * @return the wait; 10 s by default
     */
    protected Duration expiryEventWait() {
        return Duration.ofSeconds(10);
    }

    /**
     * How many threads the concurrency tests run at once.
     *
     * @return the thread count; 8 by default
     */
    protected int contentionThreads() {
        return 8;
    }

    /**
     * How many increments each thread makes in the exact-total test.
     *
     * @return increments per thread; 20,000 by default (lower it for networked backends)
     */
    protected int contentionIncrementsPerThread() {
        return 20_000;
    }

    /**
     * How many fresh keys the creation-race tests have every thread hit at the same moment.
     *
     * @return the number of rounds; 50 by default
     */
    protected int creationRaceRounds() {
        return 50;
    }

    /**
     * How many successful compare-and-set increments each thread makes.
     *
     * @return increments per thread; 300 by default
     */
    protected int compareAndSetIncrementsPerThread() {
        return 300;
    }

    /**
     * Opens an empty store that holds at most {@code maxEntries} keys (the backend's {@code maxEntries}
     * option), for the limit's tests; the caller closes it.
     *
     * @param maxEntries the limit
     * @return the store, or {@code null} if the backend has no such limit (the limit's tests then do not apply)
     * @throws Exception if it cannot be opened
     */
    protected StateStore openEmptyStoreWithMaxEntries(long maxEntries) throws Exception {
        return null;
    }

    /**
     * How many random values the property test stores and fetches.
     *
     * @return the count; 300 by default
     */
    protected int randomValueCount() {
        return 300;
    }

    @BeforeEach
    void openStore() throws Exception {
        store = openEmptyStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---------------------------------------------------------------- store, fetch, remove

    @Test
    @DisplayName("store then fetch returns the value")
    void storeThenFetch() {
        store.store("k", "v");
        assertEquals(Optional.of("v"), store.fetch("k"));
    }

    @Test
    @DisplayName("store replaces an existing value, of any type")
    void storeReplaces() {
        store.store("k", "first");
        store.store("k", List.of(1L, 2L));
        assertValue(List.of(1L, 2L), store.fetch("k"));
        assertEquals(1, store.size());
    }

    @Test
    @DisplayName("fetch of an absent key is empty")
    void fetchAbsent() {
        assertEquals(Optional.empty(), store.fetch("absent"));
        store.store("present", 1);
        assertEquals(Optional.empty(), store.fetch("absent"));
    }

    @Test
    @DisplayName("fetch(key, type) returns the value as that type, empty when absent")
    void fetchTyped() {
        store.store("s", "text");
        store.store("n", 5);
        store.store("m", Map.of("a", 1));
        store.store("l", List.of(1));
        store.store("b", new byte[] {1, 2});
        store.store("d", 2.5f);
        assertAll(
                () -> assertEquals(Optional.of("text"), store.fetch("s", String.class)),
                () -> assertEquals(Optional.of(5L), store.fetch("n", Long.class)),
                () -> assertEquals(Optional.of(5L), store.fetch("n", Number.class)),
                () -> assertEquals(Optional.of(2.5), store.fetch("d", Double.class)),
                () -> assertValue(Map.of("a", 1L), store.fetch("m", Map.class)),
                () -> assertValue(List.of(1L), store.fetch("l", List.class)),
                () -> assertArrayEquals(new byte[] {1, 2}, store.fetch("b", byte[].class).orElseThrow()),
                () -> assertEquals(Optional.of("text"), store.fetch("s", Object.class)),
                () -> assertEquals(Optional.empty(), store.fetch("absent", Long.class)));
    }

    @Test
    @DisplayName("fetch(key, type) of another type throws StateTypeException naming the key; the value stays")
    void fetchTypedWrongType() {
        store.store("counter-name", "not a number");
        StateTypeException e = assertThrows(StateTypeException.class, () -> store.fetch("counter-name", Long.class));
        assertMessageNames(e, "counter-name");
        store.store("int", 5);
        assertThrows(StateTypeException.class, () -> store.fetch("int", Integer.class),
                "integers are fetched as Long, never Integer");
        assertEquals(Optional.of("not a number"), store.fetch("counter-name"));
        assertEquals(Optional.of(5L), store.fetch("int"));
    }

    @Test
    @DisplayName("remove of a present key returns true and the key is gone")
    void removePresent() {
        store.store("k", "v");
        store.store("other", "w");
        assertTrue(store.remove("k"));
        assertEquals(Optional.empty(), store.fetch("k"));
        assertEquals(Optional.of("w"), store.fetch("other"));
        assertEquals(1, store.size());
    }

    @Test
    @DisplayName("remove of an absent key returns false")
    void removeAbsent() {
        assertFalse(store.remove("absent"));
        store.store("k", "v");
        assertTrue(store.remove("k"));
        assertFalse(store.remove("k"));
    }

    @Test
    @DisplayName("keys may be any valid Unicode: spaces, separators, NUL, non-BMP characters")
    void unusualKeys() {
        List<String> keys = List.of("with space", "a/b:c?d=e&f#g", "nul\u0000inside", "emoji \uD83D\uDE00",
                "\u00e9t\u00e9", "\u4e2d\u6587", ".", "%41", " ");
        for (int i = 0; i < keys.size(); i++) {
            store.store(keys.get(i), (long) i);
        }
        assertEquals(Set.copyOf(keys), store.keys());
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(Optional.of((long) i), store.fetch(keys.get(i)), keys.get(i));
        }
    }

    // ---------------------------------------------------------------- keys, size, clear

    @Test
    @DisplayName("keys() is a snapshot of every key")
    void keysSnapshot() {
        assertEquals(Set.of(), store.keys());
        store.store("a", 1);
        store.store("b", 2);
        store.incr("c");
        Set<String> snapshot = store.keys();
        assertEquals(Set.of("a", "b", "c"), snapshot);
        store.store("d", 4);
        store.remove("a");
        assertEquals(Set.of("a", "b", "c"), snapshot, "a snapshot does not follow later writes");
        assertEquals(Set.of("b", "c", "d"), store.keys());
    }

    @Test
    @DisplayName("keys() and keys(prefix) are unmodifiable")
    void keysUnmodifiable() {
        store.store("a", 1);
        Set<String> all = store.keys();
        Set<String> prefixed = store.keys("a");
        assertThrows(UnsupportedOperationException.class, () -> all.add("x"));
        assertThrows(UnsupportedOperationException.class, () -> all.remove("a"));
        assertThrows(UnsupportedOperationException.class, () -> prefixed.add("ax"));
        assertThrows(UnsupportedOperationException.class, prefixed::clear);
        assertEquals(Optional.of(1L), store.fetch("a"));
    }

    @Test
    @DisplayName("keys(prefix) returns the keys that start with the prefix; the empty prefix matches all")
    void keysPrefix() {
        store.store("user:1", 1);
        store.store("user:2", 2);
        store.store("users", 3);
        store.store("job:1", 4);
        store.store("\uD83D\uDE00:1", 5);
        assertEquals(Set.of("user:1", "user:2"), store.keys("user:"));
        assertEquals(Set.of("user:1", "user:2", "users"), store.keys("user"));
        assertEquals(Set.of("\uD83D\uDE00:1"), store.keys("\uD83D\uDE00"));
        assertEquals(Set.of(), store.keys("nothing"));
        assertEquals(store.keys(), store.keys(""));
        assertEquals(5, store.keys("").size());
        assertThrows(NullPointerException.class, () -> store.keys(null));
    }

    @Test
    @DisplayName("keys(prefix) snapshot does not follow later writes")
    void keysPrefixSnapshot() {
        store.store("p1", 1);
        Set<String> snapshot = store.keys("p");
        store.store("p2", 2);
        assertEquals(Set.of("p1"), snapshot);
        assertEquals(Set.of("p1", "p2"), store.keys("p"));
    }

    @Test
    @DisplayName("size counts the keys")
    void size() {
        assertEquals(0, store.size());
        store.store("a", 1);
        store.store("b", 2);
        store.incr("c");
        assertEquals(3, store.size());
        store.store("a", 10);
        assertEquals(3, store.size(), "replacing does not add a key");
        store.remove("b");
        assertEquals(2, store.size());
    }

    @Test
    @DisplayName("clear removes every key; counters then start again from 0")
    void clear() {
        store.store("a", 1);
        store.incr("c", 7);
        store.clear();
        assertEquals(0, store.size());
        assertEquals(Set.of(), store.keys());
        assertEquals(Optional.empty(), store.fetch("a"));
        assertEquals(1, store.incr("c"));
        store.clear();
        store.clear();
        assertEquals(0, store.size());
    }

    // ---------------------------------------------------------------- counters

    @Test
    @DisplayName("incr of an absent key starts at 0: incr returns 1")
    void incrFromAbsent() {
        assertEquals(1, store.incr("c"));
        assertEquals(2, store.incr("c"));
        assertEquals(Optional.of(2L), store.fetch("c"));
    }

    @Test
    @DisplayName("the first incr(k, 5) returns 5")
    void incrByAmountFromAbsent() {
        assertEquals(5, store.incr("c", 5));
        assertEquals(Optional.of(5L), store.fetch("c"));
        assertEquals(-3, store.incr("d", -3));
    }

    @Test
    @DisplayName("incr, incr by 10, decr give 1, 11, 10")
    void counterWalkthrough() {
        assertEquals(1, store.incr("counter"));
        assertEquals(11, store.incr("counter", 10));
        assertEquals(10, store.decr("counter"));
        assertEquals(6, store.decr("counter", 4));
        assertEquals(-4, store.incr("counter", -10));
        assertEquals(Optional.of(-4L), store.fetch("counter"));
    }

    @Test
    @DisplayName("decr of an absent key starts at 0: decr returns -1, decr(k, 5) returns -5")
    void decrFromAbsent() {
        assertEquals(-1, store.decr("a"));
        assertEquals(-5, store.decr("b", 5));
        assertEquals(5, store.decr("c", -5));
    }

    @Test
    @DisplayName("incr works on any stored integer (Integer, Short, Byte, BigInteger in range)")
    void incrOnStoredIntegers() {
        store.store("int", 41);
        store.store("short", (short) -2);
        store.store("byte", (byte) 7);
        store.store("big", BigInteger.valueOf(99));
        assertEquals(42, store.incr("int"));
        assertEquals(-1, store.incr("short"));
        assertEquals(8, store.incr("byte"));
        assertEquals(100, store.incr("big"));
    }

    @Test
    @DisplayName("incr past Long.MAX_VALUE throws ArithmeticException; the value stays")
    void incrOverflow() {
        assertEquals(Long.MAX_VALUE, store.incr("c", Long.MAX_VALUE));
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> store.incr("c"));
        assertMessageNames(e, "\"c\"");
        assertEquals(Optional.of(Long.MAX_VALUE), store.fetch("c"));
        assertThrows(ArithmeticException.class, () -> store.incr("c", Long.MAX_VALUE));
        assertThrows(ArithmeticException.class, () -> store.decr("c", -1));
        assertEquals(Optional.of(Long.MAX_VALUE), store.fetch("c"));
        assertEquals(Long.MAX_VALUE - 1, store.decr("c"));
    }

    @Test
    @DisplayName("decr past Long.MIN_VALUE throws ArithmeticException; the value stays")
    void decrOverflow() {
        assertEquals(Long.MIN_VALUE, store.incr("c", Long.MIN_VALUE));
        assertThrows(ArithmeticException.class, () -> store.decr("c"));
        assertThrows(ArithmeticException.class, () -> store.incr("c", -1));
        assertThrows(ArithmeticException.class, () -> store.incr("c", Long.MIN_VALUE));
        assertEquals(Optional.of(Long.MIN_VALUE), store.fetch("c"));
        assertEquals(Long.MIN_VALUE + 1, store.incr("c"));
    }

    @Test
    @DisplayName("decr(k, Long.MIN_VALUE) throws ArithmeticException, on an absent or a present key; nothing changes")
    void decrByLongMinValue() {
        assertThrows(ArithmeticException.class, () -> store.decr("absent", Long.MIN_VALUE));
        assertEquals(Optional.empty(), store.fetch("absent"));
        store.incr("c", 5);
        assertThrows(ArithmeticException.class, () -> store.decr("c", Long.MIN_VALUE));
        assertEquals(Optional.of(5L), store.fetch("c"));
        assertEquals(0, store.size() - 1);
    }

    @Test
    @DisplayName("incr on a key holding an integer outside the long range throws ArithmeticException; the value stays")
    void incrOnBigInteger() {
        BigInteger big = BigInteger.TWO.pow(70);
        store.store("big", big);
        assertThrows(ArithmeticException.class, () -> store.incr("big"));
        assertValue(big, store.fetch("big"));
    }

    @Test
    @DisplayName("incr on a key holding a non-integer throws StateTypeException naming the key; the value stays")
    void incrOnNonInteger() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("string", "12");
        values.put("double", 1.0);
        values.put("boolean", true);
        values.put("bytes", new byte[] {1});
        values.put("list", List.of(1));
        values.put("map", Map.of("n", 1));
        store.storeAll(values);
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            String key = entry.getKey();
            StateTypeException e = assertThrows(StateTypeException.class, () -> store.incr(key), key);
            assertMessageNames(e, key);
            assertThrows(StateTypeException.class, () -> store.decr(key, 3), key);
            assertValue(Values.normalize(entry.getValue()), store.fetch(key));
        }
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    @DisplayName("many threads creating the same counter at once lose no increment (over several fresh keys)")
    void concurrentCounterCreation() throws Exception {
        int threads = contentionThreads();
        int rounds = creationRaceRounds();
        CyclicBarrier start = new CyclicBarrier(threads);
        runConcurrently(threads, thread -> {
            for (int round = 0; round < rounds; round++) {
                await(start);
                store.incr("race-" + round);
            }
        });
        for (int round = 0; round < rounds; round++) {
            assertEquals(Optional.of((long) threads), store.fetch("race-" + round), "race-" + round);
        }
    }

    @Test
    @DisplayName("N threads x M increments on shared keys end at exactly N*M")
    void exactTotalsUnderContention() throws Exception {
        int threads = contentionThreads();
        int perThread = contentionIncrementsPerThread();
        String[] keys = {"hot-0", "hot-1", "hot-2"};
        runConcurrently(threads, thread -> {
            for (int i = 0; i < perThread; i++) {
                String key = keys[(i + thread) % keys.length];
                if (thread % 2 == 0) {
                    store.incr(key);
                } else {
                    // Odd threads add 3 then take 2: the same net +1, with decr racing incr.
                    store.incr(key, 3);
                    store.decr(key, 2);
                }
            }
        });
        long total = 0;
        for (String key : keys) {
            total += store.fetch(key, Long.class).orElseThrow();
        }
        assertEquals((long) threads * perThread, total);
        long[] expected = new long[keys.length];
        for (int thread = 0; thread < threads; thread++) {
            for (int i = 0; i < perThread; i++) {
                expected[(i + thread) % keys.length]++;
            }
        }
        for (int k = 0; k < keys.length; k++) {
            assertEquals(Optional.of(expected[k]), store.fetch(keys[k]), keys[k]);
        }
    }

    @Test
    @DisplayName("concurrent compareAndSet increments are all counted exactly once")
    void concurrentCompareAndSet() throws Exception {
        int threads = contentionThreads();
        int perThread = compareAndSetIncrementsPerThread();
        store.store("cas", 0L);
        runConcurrently(threads, thread -> {
            for (int done = 0; done < perThread; ) {
                long current = store.fetch("cas", Long.class).orElseThrow();
                if (store.compareAndSet("cas", current, current + 1)) {
                    done++;
                }
            }
        });
        assertEquals(Optional.of((long) threads * perThread), store.fetch("cas"));
    }

    @Test
    @DisplayName("of many threads creating a key with compareAndSet(k, null, v) at once, exactly one wins")
    void concurrentCompareAndSetCreation() throws Exception {
        int threads = contentionThreads();
        int rounds = creationRaceRounds();
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger[] winners = new AtomicInteger[rounds];
        Long[] winner = new Long[rounds];
        for (int round = 0; round < rounds; round++) {
            winners[round] = new AtomicInteger();
        }
        runConcurrently(threads, thread -> {
            for (int round = 0; round < rounds; round++) {
                await(start);
                if (store.compareAndSet("create-" + round, null, (long) thread)) {
                    winners[round].incrementAndGet();
                    winner[round] = (long) thread;
                }
            }
        });
        for (int round = 0; round < rounds; round++) {
            assertEquals(1, winners[round].get(), "winners of round " + round);
            assertEquals(Optional.of(winner[round]), store.fetch("create-" + round));
        }
    }

    @Test
    @DisplayName("keys, size and fetchAll during concurrent writes never fail and see only keys that were written")
    void readsDuringConcurrentWrites() throws Exception {
        int writers = Math.max(1, contentionThreads() - 1);
        int writesPerThread = creationRaceRounds() * 10;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger writersLeft = new AtomicInteger(writers);
        List<String> probe = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            probe.add("w0-" + i);
        }
        runConcurrently(writers + 1, thread -> {
            if (thread == writers) {
                while (writing.get()) {
                    for (String key : store.keys()) {
                        assertTrue(key.matches("w\\d+-\\d+"), key);
                    }
                    assertTrue(store.keys("w0-").stream().allMatch(k -> k.startsWith("w0-")));
                    long size = store.size();
                    assertTrue(size >= 0 && size <= (long) writers * writesPerThread, "size " + size);
                    store.fetchAll(probe).forEach((key, value) ->
                            assertTrue(value instanceof Long, key + " holds " + value));
                }
                return;
            }
            try {
                for (int i = 0; i < writesPerThread; i++) {
                    String key = "w" + thread + "-" + (i % 50);
                    switch (i % 3) {
                        case 0:
                            store.store(key, (long) i);
                            break;
                        case 1:
                            store.incr(key);
                            break;
                        default:
                            store.remove(key);
                    }
                }
            } finally {
                if (writersLeft.decrementAndGet() == 0) {
                    writing.set(false);
                }
            }
        });
        for (String key : store.keys()) {
            assertTrue(key.matches("w\\d+-\\d+"), key);
        }
    }

    // ---------------------------------------------------------------- isolation

    @Test
    @DisplayName("changing a list, map or byte[] after store does not change what is stored")
    void inputIsolation() {
        List<Object> list = new ArrayList<>(List.of(1L, 2L));
        Map<String, Object> map = new LinkedHashMap<>(Map.of("a", 1L));
        List<Object> nestedList = new ArrayList<>(List.of("x"));
        map.put("nested", nestedList);
        byte[] bytes = {1, 2, 3};
        List<Object> withBytes = new ArrayList<>();
        byte[] innerBytes = {9, 9};
        withBytes.add(innerBytes);
        store.store("list", list);
        store.store("map", map);
        store.store("bytes", bytes);
        store.store("withBytes", withBytes);

        list.add(3L);
        map.put("b", 2L);
        nestedList.add("y");
        bytes[0] = 42;
        innerBytes[0] = 42;
        withBytes.add("more");

        assertValue(List.of(1L, 2L), store.fetch("list"));
        assertValue(Map.of("a", 1L, "nested", List.of("x")), store.fetch("map"));
        assertValue(new byte[] {1, 2, 3}, store.fetch("bytes"));
        assertValue(List.of(new byte[] {9, 9}), store.fetch("withBytes"));
    }

    @Test
    @DisplayName("changing a fetched byte[] does not change what is stored, also inside containers")
    void fetchedBytesIsolation() {
        store.store("bytes", new byte[] {1, 2, 3});
        store.store("nested", Map.of("b", List.of(new byte[] {4, 5})));
        byte[] fetched = (byte[]) store.fetch("bytes").orElseThrow();
        fetched[0] = 42;
        @SuppressWarnings("unchecked")
        Map<Object, Object> nested = (Map<Object, Object>) store.fetch("nested").orElseThrow();
        ((byte[]) ((List<?>) nested.get("b")).get(0))[0] = 42;
        assertValue(new byte[] {1, 2, 3}, store.fetch("bytes"));
        assertValue(Map.of("b", List.of(new byte[] {4, 5})), store.fetch("nested"));
    }

    @Test
    @DisplayName("fetched lists and maps, nested ones too, are unmodifiable")
    void fetchedContainersUnmodifiable() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("list", new ArrayList<>(List.of(1L)));
        value.put("map", new LinkedHashMap<>(Map.of("k", "v")));
        store.store("m", value);
        store.store("l", new ArrayList<>(List.of(1L, List.of(2L))));
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) store.fetch("m").orElseThrow();
        List<?> list = (List<?>) store.fetch("l").orElseThrow();
        @SuppressWarnings("unchecked")
        List<Object> nestedList = (List<Object>) map.get("list");
        @SuppressWarnings("unchecked")
        Map<Object, Object> nestedMap = (Map<Object, Object>) map.get("map");
        assertAll(
                () -> assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1L)),
                () -> assertThrows(UnsupportedOperationException.class, () -> map.remove("list")),
                () -> assertThrows(UnsupportedOperationException.class, list::clear),
                () -> assertThrows(UnsupportedOperationException.class, () -> nestedList.add(2L)),
                () -> assertThrows(UnsupportedOperationException.class, () -> nestedMap.put("k2", "v2")),
                () -> assertThrows(UnsupportedOperationException.class, () -> ((List<?>) list.get(1)).clear()));
        assertValue(Map.of("list", List.of(1L), "map", Map.of("k", "v")), store.fetch("m"));
        assertValue(List.of(1L, List.of(2L)), store.fetch("l"));
    }

    // ---------------------------------------------------------------- rejected keys and values

    static Stream<Arguments> badKeys() {
        String tooLongAscii = "a".repeat(StateStore.MAX_KEY_BYTES + 1);
        String tooLongTwoByte = "\u00e9".repeat(StateStore.MAX_KEY_BYTES / 2) + "a";
        return Stream.of(
                Arguments.of("null", null, "null"),
                Arguments.of("empty", "", "empty"),
                Arguments.of("64 KiB + 1 byte of ASCII", tooLongAscii, String.valueOf(StateStore.MAX_KEY_BYTES)),
                Arguments.of("64 KiB + 1 byte of 2-byte characters", tooLongTwoByte,
                        String.valueOf(StateStore.MAX_KEY_BYTES)),
                Arguments.of("an unpaired high surrogate", "a\uD800b", "surrogate"),
                Arguments.of("an unpaired low surrogate", "\uDC00", "surrogate"),
                Arguments.of("a surrogate pair reversed", "x\uDE00\uD83D", "surrogate"));
    }

    @ParameterizedTest(name = "a key that is {0} is rejected by every method; nothing is written")
    @MethodSource("badKeys")
    @DisplayName("bad keys are rejected by every method with IllegalArgumentException naming the problem")
    void badKeysRejected(String description, String key, String named) {
        store.store("existing", "kept");
        Map<String, Object> batch = new HashMap<>();
        batch.put("good", 1L);
        batch.put(key, 2L);
        List<Executable> calls = List.of(
                () -> store.store(key, "v"),
                () -> store.fetch(key),
                () -> store.fetch(key, String.class),
                () -> store.remove(key),
                () -> store.incr(key),
                () -> store.incr(key, 5),
                () -> store.decr(key),
                () -> store.decr(key, 5),
                () -> store.compareAndSet(key, null, "v"),
                () -> store.compareAndSet(key, "v", null),
                () -> store.storeAll(batch),
                () -> store.fetchAll(Arrays.asList("existing", key)));
        for (Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, description);
            assertMessageNames(e, "key");
            assertMessageNames(e, named);
        }
        assertEquals(Set.of("existing"), store.keys(), "nothing was written");
        assertEquals(Optional.of("kept"), store.fetch("existing"));
    }

    @Test
    @DisplayName("a key of exactly 64 KiB of UTF-8 is accepted, in 1-, 2- and 4-byte characters")
    void keyAtTheLimit() {
        List<String> keys = List.of("a".repeat(StateStore.MAX_KEY_BYTES),
                "\u00e9".repeat(StateStore.MAX_KEY_BYTES / 2),
                "\uD83D\uDE00".repeat(StateStore.MAX_KEY_BYTES / 4));
        for (String key : keys) {
            assertEquals(StateStore.MAX_KEY_BYTES, key.getBytes(StandardCharsets.UTF_8).length);
            store.store(key, "v");
            assertEquals(Optional.of("v"), store.fetch(key));
        }
        assertEquals(Set.copyOf(keys), store.keys());
        for (String key : keys) {
            assertTrue(store.remove(key));
        }
        assertEquals(0, store.size());
    }

    /** A type outside the value model. */
    static final class NotAValue {
        @Override
        public String toString() {
            return "a value that must not be stringified";
        }
    }

    static Stream<Arguments> badValues() {
        Map<Object, Object> listKey = new LinkedHashMap<>();
        listKey.put(List.of(1), "v");
        Map<Object, Object> widenedTwice = new LinkedHashMap<>();
        widenedTwice.put(1, "int");
        widenedTwice.put(1L, "long");
        return Stream.of(
                Arguments.of("a Date", new Date(), "java.util.Date"),
                Arguments.of("a POJO", new NotAValue(), NotAValue.class.getSimpleName()),
                Arguments.of("a Set", new HashSet<>(List.of(1)), "HashSet"),
                Arguments.of("a char[]", new char[] {'a'}, "char[]"),
                Arguments.of("an Optional", Optional.of(1), "Optional"),
                Arguments.of("a Date inside a list", List.of(1, new Date()), "java.util.Date"),
                Arguments.of("a POJO inside a map", Map.of("k", new NotAValue()), NotAValue.class.getSimpleName()),
                Arguments.of("a map with a list key", listKey, "map key"),
                Arguments.of("a map with keys 1 and 1L", widenedTwice, "two keys"),
                Arguments.of("a string with an unpaired surrogate", "a\uD800", "surrogate"));
    }

    @ParameterizedTest(name = "{0} is rejected by store, storeAll and compareAndSet; nothing is written")
    @MethodSource("badValues")
    @DisplayName("values outside the value model are rejected, naming the key and the type; nothing is written")
    void badValuesRejected(String description, Object value, String named) {
        store.store("existing", "kept");
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("good", 1L);
        batch.put("bad-key", value);
        List<Executable> calls = List.of(
                () -> store.store("bad-key", value),
                () -> store.store("existing", value),
                () -> store.storeAll(batch),
                () -> store.compareAndSet("bad-key", null, value),
                () -> store.compareAndSet("existing", "kept", value),
                () -> store.compareAndSet("existing", value, "other"));
        for (Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, description);
            assertMessageNames(e, named);
            assertTrue(e.getMessage().contains("\"bad-key\"") || e.getMessage().contains("\"existing\""),
                    "the message names the key: " + e.getMessage());
            assertFalse(e.getMessage().contains("must not be stringified"), "the value is not stringified");
        }
        assertEquals(Set.of("existing"), store.keys(), "nothing was written");
        assertEquals(Optional.of("kept"), store.fetch("existing"));
    }

    @Test
    @DisplayName("storing null removes the key, as remove does; in a batch, a null value removes its key with the rest")
    void nullValueRemoves() {
        store.store("existing", "kept");
        store.store("existing", null);
        assertEquals(Optional.empty(), store.fetch("existing"));
        assertEquals(Set.of(), store.keys());
        store.store("never-there", null);
        assertEquals(Optional.empty(), store.fetch("never-there"));
        assertEquals(0, store.size(), "storing null under an absent key creates nothing");

        store.store("old", "gone soon");
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("new", 1L);
        batch.put("old", null);
        batch.put("absent", null);
        store.storeAll(batch);
        assertEquals(Set.of("new"), store.keys());
        assertValue(1L, store.fetch("new"));

        Map<String, Object> badBatch = new LinkedHashMap<>();
        badBatch.put("new", null);
        badBatch.put("bad", new Object());
        assertThrows(IllegalArgumentException.class, () -> store.storeAll(badBatch));
        assertValue(1L, store.fetch("new")); // a batch that fails validation removes nothing either
    }

    // ---------------------------------------------------------------- batches

    @Test
    @DisplayName("storeAll stores every entry, replacing existing ones")
    void storeAll() {
        store.store("a", "old");
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("a", 1);
        batch.put("b", List.of("x"));
        batch.put("c", new byte[] {7});
        store.storeAll(batch);
        assertEquals(Set.of("a", "b", "c"), store.keys());
        assertValue(1L, store.fetch("a"));
        assertValue(List.of("x"), store.fetch("b"));
        assertValue(new byte[] {7}, store.fetch("c"));
        store.storeAll(Map.of());
        assertEquals(3, store.size());
    }

    @Test
    @DisplayName("storeAll with one bad key or one bad value writes nothing")
    void storeAllAtomicValidation() {
        store.store("a", "old");
        Map<String, Object> badKey = new LinkedHashMap<>();
        badKey.put("a", "new");
        badKey.put("b", 2L);
        badKey.put("", 3L);
        Map<String, Object> badValue = new LinkedHashMap<>();
        badValue.put("a", "new");
        badValue.put("b", 2L);
        badValue.put("c", new Object());
        badValue.put("d", 4L);
        assertThrows(IllegalArgumentException.class, () -> store.storeAll(badKey));
        assertThrows(IllegalArgumentException.class, () -> store.storeAll(badValue));
        assertEquals(Set.of("a"), store.keys());
        assertEquals(Optional.of("old"), store.fetch("a"));
    }

    @Test
    @DisplayName("fetchAll returns present keys in the order asked, leaves absent keys out, and is unmodifiable")
    void fetchAll() {
        store.store("c", 3);
        store.store("a", 1);
        store.store("b", List.of(2));
        Map<String, Object> result = store.fetchAll(List.of("b", "missing", "a", "c"));
        assertEquals(List.of("b", "a", "c"), new ArrayList<>(result.keySet()));
        assertValue(Map.of("b", List.of(2L), "a", 1L, "c", 3L), Optional.of(result));
        assertThrows(UnsupportedOperationException.class, () -> result.put("d", 4L));
        assertEquals(Map.of(), store.fetchAll(List.of()));
        assertEquals(Map.of(), store.fetchAll(List.of("missing")));
    }

    @Test
    @DisplayName("fetchAll with a bad key throws IllegalArgumentException")
    void fetchAllBadKey() {
        store.store("a", 1);
        assertThrows(IllegalArgumentException.class, () -> store.fetchAll(Arrays.asList("a", null)));
        assertThrows(IllegalArgumentException.class, () -> store.fetchAll(List.of("a", "")));
        assertEquals(Optional.of(1L), store.fetch("a"));
    }

    // ---------------------------------------------------------------- compareAndSet

    @Test
    @DisplayName("compareAndSet(k, null, v) creates an absent key, and fails on a present one")
    void compareAndSetCreate() {
        assertTrue(store.compareAndSet("k", null, "v"));
        assertEquals(Optional.of("v"), store.fetch("k"));
        assertFalse(store.compareAndSet("k", null, "w"));
        assertEquals(Optional.of("v"), store.fetch("k"));
    }

    @Test
    @DisplayName("compareAndSet replaces when the current value matches")
    void compareAndSetReplace() {
        store.store("k", List.of(1, "a"));
        assertTrue(store.compareAndSet("k", List.of(1L, "a"), Map.of("new", true)));
        assertValue(Map.of("new", true), store.fetch("k"));
    }

    @Test
    @DisplayName("compareAndSet with a mismatching expected value returns false and changes nothing")
    void compareAndSetMismatch() {
        store.store("k", "v");
        assertFalse(store.compareAndSet("k", "other", "w"));
        assertFalse(store.compareAndSet("k", List.of("v"), "w"));
        assertEquals(Optional.of("v"), store.fetch("k"));
        assertFalse(store.compareAndSet("absent", "v", "w"));
        assertEquals(Optional.empty(), store.fetch("absent"));
        assertFalse(store.compareAndSet("absent", "v", null));
        assertEquals(1, store.size());
    }

    @Test
    @DisplayName("compareAndSet(k, v, null) removes the key when it holds v")
    void compareAndSetRemove() {
        store.store("k", "v");
        assertFalse(store.compareAndSet("k", "w", null));
        assertEquals(Optional.of("v"), store.fetch("k"));
        assertTrue(store.compareAndSet("k", "v", null));
        assertEquals(Optional.empty(), store.fetch("k"));
        assertEquals(0, store.size());
    }

    @Test
    @DisplayName("compareAndSet compares by value-model equality, never by Java type or encoded bytes")
    void compareAndSetValueEquality() {
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("a", 1L);
        ordered.put("b", 2L);
        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("b", 2);
        reversed.put("a", 1);
        store.store("map", ordered);
        assertTrue(store.compareAndSet("map", reversed, "swapped"), "maps are equal regardless of order");

        store.store("bytes", new byte[] {1, 2, 3});
        assertTrue(store.compareAndSet("bytes", new byte[] {1, 2, 3}, "swapped"), "byte[] by content");

        store.store("long", 1L);
        assertTrue(store.compareAndSet("long", 1, 2), "Integer 1 equals Long 1");
        assertTrue(store.compareAndSet("long", (short) 2, 3L), "Short 2 equals Long 2");
        assertTrue(store.compareAndSet("long", BigInteger.valueOf(3), 4L), "BigInteger 3 equals Long 3");

        store.store("nan", Double.NaN);
        assertTrue(store.compareAndSet("nan", Double.NaN, "swapped"), "NaN equals NaN");

        store.store("float", 1.5f);
        assertTrue(store.compareAndSet("float", 1.5, "swapped"), "Float 1.5 equals Double 1.5");

        store.store("one", 1L);
        assertFalse(store.compareAndSet("one", 1.0, "swapped"), "the integer 1 is not the float 1.0");
        store.store("onePointZero", 1.0);
        assertFalse(store.compareAndSet("onePointZero", 1L, "swapped"), "the float 1.0 is not the integer 1");
        store.store("zero", 0.0);
        assertFalse(store.compareAndSet("zero", -0.0, "swapped"), "0.0 is not -0.0");
        store.store("nested", List.of(Map.of("x", new byte[] {9}), 1));
        assertTrue(store.compareAndSet("nested", List.of(Map.of("x", new byte[] {9}), 1L), "swapped"));
        store.store("array", List.of(1L, 2L));
        assertTrue(store.compareAndSet("array", new int[] {1, 2}, "swapped"), "an int[] equals the list");

        for (String key : List.of("map", "bytes", "nan", "float", "nested", "array")) {
            assertEquals(Optional.of("swapped"), store.fetch(key), key);
        }
        assertEquals(Optional.of(4L), store.fetch("long"));
        assertEquals(Optional.of(1L), store.fetch("one"));
        assertEquals(Optional.of(1.0), store.fetch("onePointZero"));
        assertEquals(Optional.of(0.0), store.fetch("zero"));
    }

    // ---------------------------------------------------------------- expiry (docs/expiry.md, one test per row)

    /** A time to live short enough to wait out, long enough that a store under load writes and reads within it. */
    private static final Duration SHORT_TTL = Duration.ofMillis(400);
    private static final Duration LONG_TTL = Duration.ofMinutes(10);

    /** Waits until a key written before this call with {@link #SHORT_TTL} has expired. */
    private static void waitOutShortTtl() throws InterruptedException {
        Thread.sleep(SHORT_TTL.toMillis() + 50);
    }

    private void assertExpiresWithin(String key, Duration ttl) {
        Duration left = store.timeToLive(key).orElseThrow(() -> new AssertionError(key + " has no expiry"));
        assertTrue(!left.isNegative() && !left.isZero() && left.compareTo(ttl) <= 0,
                key + " has " + left + " left, expected up to " + ttl);
        assertTrue(left.compareTo(ttl.minusSeconds(60)) > 0, key + " has " + left + " left, far below " + ttl);
    }

    private void assertNoExpiry(String key) {
        assertTrue(store.fetch(key).isPresent(), key + " is present");
        assertEquals(Optional.empty(), store.timeToLive(key), key + " has no expiry");
    }

    @Test
    @DisplayName("expiry: store without a time to live leaves the key without expiry, and removes one it had")
    void expiryStoreWithoutTtl() {
        store.store("plain", "v");
        assertNoExpiry("plain");
        store.store("had", "v", LONG_TTL);
        store.store("had", "w");
        assertNoExpiry("had");
        assertEquals(Optional.of("w"), store.fetch("had"));
    }

    @Test
    @DisplayName("expiry: store with a time to live sets it on a new key and replaces the expiry of an existing one")
    void expiryStoreWithTtl() {
        store.store("new", "v", LONG_TTL);
        assertExpiresWithin("new", LONG_TTL);
        store.store("plain", "v");
        store.store("plain", "w", LONG_TTL);
        assertExpiresWithin("plain", LONG_TTL);
        store.store("shorter", "v", LONG_TTL);
        store.store("shorter", "w", Duration.ofMinutes(2));
        assertExpiresWithin("shorter", Duration.ofMinutes(2));
        assertEquals(Optional.of("w"), store.fetch("shorter"));
    }

    @Test
    @DisplayName("expiry: an expired key is absent to fetch, fetchAll, keys, size, remove and timeToLive")
    void expiryExpiredKeyIsAbsent() throws InterruptedException {
        store.store("stays", "v");
        store.store("goes", "v", SHORT_TTL);
        store.storeAll(Map.of("batch:1", 1, "batch:2", 2), SHORT_TTL);
        assertEquals(4, store.size());
        waitOutShortTtl();
        assertAll(
                () -> assertEquals(Optional.empty(), store.fetch("goes")),
                () -> assertEquals(Optional.empty(), store.fetch("batch:1")),
                () -> assertEquals(Map.of("stays", "v"), store.fetchAll(List.of("stays", "goes", "batch:1", "batch:2"))),
                () -> assertEquals(Set.of("stays"), store.keys()),
                () -> assertEquals(Set.of(), store.keys("batch:")),
                () -> assertEquals(1, store.size()),
                () -> assertEquals(Optional.empty(), store.timeToLive("goes")),
                () -> assertFalse(store.remove("goes"), "an expired key was not there to remove"));
    }

    @Test
    @DisplayName("expiry: storeAll with a time to live gives it to every key it stores")
    void expiryStoreAllWithTtl() {
        store.store("had", "v");
        store.storeAll(Map.of("a", 1, "had", 2), LONG_TTL);
        assertExpiresWithin("a", LONG_TTL);
        assertExpiresWithin("had", LONG_TTL);
        store.storeAll(Map.of("a", 3));
        assertNoExpiry("a");
    }

    @Test
    @DisplayName("expiry: incr and decr keep a key's expiry, or its lack of one; ttlIfCreated applies only to creation")
    void expiryCountersKeepExpiry() {
        assertEquals(1, store.incr("window", 1, LONG_TTL));
        assertExpiresWithin("window", LONG_TTL);
        assertEquals(3, store.incr("window", 2, Duration.ofMinutes(2)));
        assertExpiresWithin("window", LONG_TTL);
        assertTrue(store.timeToLive("window").orElseThrow().compareTo(Duration.ofMinutes(2)) > 0,
                "a later ttlIfCreated does not reset the window");
        assertEquals(2, store.decr("window", 1, Duration.ofMinutes(2)));
        assertEquals(1, store.decr("window"));
        assertExpiresWithin("window", LONG_TTL);
        store.incr("plain");
        store.incr("plain", 1, LONG_TTL);
        assertNoExpiry("plain");
        assertEquals(-1, store.decr("down", 1, LONG_TTL));
        assertExpiresWithin("down", LONG_TTL);
    }

    @Test
    @DisplayName("expiry: an expired key is absent to counters (which start again from 0), compareAndSet, expire and persist")
    void expiryExpiredKeyToOtherOperations() throws InterruptedException {
        store.incr("counter", 5, SHORT_TTL);
        store.incr("window", 5, SHORT_TTL);
        store.store("cas-absent", "old", SHORT_TTL);
        store.store("cas-old", "old", SHORT_TTL);
        store.store("expire", "v", SHORT_TTL);
        store.store("persist", "v", SHORT_TTL);
        waitOutShortTtl();
        assertAll(
                () -> assertEquals(1, store.incr("counter")),
                () -> assertNoExpiry("counter"),
                () -> assertEquals(1, store.incr("window", 1, LONG_TTL)),
                () -> assertExpiresWithin("window", LONG_TTL),
                () -> assertTrue(store.compareAndSet("cas-absent", null, "new"), "expired counts as absent"),
                () -> assertEquals(Optional.of("new"), store.fetch("cas-absent")),
                () -> assertFalse(store.compareAndSet("cas-old", "old", "new"), "the expired value is not there"),
                () -> assertEquals(Optional.empty(), store.fetch("cas-old")),
                () -> assertFalse(store.expire("expire", LONG_TTL)),
                () -> assertEquals(Optional.empty(), store.fetch("expire")),
                () -> assertFalse(store.persist("persist")),
                () -> assertEquals(Optional.empty(), store.fetch("persist")));
    }

    @Test
    @DisplayName("expiry: compareAndSet gives the new value the expiry passed, none without; a failed one changes nothing")
    void expiryCompareAndSet() {
        assertTrue(store.compareAndSet("k", null, "a", LONG_TTL));
        assertExpiresWithin("k", LONG_TTL);
        assertFalse(store.compareAndSet("k", "other", "b"));
        assertExpiresWithin("k", LONG_TTL);
        assertTrue(store.compareAndSet("k", "a", "b"));
        assertNoExpiry("k");
        assertTrue(store.compareAndSet("k", "b", "c", Duration.ofMinutes(2)));
        assertExpiresWithin("k", Duration.ofMinutes(2));
        assertTrue(store.compareAndSet("k", "c", null, LONG_TTL));
        assertEquals(Optional.empty(), store.fetch("k"));
    }

    @Test
    @DisplayName("expiry: expire sets or replaces the expiry of a present key (true), not of an absent one (false)")
    void expiryExpire() {
        assertFalse(store.expire("absent", LONG_TTL));
        assertEquals(Optional.empty(), store.fetch("absent"));
        store.store("k", "v");
        assertTrue(store.expire("k", LONG_TTL));
        assertExpiresWithin("k", LONG_TTL);
        assertTrue(store.expire("k", Duration.ofMinutes(2)));
        assertExpiresWithin("k", Duration.ofMinutes(2));
        assertEquals(Optional.of("v"), store.fetch("k"));
    }

    @Test
    @DisplayName("expiry: persist removes an expiry (true); false for a key without one or an absent key")
    void expiryPersist() {
        assertFalse(store.persist("absent"));
        store.store("plain", "v");
        assertFalse(store.persist("plain"));
        store.store("k", "v", LONG_TTL);
        assertTrue(store.persist("k"));
        assertNoExpiry("k");
        assertFalse(store.persist("k"));
    }

    @Test
    @DisplayName("expiry: a key given a short time to live is really gone after it, and a persisted one is not")
    void expiryTakesEffect() throws InterruptedException {
        store.store("goes", "v", SHORT_TTL);
        store.store("persisted", "v", SHORT_TTL);
        assertTrue(store.persist("persisted"));
        store.store("extended", "v", SHORT_TTL);
        assertTrue(store.expire("extended", LONG_TTL));
        store.store("restored", "v", SHORT_TTL);
        store.store("restored", "w");
        store.store("restored-in-batch", "v", SHORT_TTL);
        store.storeAll(Map.of("restored-in-batch", "w"));
        store.store("swapped", "v", SHORT_TTL);
        assertTrue(store.compareAndSet("swapped", "v", "w"));
        store.incr("counted", 1, SHORT_TTL);
        store.incr("counted", 1);
        waitOutShortTtl();
        assertEquals(Optional.empty(), store.fetch("goes"));
        assertEquals(Optional.of("v"), store.fetch("persisted"));
        assertEquals(Optional.of("v"), store.fetch("extended"));
        assertEquals(Optional.of("w"), store.fetch("restored"), "a plain store ends the old expiry");
        assertEquals(Optional.of("w"), store.fetch("restored-in-batch"), "a plain storeAll ends the old expiry");
        assertEquals(Optional.of("w"), store.fetch("swapped"), "a compareAndSet without expiry ends the old one");
        assertEquals(Optional.empty(), store.fetch("counted"), "an increment keeps the expiry");
    }

    @Test
    @DisplayName("expiry: a time to live that is zero or negative is refused naming the key; nothing is written")
    void expiryRejectsNonPositiveTtl() {
        store.store("k", "v");
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> store.store("k", "w", bad)), "k");
            assertThrows(IllegalArgumentException.class, () -> store.incr("n", 1, bad));
            assertThrows(IllegalArgumentException.class, () -> store.compareAndSet("k", "v", "w", bad));
            assertThrows(IllegalArgumentException.class, () -> store.expire("k", bad));
            assertThrows(IllegalArgumentException.class, () -> store.storeAll(Map.of("k", "w"), bad));
        }
        assertThrows(NullPointerException.class, () -> store.expire("k", null));
        assertNoExpiry("k");
        assertEquals(Optional.of("v"), store.fetch("k"));
        assertEquals(Optional.empty(), store.fetch("n"));
    }

    // ---------------------------------------------------------------- maxEntries (backends that have it)

    private StateStore limited(long maxEntries) throws Exception {
        StateStore limited = openEmptyStoreWithMaxEntries(maxEntries);
        assumeTrue(limited != null, "this backend has no maxEntries");
        return limited;
    }

    @Test
    @DisplayName("maxEntries: a new key beyond the limit is refused naming it, by every write; updates and removals work")
    void maxEntriesRefusesNewKeysOnly() throws Exception {
        try (StateStore limited = limited(3)) {
            limited.store("a", 1);
            limited.incr("b");
            limited.storeAll(Map.of("c", 3));
            WriteNotAppliedException full = assertThrows(WriteNotAppliedException.class, () -> limited.store("d", 4));
            assertTrue(full.getMessage().contains("maxEntries=3") && full.getMessage().contains("\"d\""),
                    full.getMessage());
            assertThrows(WriteNotAppliedException.class, () -> limited.incr("e"));
            assertThrows(WriteNotAppliedException.class, () -> limited.compareAndSet("f", null, 1));
            Map<String, Object> updateThenNew = new LinkedHashMap<>();
            updateThenNew.put("a", 2);  // a present key first: refusing the batch must not leave it updated
            updateThenNew.put("g", 1);
            assertThrows(WriteNotAppliedException.class, () -> limited.storeAll(updateThenNew));
            assertEquals(Optional.of(1L), limited.fetch("a"), "a refused batch writes nothing");
            limited.store("a", "updated");
            assertEquals(2, limited.incr("b"));
            assertTrue(limited.compareAndSet("c", 3, 30));
            assertTrue(limited.remove("a"));
            limited.store("d", 4);
            assertEquals(3, limited.size());
            limited.clear();
            limited.storeAll(Map.of("x", 1, "y", 2, "z", 3));
            assertEquals(3, limited.size());
        }
    }

    @Test
    @DisplayName("maxEntries: an expired key gives its place back once reclaimed")
    void maxEntriesExpiredKeysGiveTheirPlaceBack() throws Exception {
        try (StateStore limited = limited(1)) {
            limited.store("a", 1, Duration.ofMillis(100));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {  // reclaimed when read, or in the background
                try {
                    limited.store("b", 2);
                    break;
                } catch (WriteNotAppliedException full) {
                    assertTrue(System.nanoTime() < deadline, "the expired key was never reclaimed");
                    Thread.sleep(100);
                }
            }
            assertEquals(Optional.of(2L), limited.fetch("b"));
        }
    }

    @Test
    @DisplayName("maxEntries: threads racing to add distinct keys fill the limit exactly, never beyond it")
    void maxEntriesExactUnderContention() throws Exception {
        int threads = contentionThreads();
        try (StateStore limited = limited(100)) {
            AtomicInteger accepted = new AtomicInteger();
            runConcurrently(threads, thread -> {
                for (int i = 0; i < 200 / threads + 10; i++) {
                    String key = "t" + thread + "-" + i;
                    try {
                        switch (i % 3) {
                            case 0 -> limited.store(key, i);
                            case 1 -> limited.incr(key);
                            default -> limited.storeAll(Map.of(key, i));
                        }
                        accepted.incrementAndGet();
                    } catch (WriteNotAppliedException full) {
                        // the limit: counted below
                    }
                }
            });
            assertEquals(100, accepted.get());
            assertEquals(100, limited.size());
        }
    }

    // ---------------------------------------------------------------- watch

    /** Collects a subscription's events. */
    private static final class Events implements java.util.function.Consumer<WatchEvent> {
        final java.util.concurrent.LinkedBlockingQueue<WatchEvent> received = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Duration wait;

        Events() {
            this(Duration.ofSeconds(10));
        }

        Events(Duration wait) {
            this.wait = wait;
        }

        @Override
        public void accept(WatchEvent event) {
            received.add(event);
        }

        /** The next {@code count} events, as "KIND key[=value]" strings; fails after the wait for each. */
        List<String> next(int count) throws InterruptedException {
            List<String> events = new ArrayList<>();
            while (events.size() < count) {
                WatchEvent event = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(event, "waited " + wait.toSeconds() + " s for event " + (events.size() + 1) + " of "
                        + count + "; got " + events);
                events.add(event.kind() + " " + event.key() + (event.kind() == WatchEvent.Kind.SET ? "=" + event.value() : ""));
            }
            return events;
        }
    }

    @Test
    @DisplayName("watch: every operation that changes a watched key tells the listener, in order; other prefixes stay quiet")
    void watchEveryOperation() throws Exception {
        Events events = new Events();
        try (Subscription subscription = store.watch("w:", events)) {
            store.store("other", 0);
            store.store("w:a", "one");
            store.incr("w:n", 5);
            store.decr("w:n");
            assertTrue(store.compareAndSet("w:a", "one", "two"));
            store.storeAll(Map.of("w:b", true));
            assertTrue(store.remove("w:b"));
            store.store("w:a", null);
            assertTrue(store.compareAndSet("w:n", 4L, null));
            store.store("w:c", 1);
            store.clear();
            // Each key's events in the order of its changes; different keys may interleave.
            Map<String, List<String>> byKey = new java.util.TreeMap<>();
            for (String event : events.next(10)) {
                byKey.computeIfAbsent(event.split("[ =]")[1], key -> new ArrayList<>()).add(event);
            }
            assertEquals(Map.of(
                    "w:a", List.of("SET w:a=one", "SET w:a=two", "DELETE w:a"),
                    "w:b", List.of("SET w:b=true", "DELETE w:b"),
                    "w:c", List.of("SET w:c=1", "DELETE w:c"),
                    "w:n", List.of("SET w:n=5", "SET w:n=4", "DELETE w:n")), byKey);
            Thread.sleep(100);
            assertTrue(events.received.isEmpty(), "no further events: " + events.received);
        }
    }

    @Test
    @DisplayName("watch: a key that expires is told as EXPIRE")
    void watchExpiry() throws Exception {
        Events events = new Events(expiryEventWait());
        try (Subscription subscription = store.watch("", events)) {
            store.store("brief", "v", SHORT_TTL);
            assertEquals(List.of("SET brief=v"), events.next(1));
            assertEquals(List.of("EXPIRE brief"), events.next(1));
        }
    }

    @Test
    @DisplayName("watch: one key's events arrive in the order its changes were applied, from many threads")
    void watchOrderPerKey() throws Exception {
        Events events = new Events();
        int threads = contentionThreads();
        int each = 500;
        try (Subscription subscription = store.watch("counter", events)) {
            runConcurrently(threads, thread -> {
                for (int i = 0; i < each; i++) {
                    store.incr("counter");
                }
            });
            List<String> seen = events.next(threads * each);
            for (int i = 0; i < seen.size(); i++) {
                assertEquals("SET counter=" + (i + 1), seen.get(i));
            }
        }
    }

    @Test
    @DisplayName("watch: a listener that stalls gets LOST, not unbounded memory; writers never wait for it")
    void watchSlowListenerGetsLost() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Events after = new Events();
        AtomicBoolean first = new AtomicBoolean(true);
        try (Subscription subscription = store.watch("", event -> {
            if (first.getAndSet(false)) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            after.accept(event);
        })) {
            long started = System.nanoTime();
            for (int i = 0; i < 30_000; i++) {
                store.store("k" + (i % 100), i);
            }
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(120), "writers were held up");
            release.countDown();
            List<String> seen = after.next(2);
            assertTrue(seen.contains("LOST null"), "a stalled listener is told it lost events: " + seen);
        }
    }

    @Test
    @DisplayName("watch: closing the subscription stops the events")
    void watchClose() throws Exception {
        Events events = new Events();
        Subscription subscription = store.watch("", events);
        store.store("a", 1);
        assertEquals(List.of("SET a=1"), events.next(1));
        subscription.close();
        store.store("a", 2);
        Thread.sleep(200);
        assertTrue(events.received.isEmpty(), "after close: " + events.received);
    }

    // ---------------------------------------------------------------- leases

    /** Runs {@code body} on {@code threads} threads started together; fails with the first failure. */
    private static void together(int threads, Callable<Void> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Void>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(() -> {
                    start.await();
                    return body.call();
                }));
            }
            for (Future<Void> future : running) {
                future.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("lease: a lock has one holder at a time, and its fencing tokens increase in grant order")
    void lockExcludes() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
        together(contentionThreads(), () -> {
            for (int i = 0; i < 25; i++) {
                try (Lease lease = store.lock("mutex", Duration.ofSeconds(30), Duration.ofSeconds(60))) {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    tokens.add(lease.fencingToken());
                    assertTrue(lease.isValid());
                    Thread.yield();
                    inside.decrementAndGet();
                }
            }
            return null;
        });
        assertEquals(1, most.get(), "holders at once");
        assertEquals(contentionThreads() * 25, tokens.size());
        for (int i = 1; i < tokens.size(); i++) {
            assertTrue(tokens.get(i) > tokens.get(i - 1), "token " + tokens.get(i) + " granted after " + tokens.get(i - 1));
        }
    }

    @Test
    @DisplayName("lease: a semaphore of 2 never has 3 holders, and has 2")
    void semaphoreBounds() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        together(contentionThreads(), () -> {
            for (int i = 0; i < 15; i++) {
                try (Lease lease = store.acquire("pool", 2, Duration.ofSeconds(30), Duration.ofSeconds(60))) {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.sleep(2);
                    inside.decrementAndGet();
                }
            }
            return null;
        });
        assertEquals(2, most.get(), "holders at once");
    }

    @Test
    @DisplayName("lease: one whose time to live passes ends then, and not before; extend keeps it; release is idempotent")
    void leaseExpiresAndExtends() throws Exception {
        Lease first = store.lock("ttl", SHORT_TTL, Duration.ZERO);
        long taken = System.nanoTime();
        assertThrows(LeaseTimeoutException.class, () -> store.lock("ttl", SHORT_TTL, Duration.ZERO));
        try (Lease second = store.lock("ttl", Duration.ofSeconds(30), Duration.ofSeconds(10))) {
            long waited = System.nanoTime() - taken;
            assertTrue(waited >= SHORT_TTL.toNanos() - TimeUnit.MILLISECONDS.toNanos(5),
                    "granted " + waited / 1_000_000 + " ms after the first, before its time to live passed");
            assertTrue(second.fencingToken() > first.fencingToken());
            assertFalse(first.isValid());
            assertFalse(first.extend(Duration.ofSeconds(30)), "an expired lease cannot be extended");
            first.release();
            assertTrue(second.isValid(), "releasing an ended lease leaves the next holder alone");
            assertTrue(second.extend(SHORT_TTL));
            assertTrue(second.extend(Duration.ofSeconds(30)));
            Thread.sleep(SHORT_TTL.toMillis() + 100);
            assertThrows(LeaseTimeoutException.class, () -> store.lock("ttl", SHORT_TTL, Duration.ofMillis(100)),
                    "the extended lease still holds");
            second.release();
            second.release();
            assertFalse(second.isValid());
        }
        store.lock("ttl", SHORT_TTL, Duration.ZERO).release();
    }

    @Test
    @DisplayName("lease: a waiter is granted the lock soon after it is released, and a wait that passes throws")
    void waiterWokenOnRelease() throws Exception {
        Lease held = store.lock("wake", Duration.ofSeconds(60), Duration.ZERO);
        long started = System.nanoTime();
        assertThrows(LeaseTimeoutException.class, () -> store.lock("wake", SHORT_TTL, Duration.ofMillis(200)));
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(195), "gave up before the wait");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> waiter = pool.submit(() -> {
                try (Lease lease = store.lock("wake", Duration.ofSeconds(30), Duration.ofSeconds(30))) {
                    return System.nanoTime();
                }
            });
            Thread.sleep(300);
            long released = System.nanoTime();
            held.release();
            long delay = waiter.get(30, TimeUnit.SECONDS) - released;
            assertTrue(delay < TimeUnit.SECONDS.toNanos(2), "granted " + delay / 1_000_000 + " ms after the release"
                    + " (a 60 s lease: only the release could wake it)");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("lease: names have their own tokens and state; bad arguments are refused naming the problem")
    void leaseArguments() {
        Lease a = store.lock("a", Duration.ofSeconds(30), Duration.ZERO);
        Lease b = store.lock("b", Duration.ofSeconds(30), Duration.ZERO);
        assertEquals("a", a.name());
        a.release();
        Lease again = store.lock("a", Duration.ofSeconds(30), Duration.ZERO);
        assertTrue(again.fencingToken() > a.fencingToken());
        again.close();
        b.close();
        assertThrows(IllegalArgumentException.class, () -> store.lock("", Duration.ofSeconds(1), null));
        assertThrows(IllegalArgumentException.class, () -> store.lock("x", Duration.ZERO, null));
        assertThrows(IllegalArgumentException.class, () -> store.lock("x", null, null));
        assertThrows(IllegalArgumentException.class, () -> store.acquire("x", 0, Duration.ofSeconds(1), null));
        assertThrows(IllegalArgumentException.class, () -> store.lock("x", Duration.ofSeconds(1), Duration.ofSeconds(-1)));
        Lease held = store.lock("x", Duration.ofSeconds(30), null);
        assertThrows(IllegalArgumentException.class, () -> held.extend(Duration.ZERO));
        held.release();
    }

    // ---------------------------------------------------------------- close, unwrap

    @Test
    @DisplayName("close is idempotent")
    void closeIdempotent() {
        store.close();
        assertDoesNotThrow(store::close);
    }

    @Test
    @DisplayName("after close every method throws StateStoreClosedException")
    void closedStoreThrows() {
        store.store("k", "v");
        store.close();
        List<Executable> calls = List.of(
                () -> store.store("k", "v"),
                () -> store.fetch("k"),
                () -> store.fetch("k", String.class),
                () -> store.remove("k"),
                () -> store.keys(),
                () -> store.keys("k"),
                () -> store.clear(),
                () -> store.size(),
                () -> store.incr("k"),
                () -> store.incr("k", 2),
                () -> store.decr("k"),
                () -> store.decr("k", 2),
                () -> store.fetchAll(List.of("k")),
                () -> store.storeAll(Map.of("k", "v")),
                () -> store.compareAndSet("k", "v", "w"),
                () -> store.unwrap(StateStore.class));
        for (int i = 0; i < calls.size(); i++) {
            assertThrows(StateStoreClosedException.class, calls.get(i), "call #" + i + " after close");
        }
    }

    @Test
    @DisplayName("unwrap of a type the backend does not have throws IllegalArgumentException")
    void unwrapUnknown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.unwrap(NotAValue.class));
        assertMessageNames(e, NotAValue.class.getSimpleName());
    }

    // ---------------------------------------------------------------- the value table

    static Stream<Arguments> valueTable() {
        BigInteger twoTo64 = BigInteger.TWO.pow(64);
        Map<Object, Object> nested = new LinkedHashMap<>();
        nested.put("z", 1);
        nested.put("a", List.of(Map.of("deep", true)));
        nested.put("m", null);
        Map<Object, Object> nestedExpected = new LinkedHashMap<>();
        nestedExpected.put("z", 1L);
        nestedExpected.put("a", List.of(Map.of("deep", true)));
        nestedExpected.put("m", null);
        Map<Object, Object> scalarKeys = new LinkedHashMap<>();
        scalarKeys.put("s", "string key");
        scalarKeys.put(1, "Integer key");
        scalarKeys.put(2L, "Long key");
        scalarKeys.put((short) 3, "Short key");
        scalarKeys.put((byte) 4, "Byte key");
        scalarKeys.put(BigInteger.valueOf(5), "small BigInteger key");
        scalarKeys.put(twoTo64, "big BigInteger key");
        scalarKeys.put(1.5, "Double key");
        scalarKeys.put(2.5f, "Float key");
        scalarKeys.put(Double.NaN, "NaN key");
        scalarKeys.put(true, "Boolean key");
        scalarKeys.put(null, "null key");
        Map<Object, Object> scalarKeysExpected = new LinkedHashMap<>();
        scalarKeysExpected.put("s", "string key");
        scalarKeysExpected.put(1L, "Integer key");
        scalarKeysExpected.put(2L, "Long key");
        scalarKeysExpected.put(3L, "Short key");
        scalarKeysExpected.put(4L, "Byte key");
        scalarKeysExpected.put(5L, "small BigInteger key");
        scalarKeysExpected.put(twoTo64, "big BigInteger key");
        scalarKeysExpected.put(1.5, "Double key");
        scalarKeysExpected.put(2.5, "Float key");
        scalarKeysExpected.put(Double.NaN, "NaN key");
        scalarKeysExpected.put(true, "Boolean key");
        scalarKeysExpected.put(null, "null key");
        return Stream.of(
                Arguments.of("Boolean true", true, true),
                Arguments.of("Boolean false", false, false),
                Arguments.of("Long", 123_456_789_012L, 123_456_789_012L),
                Arguments.of("Long.MAX_VALUE", Long.MAX_VALUE, Long.MAX_VALUE),
                Arguments.of("Long.MIN_VALUE", Long.MIN_VALUE, Long.MIN_VALUE),
                Arguments.of("Integer comes back as Long", 42, 42L),
                Arguments.of("Integer.MIN_VALUE comes back as Long", Integer.MIN_VALUE, (long) Integer.MIN_VALUE),
                Arguments.of("Short comes back as Long", (short) -7, -7L),
                Arguments.of("Byte comes back as Long", (byte) 127, 127L),
                Arguments.of("BigInteger in long range comes back as Long", BigInteger.valueOf(-99), -99L),
                Arguments.of("BigInteger Long.MAX_VALUE comes back as Long", BigInteger.valueOf(Long.MAX_VALUE),
                        Long.MAX_VALUE),
                Arguments.of("BigInteger 2^64", twoTo64, twoTo64),
                Arguments.of("BigInteger Long.MAX_VALUE + 1", BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE),
                        BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)),
                Arguments.of("BigInteger Long.MIN_VALUE - 1",
                        BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE),
                        BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE)),
                Arguments.of("big negative BigInteger", BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40).negate()),
                Arguments.of("Double", 3.25, 3.25),
                Arguments.of("Double NaN", Double.NaN, Double.NaN),
                Arguments.of("Double +Infinity", Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY),
                Arguments.of("Double -Infinity", Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY),
                Arguments.of("Double -0.0 keeps its sign", -0.0, -0.0),
                Arguments.of("whole Double stays a Double", 2.0, 2.0),
                Arguments.of("Double.MIN_VALUE", Double.MIN_VALUE, Double.MIN_VALUE),
                Arguments.of("Float comes back as Double", 0.1f, (double) 0.1f),
                Arguments.of("Float NaN comes back as Double NaN", Float.NaN, Double.NaN),
                Arguments.of("String", "hello", "hello"),
                Arguments.of("empty String", "", ""),
                Arguments.of("String with non-BMP characters", "emoji \uD83D\uDE00 \uD834\uDD1E",
                        "emoji \uD83D\uDE00 \uD834\uDD1E"),
                Arguments.of("String with NUL and accents", "\u0000\u00e9\u4e2d", "\u0000\u00e9\u4e2d"),
                Arguments.of("byte[]", new byte[] {0, -1, 127, -128}, new byte[] {0, -1, 127, -128}),
                Arguments.of("empty byte[]", new byte[0], new byte[0]),
                Arguments.of("List with null inside", Arrays.asList(1, null, "x"), Arrays.asList(1L, null, "x")),
                Arguments.of("empty List", List.of(), List.of()),
                Arguments.of("int[] comes back as List", new int[] {1, 2, 3}, List.of(1L, 2L, 3L)),
                Arguments.of("double[] comes back as List", new double[] {1.5, Double.NaN}, List.of(1.5, Double.NaN)),
                Arguments.of("String[] comes back as List", new String[] {"a", "b"}, List.of("a", "b")),
                Arguments.of("Object[] comes back as List", new Object[] {1, new long[] {2}, null},
                        Arrays.asList(1L, List.of(2L), null)),
                Arguments.of("nested Map with null inside, insertion order kept", nested, nestedExpected),
                Arguments.of("empty Map", Map.of(), Map.of()),
                Arguments.of("Map with keys of each scalar type", scalarKeys, scalarKeysExpected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueTable")
    @DisplayName("every type of the value model round-trips through the store in its normal form")
    void valueTableRoundTrip(String description, Object stored, Object expected) {
        store.store("value", stored);
        Object fetched = store.fetch("value").orElseThrow();
        assertValue(expected, Optional.of(fetched));
        if (expected instanceof Map<?, ?>) {
            assertEquals(new ArrayList<>(((Map<?, ?>) expected).keySet()).toString(),
                    new ArrayList<>(((Map<?, ?>) fetched).keySet()).toString(), "insertion order is kept");
        }
        store.storeAll(Map.of("batch", stored));
        assertValue(expected, Optional.ofNullable(store.fetchAll(List.of("batch")).get("batch")));
    }

    @Test
    @DisplayName("random nested values round-trip through the store (seeded; the seed is printed on failure)")
    void randomValuesRoundTrip() {
        String fixed = System.getProperty(SEED_PROPERTY);
        long seed = fixed != null ? Long.parseLong(fixed.trim()) : System.nanoTime();
        RandomValues values = new RandomValues(seed, 5);
        int count = randomValueCount();
        Map<String, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            RandomValues.Sample sample = values.next();
            String key = "random-" + i;
            String replay = "seed " + seed + ", value #" + i + "; replay with -D" + SEED_PROPERTY + "=" + seed;
            try {
                store.store(key, sample.input());
            } catch (RuntimeException e) {
                throw new AssertionError("store failed for " + replay, e);
            }
            Object fetched = store.fetch(key).orElseThrow(() -> new AssertionError("absent after store: " + replay));
            if (!Values.equal(sample.expected(), fetched)) {
                fail("value differs after a round trip, " + replay + "\nexpected: " + describe(sample.expected())
                        + "\nfetched:  " + describe(fetched));
            }
            expected.put(key, sample.expected());
        }
        Map<String, Object> all = store.fetchAll(expected.keySet());
        assertEquals(expected.size(), all.size(), "seed " + seed);
        for (Map.Entry<String, Object> entry : expected.entrySet()) {
            assertTrue(Values.equal(entry.getValue(), all.get(entry.getKey())),
                    () -> "fetchAll differs at " + entry.getKey() + ", seed " + seed + "; replay with -D"
                            + SEED_PROPERTY + "=" + seed);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Asserts that a fetched value equals the expected normal form by value-model equality, which also
     * checks the Java types (a {@code Long}, never an {@code Integer}).
     *
     * @param expected the expected normal form
     * @param actual   what fetch returned
     */
    protected static void assertValue(Object expected, Optional<?> actual) {
        assertTrue(actual.isPresent(), "expected a value, got none");
        Object value = actual.get();
        if (!Values.equal(expected, value)) {
            fail("expected " + describe(expected) + " but was " + describe(value));
        }
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof byte[]) {
            return "byte[]" + Arrays.toString((byte[]) value);
        }
        if (value instanceof List<?>) {
            List<String> parts = new ArrayList<>();
            ((List<?>) value).forEach(element -> parts.add(describe(element)));
            return parts.toString();
        }
        if (value instanceof Map<?, ?>) {
            List<String> parts = new ArrayList<>();
            ((Map<?, ?>) value).forEach((k, v) -> parts.add(describe(k) + "=" + describe(v)));
            return "{" + String.join(", ", parts) + "}";
        }
        String text = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        return text + " (" + value.getClass().getSimpleName() + ")";
    }

    private static void assertMessageNames(Throwable e, String expected) {
        assertNotNull(e.getMessage(), "the exception has a message");
        assertTrue(e.getMessage().contains(expected),
                () -> "the message should name " + expected + ": " + e.getMessage());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(CONCURRENCY_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("threads did not meet at the barrier", e);
        }
    }

    /**
     * Runs a task on several threads at once, each given its index, and rethrows the first failure.
     * Bounded in time so a broken backend fails the test instead of hanging the build.
     */
    private static void runConcurrently(int threads, Consumer<Integer> task) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(executor.submit(() -> task.accept(thread)));
            }
            long deadline = System.nanoTime() + CONCURRENCY_LIMIT.toNanos();
            for (Future<?> future : futures) {
                try {
                    future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error) {
                        throw (Error) e.getCause();
                    }
                    throw (Exception) e.getCause();
                } catch (TimeoutException e) {
                    fail("concurrent operations did not finish within " + CONCURRENCY_LIMIT);
                }
            }
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}

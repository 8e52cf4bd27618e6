package io.statestore.benchmarks.memory;

import io.statestore.StateStore;
import io.statestore.StateStores;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy.VarExpiration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The memory backend against the {@link ConcurrentHashMap} it is built on, measured in the same run: each
 * {@code memory*} benchmark has a {@code raw*} twin doing the same work on a bare map, so the ratio
 * memory / raw is the cost of the contract (key checks, value normalization and isolation, the closed
 * check). Run with {@code -t 1} and {@code -t 2} to see contention on the shared keys.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class MemoryStoreBenchmark {

    private static final int KEYS = 1024;
    /** Long enough that no key expires during a run: expiry's cost is in keeping the instant, not in expiring. */
    private static final Duration TTL = Duration.ofHours(1);

    private final String[] valueKeys = new String[KEYS];
    private final String[] counterKeys = new String[KEYS];
    private final String[] expiringKeys = new String[KEYS];
    private final String[] windowKeys = new String[KEYS];
    private final Map<String, Object> smallMap = new LinkedHashMap<>();

    private StateStore store;
    private ConcurrentHashMap<String, Object> raw;
    private ConcurrentHashMap<String, Long> rawCounters;
    private ConcurrentHashMap<String, Object> rawExpiring;
    private Cache<String, Object> caffeine;
    private VarExpiration<String, Object> caffeineTtl;

    /** What the memory store keeps for a key that expires: the value and its instant. */
    private record Expiring(Object value, long expiresAt) {
    }

    /** Each thread walks the keys on its own, so threads touch the same keys without lock-step. */
    @State(Scope.Thread)
    public static class Cursor {
        private int index;

        @Setup
        public void start() {
            index = (int) (Thread.currentThread().getId() * 7919) & (KEYS - 1);
        }

        int next() {
            index = (index + 1) & (KEYS - 1);
            return index;
        }
    }

    @Setup(Level.Trial)
    public void fill() {
        smallMap.put("worker", "worker-17");
        smallMap.put("jobs", 42);
        smallMap.put("ok", true);
        store = StateStores.open("memory:benchmark-" + UUID.randomUUID());
        raw = new ConcurrentHashMap<>();
        rawCounters = new ConcurrentHashMap<>();
        rawExpiring = new ConcurrentHashMap<>();
        // Per-entry expiry, as the memory store needs it: each put gives its own time to live.
        caffeine = Caffeine.newBuilder().expireAfter(Expiry.<String, Object>writing((key, value) -> TTL)).build();
        caffeineTtl = caffeine.policy().expireVariably().orElseThrow();
        for (int i = 0; i < KEYS; i++) {
            valueKeys[i] = "job:" + i;
            counterKeys[i] = "counter:" + i;
            expiringKeys[i] = "session:" + i;
            windowKeys[i] = "window:" + i;
            store.store(valueKeys[i], smallMap);
            store.store(expiringKeys[i], smallMap, TTL);
            raw.put(valueKeys[i], smallMap);
            rawExpiring.put(expiringKeys[i], new Expiring(smallMap, System.currentTimeMillis() + TTL.toMillis()));
            caffeineTtl.put(expiringKeys[i], smallMap, TTL);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        store.clear();
        store.close();
    }

    @Benchmark
    public Optional<Object> memoryFetch(Cursor cursor) {
        return store.fetch(valueKeys[cursor.next()]);
    }

    @Benchmark
    public Object rawGet(Cursor cursor) {
        return raw.get(valueKeys[cursor.next()]);
    }

    @Benchmark
    public void memoryStoreSmallMap(Cursor cursor) {
        store.store(valueKeys[cursor.next()], smallMap);
    }

    @Benchmark
    public Object rawPutSmallMap(Cursor cursor) {
        return raw.put(valueKeys[cursor.next()], smallMap);
    }

    @Benchmark
    public Optional<Object> memoryFetchExpiring(Cursor cursor) {
        return store.fetch(expiringKeys[cursor.next()]);
    }

    @Benchmark
    public void memoryStoreSmallMapWithTtl(Cursor cursor) {
        store.store(expiringKeys[cursor.next()], smallMap, TTL);
    }

    @Benchmark
    public long memoryIncrWithTtl(Cursor cursor) {
        return store.incr(windowKeys[cursor.next()], 1, TTL);
    }

    /** The memory store's map with expiry, without the contract's checks: the layer Caffeine could replace. */
    @Benchmark
    public Object rawPutExpiring(Cursor cursor) {
        return rawExpiring.put(expiringKeys[cursor.next()], new Expiring(smallMap, System.currentTimeMillis()
                + TTL.toMillis()));
    }

    @Benchmark
    public Object rawGetExpiring(Cursor cursor) {
        Object found = rawExpiring.get(expiringKeys[cursor.next()]);
        return found instanceof Expiring expiring && expiring.expiresAt() > System.currentTimeMillis()
                ? expiring.value() : null;
    }

    @Benchmark
    public Object caffeinePutWithTtl(Cursor cursor) {
        return caffeineTtl.put(expiringKeys[cursor.next()], smallMap, TTL);
    }

    @Benchmark
    public Object caffeineGet(Cursor cursor) {
        return caffeine.getIfPresent(expiringKeys[cursor.next()]);
    }

    @Benchmark
    public long memoryIncr(Cursor cursor) {
        return store.incr(counterKeys[cursor.next()]);
    }

    @Benchmark
    public Object rawMerge(Cursor cursor) {
        return rawCounters.merge(counterKeys[cursor.next()], 1L, Long::sum);
    }
}

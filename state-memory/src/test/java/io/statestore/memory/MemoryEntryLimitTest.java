package io.statestore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.WriteNotAppliedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code memory:NAME?maxEntries=N}: new keys beyond N are refused, updates are not, and the count is exact. */
class MemoryEntryLimitTest {

    private static StateStore open(long maxEntries) {
        return StateStores.open("memory:limit-" + UUID.randomUUID() + "?maxEntries=" + maxEntries);
    }

    @Test
    @DisplayName("a new key beyond maxEntries is refused naming the limit; updates, counters of present keys and removals work")
    void refusesNewKeysOnly() {
        try (StateStore store = open(3)) {
            store.store("a", 1);
            store.incr("b");
            store.storeAll(Map.of("c", 3));
            WriteNotAppliedException full = assertThrows(WriteNotAppliedException.class, () -> store.store("d", 4));
            assertTrue(full.getMessage().contains("maxEntries=3") && full.getMessage().contains("\"d\""),
                    full.getMessage());
            assertThrows(WriteNotAppliedException.class, () -> store.incr("e"));
            assertThrows(WriteNotAppliedException.class, () -> store.compareAndSet("f", null, 1));
            assertEquals(Optional.empty(), store.fetch("d"));
            store.store("a", "updated");
            assertEquals(2, store.incr("b"));
            assertTrue(store.compareAndSet("c", 3, 30));
            assertTrue(store.remove("a"));
            store.store("d", 4);
            assertEquals(3, store.size());
            store.clear();
            store.storeAll(Map.of("x", 1, "y", 2, "z", 3));
            assertEquals(3, store.size());
        }
    }

    @Test
    @DisplayName("an expired key gives its place back once reclaimed")
    void expiredKeysGiveTheirPlaceBack() throws InterruptedException {
        try (StateStore store = open(2)) {
            store.store("a", 1, Duration.ofMillis(100));
            store.store("b", 2, Duration.ofMillis(100));
            Thread.sleep(150);
            assertEquals(Optional.empty(), store.fetch("a"));  // met by a read: removed, its place given back
            store.store("c", 3);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (true) {  // "b" is reclaimed by the background sweep
                try {
                    store.store("d", 4);
                    break;
                } catch (WriteNotAppliedException full) {
                    assertTrue(System.nanoTime() < deadline, "the expired key was never reclaimed");
                    Thread.sleep(50);
                }
            }
            assertEquals(2, store.size());
        }
    }

    @Test
    @DisplayName("threads racing to add distinct keys fill a limit exactly, never beyond it")
    void exactUnderContention() throws Exception {
        int threads = 8;
        try (StateStore store = open(100)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicInteger accepted = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 50; i++) {
                        try {
                            if (i % 2 == 0) {
                                store.store("t" + thread + "-" + i, i);
                            } else {
                                store.incr("t" + thread + "-" + i);
                            }
                            accepted.incrementAndGet();
                        } catch (WriteNotAppliedException full) {
                            // the limit: counted below
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            pool.shutdown();
            assertEquals(100, accepted.get());
            assertEquals(100, store.size());
        }
    }

    @Test
    @DisplayName("every handle on a name shares its limit; another limit for the same name is refused")
    void theLimitBelongsToTheMap() {
        String name = "memory:shared-limit-" + UUID.randomUUID();
        try (StateStore first = StateStores.open(name + "?maxEntries=1"); StateStore second = StateStores.open(name)) {
            first.store("a", 1);
            assertThrows(WriteNotAppliedException.class, () -> second.store("b", 2));
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> StateStores.open(name + "?maxEntries=5"));
            assertTrue(other.getMessage().contains("maxEntries=1"), other.getMessage());
        }
    }
}

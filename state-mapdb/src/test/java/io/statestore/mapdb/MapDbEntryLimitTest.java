package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.WriteNotAppliedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mapdb:FILE?maxEntries=N}: new keys beyond N are refused, exactly, and the count survives a reopen. */
class MapDbEntryLimitTest {

    @TempDir
    Path directory;

    private StateStore open(long maxEntries) {
        return StateStores.open("mapdb:" + directory.resolve("limited.db") + "?durability=on-flush&maxEntries="
                + maxEntries);
    }

    @Test
    @DisplayName("a new key beyond maxEntries is refused naming the limit; updates and removals work; a reopen counts the file")
    void refusesNewKeysAndCountsAcrossReopen() {
        try (StateStore store = open(3)) {
            store.store("a", 1);
            store.incr("b");
            store.storeAll(Map.of("c", 3));
            WriteNotAppliedException full = assertThrows(WriteNotAppliedException.class, () -> store.store("d", 4));
            assertTrue(full.getMessage().contains("maxEntries=3") && full.getMessage().contains("\"d\""),
                    full.getMessage());
            assertThrows(WriteNotAppliedException.class, () -> store.incr("e"));
            assertThrows(WriteNotAppliedException.class, () -> store.compareAndSet("f", null, 1));
            assertThrows(WriteNotAppliedException.class, () -> store.storeAll(Map.of("g", 1, "a", 2)));
            assertEquals(Optional.of(1L), store.fetch("a"), "a refused batch writes nothing");
            store.store("a", "updated");
            assertEquals(2, store.incr("b"));
            assertTrue(store.remove("a"));
            store.store("d", 4);
        }
        try (StateStore reopened = open(3)) {
            assertEquals(3, reopened.size());
            assertThrows(WriteNotAppliedException.class, () -> reopened.store("e", 5));
            reopened.clear();
            reopened.storeAll(Map.of("x", 1, "y", 2, "z", 3));
            assertEquals(3, reopened.size());
        }
    }

    @Test
    @DisplayName("an expired key gives its place back once reclaimed")
    void expiredKeysGiveTheirPlaceBack() throws InterruptedException {
        try (StateStore store = open(1)) {
            store.store("a", 1, Duration.ofMillis(100));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {  // reclaimed by the background pass, once a second
                try {
                    store.store("b", 2);
                    break;
                } catch (WriteNotAppliedException full) {
                    assertTrue(System.nanoTime() < deadline, "the expired key was never reclaimed");
                    Thread.sleep(100);
                }
            }
            assertEquals(Optional.of(2L), store.fetch("b"));
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
                            if (i % 3 == 0) {
                                store.store("t" + thread + "-" + i, i);
                            } else if (i % 3 == 1) {
                                store.incr("t" + thread + "-" + i);
                            } else {
                                Map<String, Object> one = new HashMap<>();
                                one.put("t" + thread + "-" + i, i);
                                store.storeAll(one);
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
}

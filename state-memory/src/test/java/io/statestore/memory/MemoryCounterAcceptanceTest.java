package io.statestore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The seed's {@code incr} loses updates when callers create a counter at once; ours must not. Sixteen
 * threads all start on the same fresh key, so creation and every later increment are contended.
 */
class MemoryCounterAcceptanceTest {

    private static final int THREADS = 16;
    private static final int INCREMENTS_PER_THREAD = 100_000;

    @RepeatedTest(3)
    @DisplayName("16 threads x 100,000 incr on one fresh key end at exactly 1,600,000")
    void sixteenThreadsHundredThousandIncrements() throws Exception {
        String key = "acceptance-" + UUID.randomUUID();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try (StateStore store = StateStores.open("memory:acceptance-" + UUID.randomUUID())) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
                        store.incr(key);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
            assertEquals((long) THREADS * INCREMENTS_PER_THREAD, store.fetch(key, Long.class).orElseThrow());
            assertEquals(1_600_000L, store.incr(key, 0));
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}

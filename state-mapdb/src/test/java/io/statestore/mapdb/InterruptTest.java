package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MapDB closes its file channel when a thread doing I/O on it is interrupted. The store shields MapDB from
 * interrupts: an interrupted caller's call completes, the caller keeps its interrupt status, and every
 * other user of the store carries on.
 */
class InterruptTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a thread already interrupted completes its calls and keeps its interrupt status")
    void interruptedCallerCompletes() {
        try (StateStore store = StateStores.open("mapdb:" + dir.resolve("pre.db"))) {
            Thread.currentThread().interrupt();
            try {
                store.store("k", "v");
                assertEquals(1L, store.incr("n"));
                store.storeAll(Map.of("a", 1L, "b", 2L));
                assertEquals("v", store.fetch("k").orElseThrow());
                store.unwrap(MapDbStateStore.class).flush();
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
            } finally {
                Thread.interrupted();
            }
        }
        try (StateStore reopened = StateStores.open("mapdb:" + dir.resolve("pre.db"))) {
            assertEquals(Map.of("k", "v", "n", 1L, "a", 1L, "b", 2L), reopened.fetchAll(List.of("k", "n", "a", "b")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"durability=sync&mmap=false", "durability=group&commitMillis=1&mmap=true",
        "durability=sync&mmap=true"})
    @DisplayName("writers interrupted over and over in the middle of writes and commits do not break the store")
    void interruptsDuringWritesAreHarmless(String options) throws Exception {
        Path file = dir.resolve("storm.db");
        int writers = 2;
        long[] acknowledged = new long[writers];
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (StateStore store = StateStores.open("mapdb:" + file + "?" + options)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(new Thread(() -> {
                    long i = 0;
                    while (running.get()) {
                        try {
                            store.store("w" + writer + "-" + (i % 500), Map.of("i", i, "pad", "x".repeat(200)));
                            store.incr("count-" + writer);
                            acknowledged[writer]++;
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                        if (Thread.interrupted()) {
                            i++;
                        }
                        i++;
                    }
                }, "writer-" + w));
            }
            threads.forEach(Thread::start);
            long end = System.nanoTime() + 1_500_000_000L;
            long interrupts = 0;
            while (System.nanoTime() < end && failures.isEmpty()) {
                for (Thread thread : threads) {
                    thread.interrupt();
                    interrupts++;
                }
                LockSupport.parkNanos(200_000);
            }
            running.set(false);
            for (Thread thread : threads) {
                thread.join(60_000);
            }
            assertTrue(failures.isEmpty(), () -> "a writer failed after an interrupt: " + failures.peek());
            assertTrue(interrupts > 100, "interrupted " + interrupts + " times");
            for (int w = 0; w < writers; w++) {
                assertTrue(acknowledged[w] > 0, "writer " + w + " made no progress");
                assertEquals(acknowledged[w], store.fetch("count-" + w).orElseThrow(), "count-" + w);
            }
            store.store("after", "still works");
        }
        try (StateStore reopened = StateStores.open("mapdb:" + file)) {
            assertEquals("still works", reopened.fetch("after").orElseThrow());
            for (int w = 0; w < writers; w++) {
                assertEquals(acknowledged[w], reopened.fetch("count-" + w).orElseThrow(), "count-" + w);
            }
        }
    }
}

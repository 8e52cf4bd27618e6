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
import org.junit.jupiter.params.provider.CsvSource;
import org.mapdb.DB;
import org.mapdb.DBMaker;

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

    /**
     * The last case grows a memory-mapped file all the time (100 KB values under new keys, and commits
     * made by the interrupted writers themselves), so that interrupts land while it maps new parts of the
     * file, which is done through an interruptible channel.
     */
    @ParameterizedTest(name = "{0}, {1}-byte values, {2} keys per writer (0: all new)")
    @CsvSource({"durability=sync&mmap=false, 200, 500", "durability=group&commitMillis=1&mmap=true, 200, 500",
        "durability=sync&mmap=true, 200, 500", "durability=sync&mmap=true&fsync=false, 100000, 0"})
    @DisplayName("writers interrupted over and over in the middle of writes and commits do not break the store")
    void interruptsDuringWritesAreHarmless(String options, int valueBytes, int keysPerWriter) throws Exception {
        Path file = dir.resolve("storm.db");
        long[] acknowledged;
        try (StateStore store = StateStores.open("mapdb:" + file + "?" + options)) {
            acknowledged = storm(store, valueBytes, keysPerWriter);
        }
        try (StateStore reopened = StateStores.open("mapdb:" + file)) {
            assertEquals("still works", reopened.fetch("after").orElseThrow());
            for (int w = 0; w < acknowledged.length; w++) {
                assertEquals(acknowledged[w], reopened.fetch("count-" + w).orElseThrow(), "count-" + w);
            }
        }
    }

    @Test
    @DisplayName("a wrapped memory-mapped DB is shielded too, by the store's own I/O thread")
    void wrappedMemoryMappedDbIsShielded() throws Exception {
        DB db = DBMaker.fileDB(dir.resolve("wrapped.db").toFile()).fileMmapEnableIfSupported()
                .transactionEnable().fileSyncDisable().make();
        try (MapDbStateStore store = MapDbStateStore.wrap(db, "state")) {
            storm(store, 100_000, 0);
        } finally {
            db.close();
        }
    }

    /**
     * Runs two writers for 1.5 s while interrupting them every 0.2 ms; checks that none failed and that
     * each one's counter equals its acknowledged increments; returns those.
     */
    private static long[] storm(StateStore store, int valueBytes, int keysPerWriter) throws Exception {
        int writers = 2;
        long[] acknowledged = new long[writers];
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(new Thread(() -> {
                long i = 0;
                while (running.get()) {
                    try {
                        store.store("w" + writer + "-" + (keysPerWriter == 0 ? i : i % keysPerWriter),
                                Map.of("i", i, "pad", "x".repeat(valueBytes)));
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
        return acknowledged;
    }
}

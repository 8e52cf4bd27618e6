package io.statestore.hazelcast;

import io.statestore.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads that increment counters until stopped, counting per key the increments that returned and those
 * that threw. Each thread has one increment in flight at a time, on the keys given to it in turn.
 */
final class IncrementHammer {

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Map<String, AtomicLong> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failed = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch running;

    private IncrementHammer(int threadCount) {
        running = new CountDownLatch(threadCount);
    }

    /**
     * Starts {@code threads} threads on a store; thread {@code t} increments {@code keys[t % keys.size()]}.
     * Returns once every thread has completed an increment, so the load is on when it returns.
     */
    static IncrementHammer start(String name, StateStore store, List<String> keys, int threadCount)
            throws InterruptedException {
        IncrementHammer hammer = new IncrementHammer(threadCount);
        for (String key : keys) {
            hammer.acknowledged.put(key, new AtomicLong());
            hammer.failed.put(key, new AtomicLong());
        }
        for (int t = 0; t < threadCount; t++) {
            String key = keys.get(t % keys.size());
            Thread thread = new Thread(() -> hammer.run(store, key), name + "-" + t);
            thread.setDaemon(true);
            hammer.threads.add(thread);
            thread.start();
        }
        hammer.running.await();
        return hammer;
    }

    private void run(StateStore store, String key) {
        boolean first = true;
        while (!stopping.get()) {
            try {
                store.incr(key);
                acknowledged.get(key).incrementAndGet();
            } catch (RuntimeException e) {
                failed.get(key).incrementAndGet();
                System.err.println("incr " + key + " failed: " + e);
            }
            if (first) {
                running.countDown();
                first = false;
            }
        }
    }

    /** Stops the threads after their increment in flight has returned or thrown, and waits for them. */
    void stop() throws InterruptedException {
        stopping.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
    }

    long acknowledged(String key) {
        return acknowledged.get(key).get();
    }

    long failed(String key) {
        return failed.get(key).get();
    }

    List<String> keys() {
        return new ArrayList<>(acknowledged.keySet());
    }
}

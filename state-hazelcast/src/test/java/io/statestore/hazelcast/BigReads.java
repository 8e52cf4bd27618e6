package io.statestore.hazelcast;

import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.List;

/** Threads that read one large entry over and over, keeping its owner's connection to the reader busy. */
final class BigReads {

    private BigReads() {
    }

    static List<Thread> start(IMap<Object, Object> map, String key, int threads) {
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        map.get(key);
                    } catch (RuntimeException e) {
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                    }
                }
            }, "big-read-" + t);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        return started;
    }

    static void stop(List<Thread> threads) throws InterruptedException {
        threads.forEach(Thread::interrupt);
        for (Thread thread : threads) {
            thread.join();
        }
        threads.clear();
    }
}

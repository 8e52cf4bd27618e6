package io.statestore.hazelcast;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A cluster member in its own JVM, driven by tests through stdin and stdout. It opens the store of the URI
 * given as its only argument (an embedded member, with this module's serialization), prints
 * {@code READY}, then obeys one command a line:
 * <ul>
 * <li>{@code SIZE}: prints {@code SIZE n}, the number of members it sees;</li>
 * <li>{@code LOAD prefix threads opsPerThread counters storeEvery}: runs {@code threads} threads, each doing
 * {@code opsPerThread} increments of {@code prefix + "c" + (op % counters)}, and every {@code storeEvery}th
 * op a store of {@code prefix + "v-" + localPort + "-" + thread + "-" + op}; prints {@code PROGRESS} once every thread has done a
 * tenth of its work, then per counter {@code COUNTER key succeeded failed}, per failed store
 * {@code STOREFAILED key}, and {@code END stored} with the number of stores that returned.</li>
 * </ul>
 * It stops when stdin closes. Diagnostics go to stderr.
 */
public final class ClusterMemberMain {

    private ClusterMemberMain() {
    }

    public static void main(String[] args) throws Exception {
        StateStore store = StateStores.open(args[0]);
        com.hazelcast.core.HazelcastInstance instance = store.unwrap(com.hazelcast.core.HazelcastInstance.class);
        System.out.println("READY " + instance.getCluster().getLocalMember().getAddress());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] command = line.trim().split(" ");
                if (command[0].equals("SIZE")) {
                    System.out.println("SIZE " + instance.getCluster().getMembers().size());
                } else if (command[0].equals("LOAD")) {
                    load(store, instance.getCluster().getLocalMember().getAddress().getPort(), command[1], Integer.parseInt(command[2]), Integer.parseInt(command[3]),
                            Integer.parseInt(command[4]), Integer.parseInt(command[5]));
                }
            }
        } finally {
            store.close();
        }
    }

    private static void load(StateStore store, int localPort, String prefix, int threads, int opsPerThread, int counters,
            int storeEvery) throws InterruptedException {
        AtomicLongArray succeeded = new AtomicLongArray(counters);
        AtomicLongArray failed = new AtomicLongArray(counters);
        AtomicLongArray progress = new AtomicLongArray(threads);
        List<String> failedStores = java.util.Collections.synchronizedList(new ArrayList<>());
        long[] stored = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                for (int op = 0; op < opsPerThread; op++) {
                    int counter = (op + thread) % counters;
                    try {
                        store.incr(prefix + "c" + counter);
                        succeeded.incrementAndGet(counter);
                    } catch (RuntimeException e) {
                        failed.incrementAndGet(counter);
                        System.err.println("incr failed: " + e);
                    }
                    if (op % storeEvery == 0) {
                        String key = prefix + "v-" + localPort + "-" + thread + "-" + op;
                        try {
                            store.store(key, op);
                            stored[thread]++;
                        } catch (RuntimeException e) {
                            failedStores.add(key);
                            System.err.println("store failed: " + e);
                        }
                    }
                    progress.set(thread, op + 1);
                }
            }, "load-" + t);
            worker.start();
            workers.add(worker);
        }
        boolean announced = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                worker.join(20);
                if (!announced && minimum(progress) >= opsPerThread / 10) {
                    System.out.println("PROGRESS");
                    announced = true;
                }
            }
        }
        if (!announced) {
            System.out.println("PROGRESS");
        }
        for (int c = 0; c < counters; c++) {
            System.out.println("COUNTER " + prefix + "c" + c + " " + succeeded.get(c) + " " + failed.get(c));
        }
        failedStores.forEach(key -> System.out.println("STOREFAILED " + key));
        long total = 0;
        for (long s : stored) {
            total += s;
        }
        System.out.println("END " + total);
    }

    private static long minimum(AtomicLongArray values) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < values.length(); i++) {
            min = Math.min(min, values.get(i));
        }
        return min;
    }
}

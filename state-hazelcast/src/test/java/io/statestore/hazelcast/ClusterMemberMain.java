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
 * {@code STOREFAILED key}, and {@code END stored} with the number of stores that returned;</li>
 * <li>{@code KEYS prefix count ownerPort backupPort}: prints {@code KEYS k1,k2,...}, {@code count} keys
 * {@code prefix + i} whose partition's owner is the member on {@code ownerPort} and whose first backup is
 * on {@code backupPort};</li>
 * <li>{@code WRITE prefix keys rounds counter}: for each round r, stores r under {@code prefix + k} for each of
 * {@code keys} keys and increments {@code counter} once; then removes the keys; prints {@code WROTE};</li>
 * <li>{@code BIG key bytes}: stores a byte array of that size under the key, prints {@code BIG stored};</li>
 * <li>{@code HAMMER threads exactlyOnceKeys controlKeys [bigKey readers]} (keys comma-separated): starts
 * {@code threads} threads incrementing the first keys through this store (exactly-once) and as many
 * incrementing the others through a handle on the same map with {@code exactlyOnce=false}, and
 * {@code readers} threads reading the big entry again and again; prints {@code HAMMERING} once every
 * incrementing thread has done an increment;</li>
 * <li>{@code STOP}: stops the readers, and the incrementing threads after their increments in flight end,
 * then prints per key
 * {@code HAMMERED key acknowledged failed value} and {@code STOPPED};</li>
 * <li>{@code SAFE seconds}: waits up to that long until no partition is migrating and every backup is in
 * sync, and prints {@code SAFE true} or {@code SAFE false}.</li>
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
        String mapName = store.unwrap(com.hazelcast.map.IMap.class).getName();
        StateStore untracked = HazelcastStateStore.wrap(instance, mapName, false, 64);
        List<IncrementHammer> hammers = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] command = line.trim().split(" ");
                if (command[0].equals("SIZE")) {
                    System.out.println("SIZE " + instance.getCluster().getMembers().size());
                } else if (command[0].equals("LOAD")) {
                    load(store, instance.getCluster().getLocalMember().getAddress().getPort(), command[1], Integer.parseInt(command[2]), Integer.parseInt(command[3]),
                            Integer.parseInt(command[4]), Integer.parseInt(command[5]));
                } else if (command[0].equals("KEYS")) {
                    System.out.println("KEYS " + String.join(",", keysPlaced(instance, command[1],
                            Integer.parseInt(command[2]), Integer.parseInt(command[3]), Integer.parseInt(command[4]))));
                } else if (command[0].equals("HAMMER")) {
                    int threads = Integer.parseInt(command[1]);
                    hammers.add(IncrementHammer.start("exactly-once", store, List.of(command[2].split(",")), threads));
                    hammers.add(IncrementHammer.start("control", untracked, List.of(command[3].split(",")), threads));
                    if (command.length > 5) {
                        readers.addAll(BigReads.start(instance.getMap(mapName), command[4], Integer.parseInt(command[5])));
                    }
                    System.out.println("HAMMERING");
                } else if (command[0].equals("STOP")) {
                    BigReads.stop(readers);
                    for (IncrementHammer hammer : hammers) {
                        hammer.stop();
                    }
                    for (IncrementHammer hammer : hammers) {
                        for (String key : hammer.keys()) {
                            System.out.println("HAMMERED " + key + " " + hammer.acknowledged(key) + " "
                                    + hammer.failed(key) + " " + store.fetch(key, Long.class).orElse(0L));
                        }
                    }
                    hammers.clear();
                    System.out.println("STOPPED");
                } else if (command[0].equals("WRITE")) {
                    int keys = Integer.parseInt(command[2]);
                    int rounds = Integer.parseInt(command[3]);
                    for (int round = 0; round < rounds; round++) {
                        for (int k = 0; k < keys; k++) {
                            store.store(command[1] + k, (long) round);
                        }
                        store.incr(command[4], 1);
                    }
                    for (int k = 0; k < keys; k++) {
                        store.remove(command[1] + k);
                    }
                    System.out.println("WROTE");
                } else if (command[0].equals("BIG")) {
                    store.store(command[1], new byte[Integer.parseInt(command[2])]);
                    System.out.println("BIG stored");
                } else if (command[0].equals("SAFE")) {
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(
                            Long.parseLong(command[1]));
                    boolean safe;
                    while (!(safe = instance.getPartitionService().isClusterSafe()) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    System.out.println("SAFE " + safe);
                }
            }
        } finally {
            store.close();
        }
    }

    /**
     * Finds keys whose owner and first backup are the members on two ports, from this member's partition
     * table (Hazelcast's public API names the owner only).
     */
    private static List<String> keysPlaced(com.hazelcast.core.HazelcastInstance instance, String prefix, int count,
            int ownerPort, int backupPort) {
        com.hazelcast.internal.partition.InternalPartitionService partitions =
                ((com.hazelcast.instance.impl.HazelcastInstanceProxy) instance).getOriginal().node.getPartitionService();
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            if (i > 1_000_000) {
                throw new IllegalStateException("no key owned by port " + ownerPort + " with its backup on "
                        + backupPort + " among a million");
            }
            String key = prefix + i;
            com.hazelcast.internal.partition.InternalPartition partition =
                    partitions.getPartition(instance.getPartitionService().getPartition(key).getPartitionId());
            com.hazelcast.internal.partition.PartitionReplica owner = partition.getReplica(0);
            com.hazelcast.internal.partition.PartitionReplica backup = partition.getReplica(1);
            if (owner != null && backup != null && owner.address().getPort() == ownerPort
                    && backup.address().getPort() == backupPort) {
                keys.add(key);
            }
        }
        return keys;
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

package io.statestore.mapdb;

import io.statestore.StateStoreException;
import io.statestore.StateStores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The child JVM of {@link CrashTest}: writes until it is killed, and prints a line for each acknowledged
 * operation, flushed before the next operation starts.
 *
 * <p>Lines: {@code READY millis}; {@code S key change} for a stored key (every other one with an expiry,
 * {@link #ttlFor}); {@code B batch change} for a batch
 * of three keys; {@code I counter change value} for an increment by one that returned {@code value};
 * {@code D change millis} when a commit that covered every change up to that number has completed;
 * {@code FAILED message} when a write failed (then the child exits with status 3). {@code millis} is the
 * wall clock ({@link System#currentTimeMillis()}), which the parent on the same machine compares with
 * the moment it killed the child. {@code change} is the store's count of applied
 * changes read after the operation returned, so it is at least the operation's own number. Under
 * {@code none} a thread calls {@link MapDbStateStore#flush()} every {@link #FLUSH_MILLIS} ms.
 */
public final class CrashWriter {

    static final int THREADS = 2;
    static final int COUNTERS = 3;
    static final int BATCH_SIZE = 3;
    /** How often the flusher calls {@code flush()} under {@code none}. */
    static final long FLUSH_MILLIS = 30;

    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);

    private CrashWriter() {
    }

    static synchronized void report(String line) {
        OUT.println(line);
        OUT.flush();
    }

    /** Every other stored key expires in an hour, so the check can see that expiry survives a crash. */
    static final Duration TTL = Duration.ofHours(1);

    static Duration ttlFor(int i) {
        return (i / 3) % 2 == 1 ? TTL : null;
    }

    static Object valueFor(String run, int thread, int i) {
        return List.of(run, (long) thread, (long) i, Map.of("bytes", new byte[] {(byte) i, 1, 2}));
    }

    public static void main(String[] args) throws Exception {
        String file = args[0];
        String durability = args[1];
        String run = args[2];
        String uri = "mapdb:" + file + "?durability=" + durability + "&mmap=" + args[4]
                + (durability.equals("group") ? "&commitMillis=" + args[3] : "") + "&checkpointBytes=" + args[5];
        MapDbStateStore store = (MapDbStateStore) StateStores.open(uri);
        store.observeCommits(covered -> report("D " + covered + " " + System.currentTimeMillis()));
        if (durability.equals("none")) {
            Thread flusher = new Thread(() -> {
                while (true) {
                    store.flush();
                    try {
                        Thread.sleep(FLUSH_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "flusher");
            flusher.setDaemon(true);
            flusher.start();
        }
        report("READY " + System.currentTimeMillis());
        Thread[] writers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            writers[t] = new Thread(() -> {
                try {
                    write(store, run, thread);
                } catch (StateStoreException e) {
                    report("FAILED " + e.getMessage().replace('\n', ' '));
                    Runtime.getRuntime().halt(3);
                }
            }, "writer-" + t);
            writers[t].start();
        }
        for (Thread writer : writers) {
            writer.join();
        }
    }

    private static void write(MapDbStateStore store, String run, int thread) {
        for (int i = 0; ; i++) {
            switch (i % 3) {
                case 0 -> {
                    String key = run + "-t" + thread + "-s" + i;
                    store.store(key, valueFor(run, thread, i), ttlFor(i));
                    report("S " + key + " " + store.appliedChanges());
                }
                case 1 -> {
                    String counter = run + "-c" + (i % COUNTERS);
                    long value = store.incr(counter);
                    report("I " + counter + " " + store.appliedChanges() + " " + value);
                }
                default -> {
                    String batch = run + "-b" + thread + "x" + i;
                    store.storeAll(Map.of(batch + "-0", (long) i, batch + "-1", "two", batch + "-2",
                            List.of(1L, 2L)));
                    report("B " + batch + " " + store.appliedChanges());
                }
            }
        }
    }
}

package io.statestore.mapdb;

import io.statestore.spi.Expiry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes expired values from the files of open stores in the background: one daemon thread for the JVM
 * that, every {@value #PERIOD_MILLIS} ms, reads on through each store that may hold values that expire,
 * {@value #ENTRIES_PER_PASS} entries a store at a time, and removes those whose time has passed with an
 * ordinary logged write that keeps a value written since. Reads never depend on it; it gives the space
 * back, without a timer per key, taking each key's lock only for the removal.
 */
final class ExpiredEntries {

    static final long PERIOD_MILLIS = 1000;
    static final int ENTRIES_PER_PASS = 10_000;

    /** The stores reclaimed, each with where its next pass starts: the last key read, "" for the beginning. */
    private static final Map<MapDbStateStore, String> STORES = new ConcurrentHashMap<>();
    private static volatile ScheduledExecutorService thread;

    private ExpiredEntries() {
    }

    /** Reclaims the expired values of {@code store} from now on, until {@link #forget}. */
    static void reclaim(MapDbStateStore store) {
        if (STORES.putIfAbsent(store, "") == null) {
            start();
        }
    }

    /** Stops reclaiming for a store being closed. */
    static void forget(MapDbStateStore store) {
        STORES.remove(store);
    }

    private static synchronized void start() {
        if (thread == null) {
            ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread daemon = new Thread(runnable, "statestore-mapdb-expiry");
                daemon.setDaemon(true);
                return daemon;
            });
            started.scheduleWithFixedDelay(ExpiredEntries::pass, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            thread = started;
        }
    }

    private static void pass() {
        for (MapDbStateStore store : STORES.keySet()) {
            try {
                String after = STORES.getOrDefault(store, "");
                List<Map.Entry<String, byte[]>> page = store.entriesAfter(after.isEmpty() ? null : after,
                        ENTRIES_PER_PASS);
                long now = Expiry.now();
                for (Map.Entry<String, byte[]> entry : page) {
                    if (!Entries.live(entry.getValue(), now)) {
                        store.removeIfExpired(entry.getKey(), now);
                    }
                }
                STORES.replace(store, page.size() < ENTRIES_PER_PASS ? "" : page.get(page.size() - 1).getKey());
            } catch (RuntimeException e) {
                // Closed meanwhile (then forgotten), or a write refused (a full disk): the next pass tries again.
            }
        }
    }
}

package io.statestore.memory;

import io.statestore.spi.Expiry;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * Reclaims expired entries of the in-memory maps in the background: one daemon thread for the JVM, which
 * every {@value #PERIOD_MILLIS} ms walks on through each map that has held an expiring entry, at most
 * {@value #ENTRIES_PER_PASS} entries a map at a time, and removes those whose time has passed. Reads never
 * depend on it (an expired entry is absent whether or not it was reclaimed); it only gives the memory back,
 * without a timer per key and without holding anything a writer waits for.
 */
final class ExpirySweeper {

    static final long PERIOD_MILLIS = 100;
    static final int ENTRIES_PER_PASS = 10_000;

    private static final Set<Swept> MAPS = ConcurrentHashMap.newKeySet();
    private static volatile ScheduledExecutorService thread;

    private ExpirySweeper() {
    }

    /** A map being swept, and where the last pass stopped. */
    private static final class Swept {
        final ConcurrentHashMap<String, Object> entries;
        final BiPredicate<String, Object> removeExpired;
        Iterator<Map.Entry<String, Object>> cursor;

        Swept(ConcurrentHashMap<String, Object> entries, BiPredicate<String, Object> removeExpired) {
            this.entries = entries;
            this.removeExpired = removeExpired;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Swept swept && swept.entries == entries;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(entries);
        }
    }

    /**
     * Sweeps {@code entries} from now on, removing each expired entry with {@code removeExpired} (which keeps
     * an entry written since, and tells the map's watchers and limit); once per map.
     */
    static void sweep(ConcurrentHashMap<String, Object> entries, BiPredicate<String, Object> removeExpired) {
        if (MAPS.add(new Swept(entries, removeExpired)) && thread == null) {
            start();
        }
    }

    /** Stops sweeping {@code entries}, a map nobody will use again. */
    static void forget(ConcurrentHashMap<String, Object> entries) {
        MAPS.remove(new Swept(entries, null));
    }

    private static synchronized void start() {
        if (thread == null) {
            ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread daemon = new Thread(runnable, "statestore-memory-expiry");
                daemon.setDaemon(true);
                return daemon;
            });
            started.scheduleWithFixedDelay(ExpirySweeper::pass, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            thread = started;
        }
    }

    private static void pass() {
        long now = Expiry.now();
        for (Swept swept : MAPS) {
            if (swept.cursor == null || !swept.cursor.hasNext()) {
                swept.cursor = swept.entries.entrySet().iterator();
            }
            for (int seen = 0; seen < ENTRIES_PER_PASS && swept.cursor.hasNext(); seen++) {
                Map.Entry<String, Object> entry = swept.cursor.next();
                Object stored = entry.getValue();
                if (stored instanceof Expiring expiring && Expiry.passed(expiring.expiresAt, now)) {
                    // Only this very entry: a value written since is kept.
                    swept.removeExpired.test(entry.getKey(), stored);
                }
            }
        }
    }

    /** A stored value (in any form the store keeps) with the instant it expires. */
    static final class Expiring {
        final Object stored;
        final long expiresAt;

        Expiring(Object stored, long expiresAt) {
            this.stored = stored;
            this.expiresAt = expiresAt;
        }
    }
}

package io.statestore.spi;

import io.statestore.Lease;
import io.statestore.LeaseTimeoutException;
import io.statestore.StateStore;
import io.statestore.Subscription;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Locks and semaphores on any store, built on its atomic {@code compareAndSet} and its {@code watch}. A name's
 * state is one value under {@value #KEY_PREFIX}{@code name}: {@code {"fence": n, "holders": {id: [expiresAt,
 * token]}}}. A grant is one compare-and-set that raises the fence and adds a holder with the new fence as its
 * token, so tokens strictly increase in grant order, wherever the grant is decided; holders whose instant has
 * passed are dropped by the next change. A waiter watches the key and tries again at each change, or when the
 * first holder's time to live passes (a holder's expiry is inside the value, so no event tells of it): it never
 * polls.
 *
 * <p>On Hazelcast, {@code compareAndSet} runs on the key's owner and is copied to its backups, so this is also the
 * cluster's lock, surviving the loss of members as the map does.
 */
public final class StoreLeases {

    /** Where a name's state is kept: this, then the name. */
    public static final String KEY_PREFIX = "statestore:lease:";

    /**
     * Tells this JVM's holders from every other's: random, drawn once (a {@link UUID} per grant would cost a
     * {@code SecureRandom} draw on every lock).
     */
    private static final String HOLDER_PREFIX = UUID.randomUUID() + "-";
    private static final AtomicLong HOLDERS = new AtomicLong();

    /** How long after subscribing a waiter looks at the state once more, whatever it was told. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private StoreLeases() {
    }

    /**
     * Takes a permit of the semaphore {@code name}; the arguments are checked by the caller.
     *
     * @param store   the store holding the state
     * @param name    the semaphore's name
     * @param permits how many may hold it at once
     * @param ttl     the lease's time to live
     * @param wait    how long to wait, {@code null} for as long as it takes
     * @return the lease
     * @throws LeaseTimeoutException if none was granted in time
     */
    public static Lease acquire(StateStore store, String name, int permits, Duration ttl, Duration wait) {
        String key = KEY_PREFIX + name;
        String holder = HOLDER_PREFIX + HOLDERS.incrementAndGet();
        long deadline = wait == null ? Long.MAX_VALUE : System.nanoTime() + wait.toNanos();
        Semaphore changed = null;
        Subscription watching = null;
        long subscribed = 0;
        try {
            while (true) {
                long now = Expiry.now();
                Optional<Object> current = store.fetch(key);
                State state = State.read(current.orElse(null), now);
                if (state.holders.size() < permits) {
                    long token = state.fence + 1;
                    long expiresAt = Expiry.leaseDeadline(name, ttl);
                    if (store.compareAndSet(key, current.orElse(null), state.granting(holder, expiresAt, token))) {
                        return new StoreLease(store, key, name, holder, token, expiresAt);
                    }
                    continue;  // the state changed since it was read: decide again
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new LeaseTimeoutException("no permit of \"" + name + "\" (" + permits + ") was granted"
                            + (wait == null ? "" : " within " + wait.toMillis() + " ms") + ": " + state.holders.size()
                            + " held");
                }
                long untilFirstExpiry = TimeUnit.MILLISECONDS.toNanos(Math.max(1, state.firstExpiry - now));
                if (watching == null) {
                    Semaphore signal = new Semaphore(0);
                    changed = signal;
                    watching = store.watch(key, event -> signal.release());
                    subscribed = System.nanoTime();
                    continue;  // a lease that ended before the watch began would wake nobody: look again
                }
                long sinceSubscribed = System.nanoTime() - subscribed;
                if (sinceSubscribed < SETTLE_NANOS) {
                    // A change being applied while the watch was made may have missed it and still have been
                    // invisible to the read after it: look once more when such a change has surely finished.
                    untilFirstExpiry = Math.min(untilFirstExpiry, SETTLE_NANOS - sinceSubscribed);
                }
                changed.tryAcquire(Math.min(left, untilFirstExpiry), TimeUnit.NANOSECONDS);
                changed.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseTimeoutException("interrupted waiting for \"" + name + "\"");
        } finally {
            if (watching != null) {
                watching.close();
            }
        }
    }

    /** A name's state as read at one instant, its expired holders left out. */
    private record State(long fence, Map<String, List<Long>> holders, long firstExpiry) {

        static State read(Object stored, long now) {
            if (!(stored instanceof Map<?, ?> map)) {
                return new State(0, new LinkedHashMap<>(), Long.MAX_VALUE);
            }
            long fence = map.get("fence") instanceof Long value ? value : 0;
            Map<String, List<Long>> holders = new LinkedHashMap<>();
            long firstExpiry = Long.MAX_VALUE;
            if (map.get("holders") instanceof Map<?, ?> held) {
                for (Map.Entry<?, ?> entry : held.entrySet()) {
                    if (entry.getValue() instanceof List<?> lease && lease.size() == 2
                            && lease.get(0) instanceof Long expiresAt && lease.get(1) instanceof Long token
                            && !Expiry.passed(expiresAt, now)) {
                        holders.put((String) entry.getKey(), List.of(expiresAt, token));
                        firstExpiry = Math.min(firstExpiry, expiresAt);
                    }
                }
            }
            return new State(fence, holders, firstExpiry);
        }

        Map<String, Object> granting(String holder, long expiresAt, long token) {
            Map<String, List<Long>> next = new LinkedHashMap<>(holders);
            next.put(holder, List.of(expiresAt, token));
            return written(token, next);
        }

        Map<String, Object> written(long newFence, Map<String, List<Long>> newHolders) {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("fence", newFence);
            value.put("holders", newHolders);
            return value;
        }
    }

    /** A lease held through {@link #acquire}: changes of it are compare-and-sets of the name's state. */
    private static final class StoreLease extends AbstractLease {
        private final StateStore store;
        private final String key;
        private final String holder;

        StoreLease(StateStore store, String key, String name, String holder, long token, long expiresAt) {
            super(name, token, expiresAt);
            this.store = store;
            this.key = key;
            this.holder = holder;
        }

        @Override
        protected boolean doExtend(Duration ttl) {
            return change(ttl);
        }

        @Override
        protected void doRelease() {
            change(null);
        }

        /** Extends the lease by {@code ttl}, or with {@code null} removes it; false if it was no longer held. */
        private boolean change(Duration ttl) {
            while (true) {
                long now = Expiry.now();
                Optional<Object> current = store.fetch(key);
                State state = State.read(current.orElse(null), now);
                if (!state.holders.containsKey(holder)) {
                    return false;
                }
                Map<String, List<Long>> next = new LinkedHashMap<>(state.holders);
                if (ttl == null) {
                    next.remove(holder);
                } else {
                    next.put(holder, List.of(Expiry.leaseDeadline(name(), ttl), fencingToken()));
                }
                if (store.compareAndSet(key, current.orElse(null), state.written(state.fence, next))) {
                    return true;
                }
            }
        }
    }
}

package io.statestore.spi;

import io.statestore.StateStore;
import io.statestore.StateStoreClosedException;
import io.statestore.StateTypeException;
import io.statestore.Subscription;
import io.statestore.Lease;
import io.statestore.WatchEvent;
import io.statestore.value.Keys;
import io.statestore.value.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The part of the {@link StateStore} contract that is the same for every backend: the closed check, key
 * and value validation, normalization (so a backend only sees values in normal form it may keep), batch
 * validation before any write, and the derived methods. A backend implements the {@code do*} methods.
 */
public abstract class AbstractStateStore implements StateStore {

    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Watchers ownWatchers = new Watchers();
    /** The subscriptions made through this handle, closed with it. */
    private final List<Subscription> subscriptions = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Creates the store.
     *
     * @param description names the store in messages, usually its URI
     */
    protected AbstractStateStore(String description) {
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * Stores a checked key and a value in normal form, which the backend may keep as it is, replacing any
     * expiry the key had with {@code expiresAt}.
     *
     * @param key       a valid key
     * @param value     a non-null value in normal form, owned by the store from now on
     * @param expiresAt when the key expires ({@link Expiry}), or {@link Expiry#NONE}
     */
    protected abstract void doStore(String key, Object value, long expiresAt);

    /**
     * Fetches a value that is safe to give the caller (see {@link Values#copyOut(Object)}); an expired key
     * is absent.
     *
     * @param key a valid key
     * @return the value, or empty
     */
    protected abstract Optional<Object> doFetch(String key);

    /**
     * Fetches a value by a key not yet checked, for {@link #fetch(String)}. By default it checks the key
     * with {@link Keys#check(String)} and calls {@link #doFetch(String)}. A backend whose lookup compares
     * keys exactly as Java strings may look up first and check only on a miss, since every key it holds
     * was checked when written; then a present key costs no check at all. It must still throw
     * {@link IllegalArgumentException} for an invalid key, {@code null} included.
     *
     * @param key the key as the caller gave it, possibly invalid
     * @return the value, or empty
     * @throws IllegalArgumentException if the key is invalid
     */
    protected Optional<Object> doFetchUncheckedKey(String key) {
        return doFetch(Keys.check(key));
    }

    /**
     * Removes a key.
     *
     * @param key a valid key
     * @return {@code true} if it was present
     */
    protected abstract boolean doRemove(String key);

    /**
     * Lists keys.
     *
     * @param prefix the prefix, empty for every key
     * @return a fresh collection of the matching keys
     */
    protected abstract Collection<String> doKeys(String prefix);

    /** Removes every key. */
    protected abstract void doClear();

    /**
     * Counts keys.
     *
     * @return the number of keys
     */
    protected abstract long doSize();

    /**
     * Adds atomically, with {@link Counters#add(String, Object, long)} for the arithmetic. An expired key
     * counts as absent; a key that exists keeps its expiry.
     *
     * @param key                a valid key
     * @param amount             the amount
     * @param expiresAtIfCreated when the key expires if this call creates it, or {@link Expiry#NONE}
     * @return the new value
     */
    protected abstract long doIncr(String key, long amount, long expiresAtIfCreated);

    /**
     * Compares and sets atomically, comparing with {@link Values#equal(Object, Object)}.
     *
     * @param key      a valid key
     * @param expected the expected value in normal form, or {@code null} for absent
     * @param update    the new value in normal form, or {@code null} to remove
     * @param expiresAt when the new value expires, or {@link Expiry#NONE}
     * @return {@code true} if replaced
     */
    protected abstract boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt);

    /**
     * Sets the expiry of a present key.
     *
     * @param key       a valid key
     * @param expiresAt when it expires, not {@link Expiry#NONE}
     * @return {@code true} if the key was present
     */
    protected abstract boolean doExpire(String key, long expiresAt);

    /**
     * Removes the expiry of a present key.
     *
     * @param key a valid key
     * @return {@code true} if the key was present and had an expiry
     */
    protected abstract boolean doPersist(String key);

    /**
     * Tells when a key expires.
     *
     * @param key a valid key
     * @return its expiry instant; {@link Expiry#NONE} if it is absent or has no expiry
     */
    protected abstract long doExpiresAt(String key);

    /**
     * Stores checked, normalized entries, a {@code null} value removing its key; by default one by one.
     * Backends with a cheaper or atomic batch override it.
     *
     * @param entries   valid keys, each with a value in normal form or {@code null} to remove the key
     * @param expiresAt when the stored keys expire, or {@link Expiry#NONE}
     */
    protected void doStoreAll(Map<String, Object> entries, long expiresAt) {
        entries.forEach((key, value) -> {
            if (value == null) {
                doRemove(key);
            } else {
                doStore(key, value, expiresAt);
            }
        });
    }

    /**
     * Fetches checked keys; by default one by one.
     *
     * @param keys valid keys
     * @return a map from each present key to its value, in the order of {@code keys}
     */
    protected Map<String, Object> doFetchAll(List<String> keys) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (String key : keys) {
            doFetch(key).ifPresent(value -> result.put(key, value));
        }
        return result;
    }

    /**
     * Releases the backend's resources; called once.
     */
    protected void doClose() {
    }

    /**
     * The subscriptions this store publishes its changes to: by default this handle's own; a backend whose
     * handles share their entries (a named map) returns one shared by those handles.
     *
     * @return the watchers
     */
    protected Watchers watchers() {
        return ownWatchers;
    }

    /**
     * Returns the backend's object of a type, or {@code null}.
     *
     * @param type the type wanted
     * @return the object, or {@code null} if there is none of that type
     */
    protected Object doUnwrap(Class<?> type) {
        return null;
    }

    /**
     * Throws if this store was closed.
     *
     * @throws StateStoreClosedException if it was
     */
    protected final void checkOpen() {
        if (closed.get()) {
            throw new StateStoreClosedException(description);
        }
    }

    /**
     * Tells whether {@link #close()} was called.
     *
     * @return {@code true} once closed
     */
    protected final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final void store(String key, Object value) {
        store(key, value, null);
    }

    @Override
    public final void store(String key, Object value, Duration ttl) {
        checkOpen();
        Keys.check(key);
        long expiresAt = Expiry.deadline(key, ttl);
        if (value == null) {
            doRemove(key);
            return;
        }
        doStore(key, normalizeValue(key, value), expiresAt);
    }

    private static Object normalizeValue(String key, Object value) {
        try {
            return Values.normalize(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key \"" + Keys.excerpt(key) + "\": " + e.getMessage(), e);
        }
    }

    @Override
    public final Optional<Object> fetch(String key) {
        checkOpen();
        return doFetchUncheckedKey(key);
    }

    @Override
    public final <T> Optional<T> fetch(String key, Class<T> type) {
        Objects.requireNonNull(type, "type");
        Optional<Object> value = fetch(key);
        if (value.isPresent() && !type.isInstance(value.get())) {
            throw new StateTypeException("key \"" + Keys.excerpt(key) + "\" holds a "
                    + Values.typeName(value.get()) + " (" + value.get().getClass().getTypeName() + "), not a "
                    + type.getTypeName());
        }
        return value.map(type::cast);
    }

    @Override
    public final boolean remove(String key) {
        checkOpen();
        return doRemove(Keys.check(key));
    }

    @Override
    public final Set<String> keys() {
        return keys("");
    }

    @Override
    public final Set<String> keys(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        return Set.copyOf(doKeys(prefix));
    }

    @Override
    public final void clear() {
        checkOpen();
        doClear();
    }

    @Override
    public final long size() {
        checkOpen();
        return doSize();
    }

    @Override
    public final long incr(String key, long amount) {
        checkOpen();
        return doIncr(Keys.check(key), amount, Expiry.NONE);
    }

    @Override
    public final long incr(String key, long amount, Duration ttlIfCreated) {
        checkOpen();
        Keys.check(key);
        return doIncr(key, amount, Expiry.deadline(key, ttlIfCreated));
    }

    @Override
    public final long decr(String key, long amount) {
        return decr(key, amount, null);
    }

    @Override
    public final long decr(String key, long amount, Duration ttlIfCreated) {
        checkOpen();
        Keys.check(key);
        long expiresAt = Expiry.deadline(key, ttlIfCreated);
        if (amount == Long.MIN_VALUE) {
            throw new ArithmeticException("decr of key \"" + Keys.excerpt(key) + "\" by " + amount
                    + " cannot be negated; the value is unchanged");
        }
        return doIncr(key, -amount, expiresAt);
    }

    @Override
    public final boolean expire(String key, Duration ttl) {
        checkOpen();
        Keys.check(key);
        Objects.requireNonNull(ttl, "ttl");
        return doExpire(key, Expiry.deadline(key, ttl));
    }

    @Override
    public final boolean persist(String key) {
        checkOpen();
        return doPersist(Keys.check(key));
    }

    @Override
    public final Optional<Duration> timeToLive(String key) {
        checkOpen();
        return Expiry.remaining(doExpiresAt(Keys.check(key)), Expiry.now());
    }

    @Override
    public final Map<String, Object> fetchAll(Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        checkOpen();
        List<String> checked = new ArrayList<>(keys.size());
        for (String key : keys) {
            checked.add(Keys.check(key));
        }
        return Collections.unmodifiableMap(doFetchAll(checked));
    }

    @Override
    public final void storeAll(Map<String, ?> entries) {
        storeAll(entries, null);
    }

    @Override
    public final void storeAll(Map<String, ?> entries, Duration ttl) {
        Objects.requireNonNull(entries, "entries");
        checkOpen();
        long expiresAt = Expiry.batchDeadline(ttl);
        Map<String, Object> checked = new LinkedHashMap<>(entries.size() * 4 / 3 + 1);
        for (Map.Entry<String, ?> entry : entries.entrySet()) {
            Object value = entry.getValue();
            checked.put(Keys.check(entry.getKey()), value == null ? null : normalizeValue(entry.getKey(), value));
        }
        doStoreAll(checked, expiresAt);
    }

    @Override
    public final boolean compareAndSet(String key, Object expected, Object update) {
        return compareAndSet(key, expected, update, null);
    }

    @Override
    public final boolean compareAndSet(String key, Object expected, Object update, Duration ttl) {
        checkOpen();
        Keys.check(key);
        long expiresAt = Expiry.deadline(key, ttl);
        Object expectedNormal = expected == null ? null : normalizeValue(key, expected);
        Object updateNormal = update == null ? null : normalizeValue(key, update);
        return doCompareAndSet(key, expectedNormal, updateNormal, expiresAt);
    }

    @Override
    public final Subscription watch(String prefix, Consumer<WatchEvent> listener) {
        checkOpen();
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        Subscription subscription = doWatch(prefix, listener);
        subscriptions.add(subscription);
        return () -> {
            subscriptions.remove(subscription);
            subscription.close();
        };
    }

    /**
     * Starts a subscription: by default one of {@link #watchers()}, to which the backend publishes its changes;
     * a client of a remote store subscribes there instead.
     *
     * @param prefix   the keys to watch
     * @param listener what to tell
     * @return the subscription
     */
    protected Subscription doWatch(String prefix, Consumer<WatchEvent> listener) {
        return watchers().subscribe(prefix, listener);
    }

    @Override
    public final Lease lock(String name, Duration ttl, Duration wait) {
        return acquire(name, 1, ttl, wait);
    }

    @Override
    public final Lease acquire(String name, int permits, Duration ttl, Duration wait) {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a lease needs a name");
        }
        Keys.check(StoreLeases.KEY_PREFIX + name);
        if (permits < 1) {
            throw new IllegalArgumentException("the semaphore \"" + Keys.excerpt(name) + "\" needs at least 1 permit,"
                    + " not " + permits);
        }
        Expiry.leaseDeadline(name, ttl);
        if (wait != null && wait.isNegative()) {
            throw new IllegalArgumentException("the wait for \"" + Keys.excerpt(name) + "\" is negative: " + wait);
        }
        return doAcquire(name, permits, ttl, wait);
    }

    /**
     * Takes a permit of a semaphore, the arguments checked: by default on this store's own {@code compareAndSet}
     * and {@code watch} ({@link StoreLeases}); a backend with a better way (a client whose leases end with its
     * connection) does it its way.
     *
     * @param name    the semaphore's name
     * @param permits how many may hold it at once
     * @param ttl     the lease's time to live
     * @param wait    how long to wait, {@code null} for as long as it takes
     * @return the lease
     */
    protected Lease doAcquire(String name, int permits, Duration ttl, Duration wait) {
        return StoreLeases.acquire(this, name, permits, ttl, wait);
    }

    @Override
    public final <T> T unwrap(Class<T> type) {
        Objects.requireNonNull(type, "type");
        checkOpen();
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        Object unwrapped = doUnwrap(type);
        if (unwrapped == null || !type.isInstance(unwrapped)) {
            throw new IllegalArgumentException(description + " has no " + type.getName() + " to unwrap");
        }
        return type.cast(unwrapped);
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            subscriptions.forEach(Subscription::close);
            doClose();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + description + "]";
    }
}

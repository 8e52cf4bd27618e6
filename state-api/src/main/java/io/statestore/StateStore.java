package io.statestore;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A shared key-value store: String keys, values from the statestore value model, atomic counters.
 *
 * <p>Open one with {@link StateStores#open(String)}; every backend (in memory, a MapDB file, a Hazelcast
 * cluster) keeps the same contract, which the {@code state-tck} conformance kit checks.
 *
 * <h2>Keys</h2>
 * A key is a non-null, non-empty {@link String} of valid Unicode (no unpaired surrogates) whose UTF-8
 * form is at most {@value #MAX_KEY_BYTES} bytes. Any other key throws {@link IllegalArgumentException}
 * that names the problem, and nothing is written.
 *
 * <h2>Values</h2>
 * The value model, which crosses Java, msgpack and Python without loss:
 * {@code Boolean}; {@code Long} ({@code Integer}, {@code Short}, {@code Byte} and in-range
 * {@code BigInteger} are accepted and fetched back as {@code Long}); {@code BigInteger} outside the
 * long range; {@code Double} ({@code Float} accepted) including NaN and the infinities; {@code String}
 * (valid Unicode); {@code byte[]}; {@code List} (object and primitive arrays other than {@code byte[]}
 * accepted); {@code Map} with scalar keys ({@code String}, integer, {@code Double}, {@code Boolean} or
 * {@code null}), insertion order kept. {@code null} may appear inside lists and maps; a top-level
 * {@code null} is absence, not a value: {@code store(key, null)} removes the key, as {@code remove} does
 * (and as py_state's {@code state_set(key, None)} followed by {@code state_get(key)} gives {@code None}).
 * Anything else, such as
 * a {@code Date} or a POJO, throws {@link IllegalArgumentException} naming the key and the type; values
 * are never silently stringified.
 *
 * <h2>Isolation</h2>
 * Values are copied on the way in and on the way out: changing an object after {@code store}, or
 * changing a fetched {@code byte[]}, never changes what is stored. Fetched lists and maps are
 * unmodifiable.
 *
 * <h2>Atomicity and threads</h2>
 * Every method is thread-safe. Each single-key operation is atomic: {@link #incr(String, long)},
 * {@link #decr(String, long)} and {@link #compareAndSet(String, Object, Object)} are atomic read-modify-write
 * operations, including when they create the key, so N callers each adding M to a fresh counter end at
 * exactly N*M. {@link #keys()}, {@link #size()} and batches are not snapshots isolated from concurrent
 * writers; a batch that fails validation writes nothing.
 *
 * <h2>Expiry</h2>
 * A key may be given a time to live: {@link #store(String, Object, Duration)},
 * {@link #incr(String, long, Duration)} (when the increment creates the key),
 * {@link #compareAndSet(String, Object, Object, Duration)}, {@link #storeAll(Map, Duration)} and
 * {@link #expire(String, Duration)} set one; {@link #persist(String)} removes it. Once its time has passed, a
 * key is absent to every operation ({@code fetch}, {@code fetchAll}, {@code keys}, {@code size},
 * {@code compareAndSet}, counters, which start again from 0), whatever the backend's own expiry precision;
 * the backend reclaims its space in the background. Operations that write a whole new value
 * ({@code store}, {@code storeAll}, {@code compareAndSet}) give it the expiry passed to them, none without
 * one; counters change a value in place and keep its expiry. Times to live are kept to the millisecond,
 * as instants of the wall clock ({@link System#currentTimeMillis()}) of the process that decides.
 *
 * <h2>Closing</h2>
 * {@link #close()} releases the handle; any later call throws {@link StateStoreClosedException}.
 * Whether closing a handle drops data depends on the backend (for example, a named in-memory store
 * outlives its handles).
 */
public interface StateStore extends AutoCloseable {

    /** The largest key, in bytes of its UTF-8 encoding: 64 KiB. */
    int MAX_KEY_BYTES = 64 * 1024;

    /**
     * Inserts or replaces the value of a key.
     *
     * @param key   the key
     * @param value a value of the value model, copied so that later changes to it are not seen; or
     *              {@code null} to remove the key
     * @throws IllegalArgumentException if the key is invalid, or the value holds a type outside the value
     *                                  model; nothing is written
     * @throws StateStoreClosedException if this store was closed
     */
    void store(String key, Object value);

    /**
     * Returns the value of a key.
     *
     * @param key the key
     * @return the value (a fresh copy, or an unmodifiable container), or empty when the key is absent
     * @throws IllegalArgumentException if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    Optional<Object> fetch(String key);

    /**
     * Returns the value of a key as the given type.
     *
     * @param key  the key
     * @param type the expected type, for example {@code Long.class}, {@code Map.class}
     * @param <T>  the expected type
     * @return the value, or empty when the key is absent
     * @throws StateTypeException       if the key holds a value of another type; the value stays
     * @throws IllegalArgumentException if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    <T> Optional<T> fetch(String key, Class<T> type);

    /**
     * Removes a key.
     *
     * @param key the key
     * @return {@code true} if the key was present and is now removed
     * @throws IllegalArgumentException if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    boolean remove(String key);

    /**
     * Returns the keys present now.
     *
     * @return an unmodifiable snapshot of the keys
     * @throws StateStoreClosedException if this store was closed
     */
    Set<String> keys();

    /**
     * Returns the keys that start with a prefix.
     *
     * @param prefix the prefix; the empty prefix matches every key
     * @return an unmodifiable snapshot of the matching keys
     * @throws NullPointerException if the prefix is null
     * @throws StateStoreClosedException if this store was closed
     */
    Set<String> keys(String prefix);

    /**
     * Removes every key.
     *
     * @throws StateStoreClosedException if this store was closed
     */
    void clear();

    /**
     * Returns the number of keys present now.
     *
     * @return the number of keys
     * @throws StateStoreClosedException if this store was closed
     */
    long size();

    /**
     * Atomically adds one to a counter; see {@link #incr(String, long)}.
     *
     * @param key the counter's key
     * @return the new value
     */
    default long incr(String key) {
        return incr(key, 1);
    }

    /**
     * Atomically adds an amount to a counter. An absent key counts as 0, so the first
     * {@code incr(k, 5)} returns 5. Creation is atomic too: concurrent first increments are all counted.
     *
     * @param key    the counter's key
     * @param amount the amount to add, possibly negative
     * @return the new value
     * @throws ArithmeticException       if the result would overflow a {@code long}; the value stays
     * @throws StateTypeException        if the key holds something other than an integer; the value stays
     * @throws IllegalArgumentException  if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    long incr(String key, long amount);

    /**
     * Atomically subtracts one from a counter; see {@link #incr(String, long)}.
     *
     * @param key the counter's key
     * @return the new value
     */
    default long decr(String key) {
        return decr(key, 1);
    }

    /**
     * Atomically subtracts an amount from a counter: {@code incr(key, -amount)}.
     *
     * @param key    the counter's key
     * @param amount the amount to subtract
     * @return the new value
     * @throws ArithmeticException if {@code amount} is {@code Long.MIN_VALUE} or the result would
     *                             overflow; the value stays
     * @see #incr(String, long)
     */
    default long decr(String key, long amount) {
        return incr(key, Math.negateExact(amount));
    }

    /**
     * Returns the values of several keys.
     *
     * @param keys the keys
     * @return an unmodifiable map from each present key to its value, in the order of {@code keys};
     *         absent keys are left out
     * @throws IllegalArgumentException if any key is invalid; nothing is read
     * @throws StateStoreClosedException if this store was closed
     */
    Map<String, Object> fetchAll(Collection<String> keys);

    /**
     * Stores several entries; a {@code null} value removes its key, within the same batch. Every key and
     * value is validated before anything is written, so a batch with one bad entry writes nothing.
     *
     * @param entries the keys and values (or {@code null} to remove a key)
     * @throws IllegalArgumentException if any key or value is invalid; nothing is written
     * @throws StateStoreClosedException if this store was closed
     */
    void storeAll(Map<String, ?> entries);

    /**
     * Atomically replaces a value if the current one equals {@code expected}.
     *
     * <p>Equality is value-model equality, never encoded bytes: maps are equal regardless of order,
     * {@code byte[]} by content, integers by value whatever their Java type ({@code 1} equals {@code 1L}),
     * doubles as {@link Double#equals} does (NaN equals NaN; an integer never equals a double).
     *
     * @param key      the key
     * @param expected the value expected now, or {@code null} for "absent"
     * @param update   the new value, or {@code null} to remove the key
     * @return {@code true} if the current value matched and was replaced (or removed, or created)
     * @throws IllegalArgumentException  if the key, {@code expected} or {@code update} is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    boolean compareAndSet(String key, Object expected, Object update);

    /**
     * Inserts or replaces the value of a key, which expires after {@code ttl}.
     *
     * @param key   the key
     * @param value a value of the value model, or {@code null} to remove the key
     * @param ttl   how long the key lives, positive; {@code null} for no expiry, as {@link #store(String, Object)}
     * @throws IllegalArgumentException  if the key, the value or the time to live is invalid; nothing is written
     * @throws StateStoreClosedException if this store was closed
     */
    void store(String key, Object value, Duration ttl);

    /**
     * Atomically adds an amount to a counter, as {@link #incr(String, long)}; when this increment creates
     * the key (absent or expired), the new counter expires after {@code ttlIfCreated}. A counter that exists
     * keeps its expiry, or its lack of one: so {@code incr(window, 1, Duration.ofSeconds(1))} counts a fixed
     * one-second window in one call.
     *
     * @param key          the counter's key
     * @param amount       the amount to add, possibly negative
     * @param ttlIfCreated how long a counter created by this call lives, positive; {@code null} for no expiry
     * @return the new value
     * @throws ArithmeticException       if the result would overflow a {@code long}; the value stays
     * @throws StateTypeException        if the key holds something other than an integer; the value stays
     * @throws IllegalArgumentException  if the key or the time to live is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    long incr(String key, long amount, Duration ttlIfCreated);

    /**
     * Atomically subtracts an amount from a counter: {@code incr(key, -amount, ttlIfCreated)}.
     *
     * @param key          the counter's key
     * @param amount       the amount to subtract
     * @param ttlIfCreated how long a counter created by this call lives; {@code null} for no expiry
     * @return the new value
     * @throws ArithmeticException if {@code amount} is {@code Long.MIN_VALUE} or the result would overflow
     * @see #incr(String, long, Duration)
     */
    default long decr(String key, long amount, Duration ttlIfCreated) {
        return incr(key, Math.negateExact(amount), ttlIfCreated);
    }

    /**
     * Atomically replaces a value if the current one equals {@code expected}, as
     * {@link #compareAndSet(String, Object, Object)}; the new value expires after {@code ttl}.
     *
     * @param key      the key
     * @param expected the value expected now, or {@code null} for "absent" (an expired key is absent)
     * @param update   the new value, or {@code null} to remove the key
     * @param ttl      how long the new value lives, positive; {@code null} for no expiry
     * @return {@code true} if the current value matched and was replaced (or removed, or created)
     * @throws IllegalArgumentException  if the key, a value or the time to live is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    boolean compareAndSet(String key, Object expected, Object update, Duration ttl);

    /**
     * Stores several entries, as {@link #storeAll(Map)}, each of them expiring after {@code ttl}.
     *
     * @param entries the keys and values (or {@code null} to remove a key)
     * @param ttl     how long the stored keys live, positive; {@code null} for no expiry
     * @throws IllegalArgumentException  if any key or value, or the time to live, is invalid; nothing is written
     * @throws StateStoreClosedException if this store was closed
     */
    void storeAll(Map<String, ?> entries, Duration ttl);

    /**
     * Gives a present key a new time to live, replacing any it had.
     *
     * @param key the key
     * @param ttl how long the key lives from now, positive
     * @return {@code true} if the key was present (and now expires), {@code false} if it was absent
     * @throws IllegalArgumentException  if the key or the time to live is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    boolean expire(String key, Duration ttl);

    /**
     * Removes the expiry of a key, which then lives until removed.
     *
     * @param key the key
     * @return {@code true} if the key was present and had an expiry; {@code false} if it was absent or had none
     * @throws IllegalArgumentException  if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    boolean persist(String key);

    /**
     * Returns how long a key has left to live.
     *
     * @param key the key
     * @return the time left, positive; empty if the key is absent or has no expiry
     * @throws IllegalArgumentException  if the key is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    Optional<Duration> timeToLive(String key);

    /**
     * Tells {@code listener} of every change, applied from now on, to a key starting with {@code prefix}: a key
     * set (with its new value), deleted or expired. For each key, events arrive in the order the changes were
     * applied. The listener runs on a thread of the store's, one event at a time per subscription; writers never
     * wait for it. A listener that falls behind by more than the store's buffer (10,000 events) loses the
     * buffered events and gets {@link WatchEvent.Kind#LOST} instead, so memory stays bounded: it should then read
     * afresh what it needs. A listener that throws is not called again for that event; the subscription goes on.
     *
     * @param prefix   the keys to watch; empty for every key
     * @param listener what to tell
     * @return the subscription; close it to stop
     * @throws StateStoreClosedException if this store was closed
     */
    Subscription watch(String prefix, java.util.function.Consumer<WatchEvent> listener);

    /**
     * Takes the lock {@code name}: a semaphore of one permit ({@link #acquire}).
     *
     * @param name the lock's name, any non-empty string
     * @param ttl  how long the lease lasts unless extended or released, positive
     * @param wait how long to wait for it; {@code null} to wait as long as it takes, zero to try once
     * @return the lease, with its fencing token
     * @throws LeaseTimeoutException     if the lock was not granted within {@code wait}
     * @throws IllegalArgumentException  if the name or a duration is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    Lease lock(String name, Duration ttl, Duration wait);

    /**
     * Takes one of the {@code permits} permits of the semaphore {@code name}: granted when fewer than
     * {@code permits} leases on the name are held, else when one ends (released, expired, or through a bridge its
     * connection closed); waiters are woken by the store's events as a lease ends, not by polling. Every grant on
     * the name gets a fencing token larger than all before it. Callers of one name should agree on its permits:
     * each grant is decided with the caller's. The state lives under the key {@code "statestore:lease:" + name},
     * which other writes must leave alone.
     *
     * @param name    the semaphore's name, any non-empty string
     * @param permits how many leases may be held at once, at least 1
     * @param ttl     how long the lease lasts unless extended or released, positive
     * @param wait    how long to wait for it; {@code null} to wait as long as it takes, zero to try once
     * @return the lease, with its fencing token
     * @throws LeaseTimeoutException     if no permit was granted within {@code wait}
     * @throws IllegalArgumentException  if the name, permits or a duration is invalid
     * @throws StateStoreClosedException if this store was closed
     */
    Lease acquire(String name, int permits, Duration ttl, Duration wait);

    /**
     * Returns the backend's own object behind this store, for what the API does not offer.
     *
     * @param type the class wanted, for example a MapDB {@code DB} or a Hazelcast {@code IMap}
     * @param <T>  the type wanted
     * @return the backend's object
     * @throws IllegalArgumentException if this store has no object of that type
     */
    <T> T unwrap(Class<T> type);

    /**
     * Releases this handle and what the backend holds for it. Idempotent. Later calls on this handle throw
     * {@link StateStoreClosedException}.
     */
    @Override
    void close();
}

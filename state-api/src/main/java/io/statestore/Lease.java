package io.statestore;

import java.time.Duration;

/**
 * A lock or a semaphore permit held ({@link StateStore#lock}, {@link StateStore#acquire}). It ends when released,
 * when its time to live passes without {@link #extend}, and, taken through a bridge, when the connection that took
 * it closes. Holding one is not a proof that nobody else holds it (a pause longer than the time to live ends it
 * without its holder noticing): pass {@link #fencingToken()} to what the lease protects and have it refuse a
 * token lower than one it has seen. Closing releases it.
 */
public interface Lease extends AutoCloseable {

    /**
     * The name the lease was taken on.
     *
     * @return the name
     */
    String name();

    /**
     * A number that every grant on this name makes strictly larger, across the whole store (a cluster included):
     * a later holder always has a larger token than an earlier one.
     *
     * @return the fencing token
     */
    long fencingToken();

    /**
     * Makes the lease end {@code ttl} from now instead, if it has not ended.
     *
     * @param ttl the new time to live, positive
     * @return {@code true} if extended; {@code false} if the lease had already ended (released, expired, or taken
     *         from its holder after expiring)
     * @throws IllegalArgumentException if the time to live is not positive
     */
    boolean extend(Duration ttl);

    /** Ends the lease now, waking a waiter; nothing happens if it had already ended. Idempotent. */
    void release();

    /**
     * Tells whether the lease is held as far as this holder knows: not released, and its time to live (by this
     * process's clock) not passed. {@code false} is certain; {@code true} is not a proof (see the class comment).
     *
     * @return whether the lease may still be held
     */
    boolean isValid();

    /** Releases the lease ({@link #release()}). */
    @Override
    void close();
}

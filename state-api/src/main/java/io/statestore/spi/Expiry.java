package io.statestore.spi;

import io.statestore.value.Keys;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Expiry instants as backends keep them: milliseconds since the epoch on the wall clock, {@link #NONE} for a
 * key that does not expire. One definition of when a key has expired, so that every backend agrees.
 */
public final class Expiry {

    /** The instant of a key without expiry. */
    public static final long NONE = 0;

    private Expiry() {
    }

    /**
     * The current instant, as expiry instants are counted.
     *
     * @return milliseconds since the epoch
     */
    public static long now() {
        return System.currentTimeMillis();
    }

    /**
     * The instant at which a key given {@code ttl} now expires.
     *
     * @param key the key, for the message
     * @param ttl the time to live, or {@code null} for none
     * @return the instant (a time to live is rounded up to the millisecond), or {@link #NONE} for {@code null}
     * @throws IllegalArgumentException if {@code ttl} is zero, negative or too long to count
     */
    public static long deadline(String key, Duration ttl) {
        return ttl == null ? NONE : deadline(ttl, () -> "key \"" + Keys.excerpt(key) + "\"");
    }

    /**
     * The instant at which a lease given {@code ttl} now ends.
     *
     * @param name the lease's name, for the message
     * @param ttl  the time to live, required
     * @return the instant
     * @throws IllegalArgumentException if {@code ttl} is missing, zero, negative or too long to count
     */
    public static long leaseDeadline(String name, Duration ttl) {
        if (ttl == null) {
            throw new IllegalArgumentException("the lease of \"" + Keys.excerpt(name) + "\" needs a time to live");
        }
        return deadline(ttl, () -> "the lease of \"" + Keys.excerpt(name) + "\"");
    }

    /**
     * The instant at which the keys of a batch given {@code ttl} now expire.
     *
     * @param ttl the time to live, or {@code null} for none
     * @return the instant, or {@link #NONE} for {@code null}
     * @throws IllegalArgumentException if {@code ttl} is zero, negative or too long to count
     */
    public static long batchDeadline(Duration ttl) {
        return ttl == null ? NONE : deadline(ttl, () -> "the batch");
    }

    private static long deadline(Duration ttl, Supplier<String> subject) {
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException(subject.get() + ": the time to live " + ttl
                    + " is not positive; remove the key to end it now");
        }
        try {
            long millis = Math.addExact(ttl.toMillis(), ttl.toNanosPart() % 1_000_000 == 0 ? 0 : 1);
            return Math.addExact(now(), millis);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(subject.get() + ": the time to live " + ttl + " is too long", e);
        }
    }

    /**
     * Tells whether a key that expires at {@code expiresAt} has expired at {@code now}.
     *
     * @param expiresAt the key's expiry instant, or {@link #NONE}
     * @param now       the current instant
     * @return {@code true} if it expires and its instant has come
     */
    public static boolean passed(long expiresAt, long now) {
        return expiresAt != NONE && expiresAt <= now;
    }

    /**
     * The time a key has left.
     *
     * @param expiresAt the key's expiry instant, or {@link #NONE}
     * @param now       the current instant
     * @return the time left, positive; empty for {@link #NONE} or an instant that has come
     */
    public static Optional<Duration> remaining(long expiresAt, long now) {
        return expiresAt == NONE || expiresAt <= now ? Optional.empty() : Optional.of(Duration.ofMillis(expiresAt - now));
    }
}

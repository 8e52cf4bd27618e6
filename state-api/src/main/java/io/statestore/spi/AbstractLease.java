package io.statestore.spi;

import io.statestore.Lease;
import java.time.Duration;

/**
 * What every {@link Lease} keeps the same way: its name and token, the instant its holder believes it ends, and
 * whether it has ended; a subclass extends and ends it where it is held.
 */
public abstract class AbstractLease implements Lease {
    private final String name;
    private final long token;
    private volatile long endsAt;
    private volatile boolean ended;

    /**
     * Creates a lease as granted.
     *
     * @param name   its name
     * @param token  its fencing token
     * @param endsAt the instant its time to live passes ({@link Expiry#now()} clock)
     */
    protected AbstractLease(String name, long token, long endsAt) {
        this.name = name;
        this.token = token;
        this.endsAt = endsAt;
    }

    /**
     * Extends the lease where it is held.
     *
     * @param ttl the new time to live, checked
     * @return whether it was still held
     */
    protected abstract boolean doExtend(Duration ttl);

    /** Ends the lease where it is held (called once). */
    protected abstract void doRelease();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final long fencingToken() {
        return token;
    }

    @Override
    public final synchronized boolean extend(Duration ttl) {
        long until = Expiry.leaseDeadline(name, ttl);
        if (ended || !doExtend(ttl)) {
            ended = true;
            return false;
        }
        endsAt = until;
        return true;
    }

    @Override
    public final synchronized void release() {
        if (!ended) {
            ended = true;
            doRelease();
        }
    }

    @Override
    public final boolean isValid() {
        return !ended && !Expiry.passed(endsAt, Expiry.now());
    }

    @Override
    public final void close() {
        release();
    }

    @Override
    public String toString() {
        return "lease of \"" + name + "\", token " + token + (isValid() ? "" : " (ended)");
    }
}

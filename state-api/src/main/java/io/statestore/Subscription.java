package io.statestore;

/** A watch in progress ({@link StateStore#watch}); closing it stops the events. Idempotent. */
public interface Subscription extends AutoCloseable {

    /** Stops delivering events; an event being delivered finishes first. */
    @Override
    void close();
}

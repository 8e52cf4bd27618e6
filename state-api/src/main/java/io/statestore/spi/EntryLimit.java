package io.statestore.spi;

import io.statestore.WriteNotAppliedException;
import io.statestore.value.Keys;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most entries a store may hold (its {@code maxEntries} option), and how many it holds: every write that
 * creates an entry takes a place first ({@link #take}), refused once all are taken, and every removal gives
 * one back. Exact under any concurrency, since places are taken before an entry is made and given back after
 * it is gone. An expired entry holds its place until it is removed or reclaimed.
 */
public final class EntryLimit {

    private final long max;
    private final String store;
    private final AtomicLong taken;

    /**
     * Creates a limit.
     *
     * @param max     the most entries, positive
     * @param store   names the store in messages
     * @param holding how many entries the store holds already
     */
    public EntryLimit(long max, String store, long holding) {
        this.max = max;
        this.store = store;
        this.taken = new AtomicLong(holding);
    }

    /**
     * The most entries the store may hold.
     *
     * @return the limit
     */
    public long max() {
        return max;
    }

    /**
     * Takes a place for a new entry.
     *
     * @param key the new entry's key, for the message
     * @throws WriteNotAppliedException if every place is taken; nothing was written
     */
    public void take(String key) {
        take(key, 1);
    }

    /**
     * Takes places for the new entries of a batch, all or none.
     *
     * @param key   a new key of the batch, for the message
     * @param count how many places
     * @throws WriteNotAppliedException if fewer are free; nothing was written
     */
    public void take(String key, long count) {
        if (count > 0 && taken.addAndGet(count) > max) {
            taken.addAndGet(-count);
            throw new WriteNotAppliedException(store + " holds its maxEntries=" + max + " keys: the new key \""
                    + Keys.excerpt(key) + "\"" + (count > 1 ? " (one of " + count + " in a batch)" : "")
                    + " is refused (updates of present keys are not); remove keys, let them expire, or open the"
                    + " store with a larger maxEntries", null);
        }
    }

    /**
     * Takes a place that a concurrent removal just gave back, without checking: for a batch that had reserved
     * its places and finds one of its keys removed meanwhile, which must not leave the batch half-written.
     */
    public void takeFreed() {
        taken.incrementAndGet();
    }

    /** Gives back the place of an entry that is gone. */
    public void giveBack() {
        taken.decrementAndGet();
    }

    /**
     * Gives back the places of entries that are gone.
     *
     * @param count how many
     */
    public void giveBack(long count) {
        taken.addAndGet(-count);
    }
}

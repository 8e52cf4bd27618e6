package io.statestore.memory;

import io.statestore.WriteNotAppliedException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most entries a map may hold ({@code maxEntries}), and how many it holds: every write that creates an
 * entry takes a place first ({@link #take}), refused once all are taken, and every removal gives one back.
 * Exact under any concurrency, since places are taken before an entry is made and given back after it is
 * gone. An expired entry holds its place until it is removed or reclaimed.
 */
final class EntryLimit {

    private final long max;
    private final String store;
    private final AtomicLong taken = new AtomicLong();

    EntryLimit(long max, String store) {
        this.max = max;
        this.store = store;
    }

    long max() {
        return max;
    }

    /**
     * Takes a place for a new entry.
     *
     * @throws WriteNotAppliedException if every place is taken; nothing was written
     */
    void take(String key) {
        if (taken.incrementAndGet() > max) {
            taken.decrementAndGet();
            throw new WriteNotAppliedException(store + " holds its maxEntries=" + max + " keys: the new key \""
                    + io.statestore.value.Keys.excerpt(key) + "\" is refused (updates of present keys are not);"
                    + " remove keys, let them expire, or open the store with a larger maxEntries", null);
        }
    }

    /** Gives back the place of an entry that is gone. */
    void giveBack() {
        taken.decrementAndGet();
    }
}

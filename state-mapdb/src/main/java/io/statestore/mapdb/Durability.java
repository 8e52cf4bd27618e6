package io.statestore.mapdb;

/**
 * When a MapDB store commits its writes to the file. MapDB keeps one transaction per file; a commit makes
 * every write made before it durable at once, and after a crash the file reopens as of the last commit.
 */
public enum Durability {

    /**
     * Every write is committed before it returns: once a call has returned, its write survives a crash.
     * Writers that arrive while a commit is running share the next commit, so concurrent writers pay for
     * fewer commits than they make writes. The default.
     */
    SYNC,

    /**
     * Writes return at once and a background thread commits every commit window: a crash loses at most the
     * writes of the last window (plus the time the commit takes). {@link MapDbStateStore#flush()} commits
     * on demand.
     */
    GROUP,

    /**
     * Writes are committed only by {@link MapDbStateStore#flush()} and {@link MapDbStateStore#close()}: a
     * crash loses everything since the last of them, but the file still reopens intact.
     */
    NONE
}
